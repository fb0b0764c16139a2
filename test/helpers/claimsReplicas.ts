// Claims across gateway replicas, as in production: two gateway processes
// (`node src/main.ts`, configured by FTP_URL only) on one FTP server, with
// consumers on each that claim → GET → ack until the queue is empty. The
// test process reads the served folder directly to know when it is empty
// (no file left in the queue and nothing in `.claims/`), and counts what the
// consumers processed: each file must be acked exactly once.
//
// With `kill`, once process A's consumers have acked `afterAcks` files, each
// of them takes one more claim, reads the file and does not ack it; when all
// hold one (or `holdWaitMs` passed), A gets SIGKILL. Those claims then sit in
// `.claims/` until their lease runs out, and B's consumers must get them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayProcess } from './gatewayProcess.js';
import { chownTree, rawRequest } from './httpHarness.js';
import type { RunningFtpServer } from './servers/index.js';

export interface ReplicaRunOptions {
  folder: string;
  files: number;
  consumersPerProcess: number;
  stableMs: number;
  leaseMs: number;
  kill?: { afterAcks: number; holdWaitMs?: number };
  /** Give up (fail) after this long. */
  deadlineMs?: number;
}

export interface ReplicaRunFigures {
  files: number;
  processes: number;
  consumers: number;
  /** Files acked more than once. */
  duplicates: number;
  /** Files never acked. */
  lost: number;
  seconds: number;
  /** Claims that ended 409 (a lease that ran out under a consumer). */
  conflicts: number;
  /** With kill: the files A's consumers held when it was killed, all of which B must ack. */
  killedHeld: string[];
  /** With kill: seconds from the kill to B's ack of the last of them. */
  recoverySeconds: number | null;
}

const json = { 'content-type': 'application/json' };

export function seedQueue(ftp: RunningFtpServer, folder: string, count: number): string[] {
  const dir = join(ftp.root, folder);
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `job-${String(i).padStart(5, '0')}.txt`);
  const old = Date.now() / 1000 - 3600;
  for (const name of names) {
    writeFileSync(join(dir, name), `payload of ${name}\n`);
    utimesSync(join(dir, name), old, old);
  }
  chownTree(ftp.root);
  return names;
}

function queueEmpty(ftp: RunningFtpServer, folder: string): boolean {
  const dir = join(ftp.root, folder);
  const left = readdirSync(dir).filter((n) => n !== '.claims');
  const claims = existsSync(join(dir, '.claims')) ? readdirSync(join(dir, '.claims')) : [];
  return left.length === 0 && claims.length === 0;
}

export async function startReplicas(ftp: RunningFtpServer, count: number, poolMax: number): Promise<GatewayProcess[]> {
  const url = `ftp://${encodeURIComponent(ftp.user)}:${encodeURIComponent(ftp.password)}@${ftp.host}:${ftp.port}/?poolMax=${poolMax}`;
  return Promise.all(Array.from({ length: count }, () => GatewayProcess.start({ env: { FTP_URL: url } })));
}

export async function runReplicaQueue(
  ftp: RunningFtpServer,
  replicas: GatewayProcess[],
  options: ReplicaRunOptions,
): Promise<ReplicaRunFigures> {
  const { folder, stableMs, leaseMs } = options;
  const names = readdirSync(join(ftp.root, folder)).filter((n) => n !== '.claims');
  const acks = new Map<string, number>();
  let conflicts = 0;
  let killedAt: number | null = null;
  let lastRedelivery: number | null = null;
  const held: string[] = [];
  const killed = new Set<GatewayProcess>();
  const victim = options.kill ? replicas[0] : undefined;
  let victimAcks = 0;
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 300_000);

  const post = (gw: GatewayProcess, path: string, body: unknown) =>
    rawRequest(gw.port, 'POST', `/api/v1/servers/default${path}`, { headers: json, body: JSON.stringify(body) });

  let holders = 0;
  const holdersTarget = options.consumersPerProcess;
  const killWhenHeld = async (): Promise<void> => {
    if (victim === undefined || killed.has(victim)) return;
    killed.add(victim);
    victim.signal('SIGKILL');
    killedAt = Date.now();
    await victim.exited();
  };

  const consumer = async (gw: GatewayProcess): Promise<void> => {
    for (;;) {
      assert.ok(Date.now() < deadline, `the queue was not empty after ${options.deadlineMs ?? 300_000} ms`);
      if (killed.has(gw)) return;
      let r: Awaited<ReturnType<typeof post>>;
      try {
        r = await post(gw, '/claims', { path: folder, stableMs, leaseMs });
      } catch (err) {
        if (killed.has(gw)) return;
        throw err;
      }
      if (r.status === 204) {
        if (queueEmpty(ftp, folder)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      assert.equal(r.status, 201, r.text());
      const claim = r.json<{ id: string; path: string; name: string }>();
      const file = await rawRequest(gw.port, 'GET', `/api/v1/servers/default/files/${claim.path}`);
      if (file.status === 404) {
        // The lease ran out before the GET and a sweep took the file back: another consumer will get it.
        conflicts++;
        continue;
      }
      assert.equal(file.status, 200, `GET ${claim.path}: ${file.status}`);
      assert.equal(file.text(), `payload of ${claim.name}\n`);
      if (gw === victim && options.kill && victimAcks >= options.kill.afterAcks) {
        // Hold it, never ack: the process dies with the claim.
        held.push(claim.name);
        holders++;
        const waitUntil = Date.now() + (options.kill.holdWaitMs ?? 5_000);
        while (holders < holdersTarget && Date.now() < waitUntil && !killed.has(gw))
          await new Promise((resolve) => setTimeout(resolve, 10));
        await killWhenHeld();
        return;
      }
      const ack = await post(gw, `/claims/${claim.id}/ack`, { disposition: 'delete' });
      if (ack.status === 409) {
        conflicts++;
        continue;
      }
      assert.equal(ack.status, 204, ack.text());
      acks.set(claim.name, (acks.get(claim.name) ?? 0) + 1);
      if (gw === victim) victimAcks++;
      if (killedAt !== null && held.includes(claim.name)) lastRedelivery = Date.now();
    }
  };

  const consumers: Promise<void>[] = [];
  for (const gw of replicas) for (let i = 0; i < options.consumersPerProcess; i++) consumers.push(consumer(gw));
  await Promise.all(consumers);
  const seconds = (Date.now() - started) / 1000;
  return {
    files: names.length,
    processes: replicas.length,
    consumers: consumers.length,
    duplicates: [...acks.values()].filter((n) => n > 1).length,
    lost: names.filter((n) => !acks.has(n)).length,
    seconds,
    conflicts,
    killedHeld: held,
    recoverySeconds: killedAt !== null && lastRedelivery !== null ? (lastRedelivery - killedAt) / 1000 : null,
  };
}
