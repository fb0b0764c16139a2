// Claims (contract v1.1 "Claims: a folder as a work queue") end to end: the
// real app against real servers. What is on the server's disk after each
// step is read directly, so the tests see the claim folders, the lease
// markers and the files, not only what the gateway answers. The rename race
// runs between two gateways (two ClaimServices: no shared memory) on
// vsftpd, pure-ftpd and proftpd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectFtp, isFtpError } from '../../../../src/ftp/index.js';
import { parseLeaseMarker } from '../../../../src/gateway/claims/leaseMarker.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import {
  API,
  chownTree,
  eventually,
  ftpServerConfig,
  gatewayConfig,
  startGateway,
  type RunningGateway,
} from '../../../helpers/httpHarness.js';

const json = { 'content-type': 'application/json' };

interface ClaimBody {
  id: string;
  path: string;
  name: string;
  size: number | null;
  modifiedAt: string | null;
  expiresAt: string;
}

function post(gw: RunningGateway, path: string, body?: unknown) {
  return gw.request('POST', `${API}${path}`, body === undefined ? {} : { headers: json, body: JSON.stringify(body) });
}

/** Writes files into `dir` (under the served root) with modification times `age` seconds in the past, oldest first. */
function seed(root: string, dir: string, names: readonly string[]): void {
  mkdirSync(join(root, dir), { recursive: true });
  const now = Date.now() / 1000;
  names.forEach((name, i) => {
    const path = join(root, dir, name);
    writeFileSync(path, `content of ${name}`);
    // Whole minutes apart: vsftpd's LIST shows minutes.
    utimesSync(path, now - 3600 + i * 120, now - 3600 + i * 120);
  });
  chownTree(root);
}

function claimsDir(root: string, dir: string): string[] {
  const path = join(root, dir, '.claims');
  return existsSync(path) ? readdirSync(path).sort() : [];
}

describe('claims on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)]));
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  test('take the oldest stable file: 201, the file now in .claims/{id}/, a lease marker beside it; readable through /files', async () => {
    seed(ftp.root, 'q1', ['b.csv', 'a.csv', 'c.txt']);
    const r = await post(gw, '/claims', { path: 'q1', pattern: '*.csv', stableMs: 0 });
    assert.equal(r.status, 201);
    const claim = r.json<ClaimBody>();
    assert.equal(claim.name, 'b.csv', 'the oldest by modification time, not by name');
    assert.equal(claim.path, `q1/.claims/${claim.id}/b.csv`);
    assert.equal(claim.size, 'content of b.csv'.length);
    assert.ok(Date.parse(claim.expiresAt) > Date.now() + 290_000, 'the default lease is 300 s');
    assert.deepEqual(readdirSync(join(ftp.root, 'q1')).sort(), ['.claims', 'a.csv', 'c.txt']);
    const entries = claimsDir(ftp.root, 'q1');
    assert.equal(entries.length, 2);
    const marker = entries.map(parseLeaseMarker).find((m) => m !== null);
    assert.deepEqual(marker, { id: claim.id, expiresAt: Date.parse(claim.expiresAt) });
    const file = await gw.request('GET', `${API}/files/${claim.path}`);
    assert.equal(file.text(), 'content of b.csv');

    const next = await post(gw, '/claims', { path: 'q1', pattern: '*.csv', stableMs: 0 });
    assert.equal(next.json<ClaimBody>().name, 'a.csv');
    const none = await post(gw, '/claims', { path: 'q1', pattern: '*.csv', stableMs: 0 });
    assert.equal(none.status, 204, 'c.txt does not match');
  });

  test('a file first seen now is not stable yet: 204 until stableMs has passed since this process first listed it', async () => {
    seed(ftp.root, 'q2', ['new.dat']);
    assert.equal((await post(gw, '/claims', { path: 'q2', stableMs: 60_000 })).status, 204);
    assert.equal((await post(gw, '/claims', { path: 'q2', stableMs: 60_000 })).status, 204);
    assert.ok(existsSync(join(ftp.root, 'q2', 'new.dat')));
    assert.equal((await post(gw, '/claims', { path: 'q2', stableMs: 1 })).status, 201, 'seen unchanged for more than 1 ms');
  });

  test('ack delete removes the file, the claim folder and the marker', async () => {
    seed(ftp.root, 'q3', ['x.dat']);
    const claim = (await post(gw, '/claims', { path: 'q3', stableMs: 0 })).json<ClaimBody>();
    assert.equal((await post(gw, `/claims/${claim.id}/ack`, { disposition: 'delete' })).status, 204);
    assert.deepEqual(readdirSync(join(ftp.root, 'q3')), ['.claims']);
    assert.deepEqual(claimsDir(ftp.root, 'q3'), []);
    const again = await post(gw, `/claims/${claim.id}/ack`, { disposition: 'delete' });
    assert.equal(again.status, 409);
    assert.equal(again.json<{ code: string }>().code, 'CLAIM_NOT_HELD');
  });

  test('ack move puts the file into the folder `to` (made when missing); a file of that name there → 409, the claim still held', async () => {
    seed(ftp.root, 'q4', ['y.dat', 'z.dat']);
    seed(ftp.root, 'done/q4', ['z.dat']);
    const first = (await post(gw, '/claims', { path: 'q4', stableMs: 0 })).json<ClaimBody>();
    assert.equal((await post(gw, `/claims/${first.id}/ack`, { disposition: 'move', to: 'done/q4' })).status, 204);
    assert.equal(readFileSync(join(ftp.root, 'done/q4/y.dat'), 'utf8'), 'content of y.dat');
    const second = (await post(gw, '/claims', { path: 'q4', stableMs: 0 })).json<ClaimBody>();
    const clash = await post(gw, `/claims/${second.id}/ack`, { disposition: 'move', to: 'done/q4' });
    assert.equal(clash.status, 409);
    assert.equal(clash.json<{ code: string }>().code, 'TARGET_EXISTS');
    assert.ok(existsSync(join(ftp.root, 'q4/.claims', second.id, 'z.dat')), 'the claim still holds its file');
    assert.equal((await post(gw, `/claims/${second.id}/ack`, { disposition: 'delete' })).status, 204);
  });

  test('release puts the file back under its name; when the name was taken meanwhile, beside it as {stem}.returned-{id8}{ext}', async () => {
    seed(ftp.root, 'q5', ['r.csv', 's.csv']);
    const one = (await post(gw, '/claims', { path: 'q5', stableMs: 0 })).json<ClaimBody>();
    assert.equal((await post(gw, `/claims/${one.id}/release`)).status, 204);
    assert.equal(readFileSync(join(ftp.root, 'q5/r.csv'), 'utf8'), 'content of r.csv');
    assert.deepEqual(claimsDir(ftp.root, 'q5'), []);

    const two = (await post(gw, '/claims', { path: 'q5', stableMs: 0 })).json<ClaimBody>();
    writeFileSync(join(ftp.root, 'q5', two.name), 'a new upload');
    chownTree(ftp.root);
    assert.equal((await post(gw, `/claims/${two.id}/release`, {})).status, 204);
    assert.equal(readFileSync(join(ftp.root, 'q5', two.name), 'utf8'), 'a new upload', 'never overwritten');
    const returned = `${two.name.replace(/\.csv$/, '')}.returned-${two.id.slice(0, 8)}.csv`;
    assert.equal(readFileSync(join(ftp.root, 'q5', returned), 'utf8'), `content of ${two.name}`);
  });

  test('extend keeps the id and renames the marker; an expired claim is 409 and the next claim request returns it', async () => {
    seed(ftp.root, 'q6', ['e.dat']);
    // A long first lease: this process then sweeps q6 every 30 s, so only the claim request below can return it.
    const claim = (await post(gw, '/claims', { path: 'q6', stableMs: 0, leaseMs: 600_000 })).json<ClaimBody>();
    const extended = await post(gw, `/claims/${claim.id}/extend`, { leaseMs: 900_000 });
    assert.equal(extended.status, 200);
    const body = extended.json<{ id: string; expiresAt: string }>();
    assert.equal(body.id, claim.id);
    assert.ok(Date.parse(body.expiresAt) > Date.parse(claim.expiresAt));
    assert.deepEqual(
      claimsDir(ftp.root, 'q6')
        .map(parseLeaseMarker)
        .filter((m) => m !== null),
      [{ id: claim.id, expiresAt: Date.parse(body.expiresAt) }],
    );
    // Shorten it to the minimum and let it run out.
    const short = (await post(gw, `/claims/${claim.id}/extend`, { leaseMs: 1000 })).json<{ expiresAt: string }>();
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(short.expiresAt) - Date.now() + 50)));
    for (const action of ['ack', 'release', 'extend'] as const) {
      const body = action === 'ack' ? { disposition: 'delete' } : action === 'extend' ? { leaseMs: 5000 } : undefined;
      const r = await post(gw, `/claims/${claim.id}/${action}`, body);
      assert.equal(r.status, 409, action);
      assert.equal(r.json<{ code: string }>().code, 'CLAIM_NOT_HELD');
    }
    assert.ok(existsSync(join(ftp.root, 'q6/.claims', claim.id, 'e.dat')), 'not returned until a sweep runs');
    const retaken = await post(gw, '/claims', { path: 'q6', stableMs: 0 });
    assert.equal(retaken.status, 201, 'the sweep of this request returned it, and it was stable at once (stableMs 0)');
    assert.equal(retaken.json<ClaimBody>().name, 'e.dat');
    assert.notEqual(retaken.json<ClaimBody>().id, claim.id);
    assert.ok(!existsSync(join(ftp.root, 'q6/.claims', claim.id)), 'the expired claim folder is gone');
  });

  test('while a folder is in use, a periodic sweep returns expired claims without any request', async () => {
    seed(ftp.root, 'q7', ['p.dat']);
    const claim = (await post(gw, '/claims', { path: 'q7', stableMs: 0, leaseMs: 1000 })).json<ClaimBody>();
    // The sweep puts the file back first and removes the emptied claim folder after (RNTO, then RMD): wait for both.
    await eventually(() => existsSync(join(ftp.root, 'q7/p.dat')) && claimsDir(ftp.root, 'q7').length === 0, 10_000);
    assert.deepEqual(claimsDir(ftp.root, 'q7'), []);
    assert.equal((await post(gw, `/claims/${claim.id}/release`)).status, 409);
  });

  test('bad input is 400 and sends nothing to the FTP server', async () => {
    const before = (await ftp.commandLog()).length;
    const cases: Array<[string, unknown, string]> = [
      ['/claims', { path: 'zzbad/../b' }, 'BAD_PATH'],
      ['/claims', { path: 'zzbad/.claims' }, 'BAD_PATH'],
      ['/claims', { path: 'zzbad'.repeat(31) }, 'BAD_PATH'],
      ['/claims', { path: 'zzbad', pattern: 'a/b' }, 'BAD_BODY'],
      ['/claims', { path: 'zzbad', leaseMs: 999 }, 'BAD_BODY'],
      ['/claims', { path: 'zzbad', stableMs: -1 }, 'BAD_BODY'],
      ['/claims', { path: 'zzbad', extra: 1 }, 'BAD_BODY'],
      ['/claims', { pattern: '*' }, 'BAD_BODY'],
      ['/claims/not-an-id/ack', { disposition: 'delete' }, 'BAD_CLAIM_ID'],
      [`/claims/${'a'.repeat(24)}.Lg/ack`, { disposition: 'delete' }, 'BAD_PATH'], // base64url of "."
      [`/claims/${'a'.repeat(24)}.Li4/release`, undefined, 'BAD_PATH'], // ".."
      [`/claims/${'a'.repeat(24)}/ack`, { disposition: 'move' }, 'BAD_BODY'],
      [`/claims/${'a'.repeat(24)}/ack`, { disposition: 'move', to: '../x' }, 'BAD_PATH'],
      [`/claims/${'a'.repeat(24)}/ack`, { disposition: 'keep' }, 'BAD_BODY'],
      [`/claims/${'a'.repeat(24)}/ack`, { disposition: 'move', to: 'zzbad/.claims/x' }, 'BAD_PATH'],
      [`/claims/${'a'.repeat(24)}/extend`, { leaseMs: 'long' }, 'BAD_BODY'],
      [`/claims/${'a'.repeat(24)}/release`, { x: 1 }, 'BAD_BODY'],
    ];
    for (const [path, body, code] of cases) {
      const r = await post(gw, path, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(r.json<{ code: string }>().code, code, `${path} ${JSON.stringify(body)}`);
    }
    // Other suites' periodic sweeps may talk to the server meanwhile: none of these inputs may appear.
    const sent = (await ftp.commandLog()).slice(before);
    assert.deepEqual(
      sent.filter((line) => /zzbad|aaaaaaaaaaaa|\.\./.test(line)),
      [],
    );
  });

  test('a path that names a file is 409 NOT_A_DIRECTORY whatever stableMs (as GET dirs and the event stream); a missing folder is 404', async () => {
    seed(ftp.root, 'q9', ['only.dat']);
    for (const stableMs of [0, 60_000]) {
      const r = await post(gw, '/claims', { path: 'q9/only.dat', stableMs });
      assert.equal(r.status, 409, `stableMs ${stableMs}`);
      assert.equal(r.json<{ code: string }>().code, 'NOT_A_DIRECTORY');
    }
    const dirs = await gw.request('GET', `${API}/dirs/q9/only.dat`);
    assert.equal(dirs.status, 409);
    assert.equal(dirs.json<{ code: string }>().code, 'NOT_A_DIRECTORY');
    assert.equal((await post(gw, '/claims', { path: 'q9/none', stableMs: 0 })).status, 404);
    assert.deepEqual(readdirSync(join(ftp.root, 'q9')), ['only.dat'], 'nothing renamed, nothing made');
  });

  test('the root as a queue: the id carries no folder, .claims is made in the root', async () => {
    writeFileSync(join(ftp.root, 'top.dat'), 'top');
    chownTree(ftp.root);
    const r = await post(gw, '/claims', { path: '', stableMs: 0 });
    assert.equal(r.status, 201);
    const claim = r.json<ClaimBody>();
    assert.match(claim.id, /^[0-9a-f]{24}$/);
    assert.equal(claim.path, `.claims/${claim.id}/top.dat`);
    assert.equal((await post(gw, `/claims/${claim.id}/release`)).status, 204);
    assert.equal(readFileSync(join(ftp.root, 'top.dat'), 'utf8'), 'top');
  });

  test('/metrics counts claims by outcome (after the tests above: taken, acked, released, expired)', async () => {
    const text = (await gw.request('GET', '/metrics')).text();
    const count = (outcome: string): number =>
      Number(new RegExp(`^gateway_claims_total\\{server="default",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    assert.ok(count('taken') >= 10, text);
    assert.ok(count('acked') >= 3);
    assert.ok(count('released') >= 3);
    assert.ok(count('expired') >= 2, 'the claim request sweep and the periodic one');
  });

  test('claims need a write key: a read key gets 403 and nothing reaches the FTP server', async () => {
    const keyed = await startGateway(
      gatewayConfig([ftpServerConfig(ftp)], {
        auth: { apiKeys: [{ key: 'reader-key-0123456789', scope: 'read' }], disabled: false },
      }),
    );
    try {
      const headers = { ...json, 'x-api-key': 'reader-key-0123456789' };
      const before = (await ftp.commandLog()).length;
      for (const path of [
        '/claims',
        `/claims/${'b'.repeat(24)}/ack`,
        `/claims/${'b'.repeat(24)}/release`,
        `/claims/${'b'.repeat(24)}/extend`,
      ]) {
        const r = await keyed.request('POST', `${API}${path}`, { headers, body: JSON.stringify({ path: 'zzread' }) });
        assert.equal(r.status, 403, path);
      }
      assert.deepEqual(
        (await ftp.commandLog()).slice(before).filter((line) => /zzread|bbbbbbbbbbbb/.test(line)),
        [],
      );
    } finally {
      await keyed.close();
    }
  });

  test('a well-formed id that names no claim → 409', async () => {
    const r = await post(gw, `/claims/${'0'.repeat(24)}/ack`, { disposition: 'delete' });
    assert.equal(r.status, 409);
    assert.equal(r.json<{ code: string }>().code, 'CLAIM_NOT_HELD');
  });
});

/**
 * The rename semantics claims rest on, as each server implements them, and
 * the race they arbitrate. Two gateways (each with its own ClaimService, as
 * two replicas) take from one folder at once: every file is claimed exactly
 * once.
 */
for (const kind of ['vsftpd', 'pure-ftpd', 'proftpd'] as const) {
  describe(`claims: rename semantics and the race on ${kind}`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let replicas: RunningGateway[];

    before(async () => {
      ftp = await borrowFtpServer(kind);
      replicas = await Promise.all([1, 2].map(() => startGateway(gatewayConfig([ftpServerConfig(ftp)]))));
    });
    after(async () => {
      for (const gw of replicas ?? []) await gw.close();
      await ftp?.stop();
    });

    test('RNTO onto an existing file replaces it; RNFR of a vanished file is refused (550)', async () => {
      seed(ftp.root, 'sem', ['one', 'two']);
      const session = await connectFtp({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
      try {
        await session.rename('/sem/one', '/sem/two');
        assert.equal(readFileSync(join(ftp.root, 'sem/two'), 'utf8'), 'content of one', 'no server refuses: restoreFile must check first');
        await assert.rejects(
          session.rename('/sem/one', '/sem/three'),
          (err) => isFtpError(err) && err.command === 'RNFR' && err.ftpCode === 550,
        );
      } finally {
        session.destroy();
      }
    });

    // vsftpd lists no hidden names at all (nothing to test there); these two do.
    if (kind !== 'vsftpd')
      test('hidden names: `*` skips them, `.*` takes them, but never an upload in progress (its .ftpgw-part name)', async () => {
        seed(ftp.root, 'hidden', ['.h.csv', '.d.csv.0123456789ab.ftpgw-part']);
        const gw = replicas[0] as RunningGateway;
        assert.equal((await post(gw, '/claims', { path: 'hidden', stableMs: 0 })).status, 204);
        const r = await post(gw, '/claims', { path: 'hidden', pattern: '.*', stableMs: 0 });
        assert.equal(r.status, 201);
        assert.equal(r.json<ClaimBody>().name, '.h.csv');
        assert.equal((await post(gw, '/claims', { path: 'hidden', pattern: '.*', stableMs: 0 })).status, 204);
        assert.ok(existsSync(join(ftp.root, 'hidden', '.d.csv.0123456789ab.ftpgw-part')));
      });

    test('two replicas, 8 consumers, 40 files: each claimed exactly once, .claims empty at the end', async () => {
      const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(3, '0')}.dat`);
      seed(ftp.root, 'race', names);
      const taken: string[] = [];
      const consumer = async (gw: RunningGateway): Promise<void> => {
        for (;;) {
          const r = await post(gw, '/claims', { path: 'race', stableMs: 0, leaseMs: 60_000 });
          if (r.status === 204) return;
          assert.equal(r.status, 201);
          const claim = r.json<ClaimBody>();
          taken.push(claim.name);
          assert.equal((await post(gw, `/claims/${claim.id}/ack`, { disposition: 'delete' })).status, 204);
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => consumer(replicas[i % 2] as RunningGateway)));
      assert.deepEqual([...taken].sort(), names, 'every file once, none twice');
      assert.deepEqual(readdirSync(join(ftp.root, 'race')), ['.claims']);
      assert.deepEqual(claimsDir(ftp.root, 'race'), []);
    });
  });
}
