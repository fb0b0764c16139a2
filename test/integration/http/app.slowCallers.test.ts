// Slow callers must not lock everyone else out (issue 10, point 5): an upload
// body that trickles (limits.bodyIdleMs / bodyMinBytesPerSec → 408, nothing
// kept), a download the client does not read (sendIdleMs /
// sendMinBytesPerSec → cut, the session back in the pool), and one API key
// running more than maxTransfersPerKey transfers on a server (429). Real
// vsftpd behind the fault proxy; windows of a few hundred ms keep it fast.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../../src/config/index.js';
import { serverSkip } from '../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import diagnostics_channel from 'node:diagnostics_channel';
import { ftpChannels, type FtpTransferEvent } from '../../../src/ftp/index.js';
import { API, diskNames, putOnDisk, randomContent, startRig, type Rig, type RigOptions } from '../../reliability/harness.js';
import { SecretScan } from '../../reliability/summary.js';
import { chownTree, eventually, sha256 } from '../../helpers/httpHarness.js';

const MiB = 1024 * 1024;
/** Where a slow caller is not cut (the code before the limits), a case fails here instead of hanging. */
const CASE_MS = 15_000;

/** A raw HTTP/1.1 exchange on its own socket: what the client wrote, and the answer as it comes. */
interface RawClient {
  socket: net.Socket;
  /** Resolves with the status of the answer (0 when the connection closed without one). */
  status: Promise<number>;
  head: Promise<string>;
  closed: Promise<void>;
}

function rawClient(port: number, head: string, opts: { read?: boolean } = {}): RawClient {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let text = '';
  let resolveHead!: (h: string) => void;
  const headP = new Promise<string>((r) => (resolveHead = r));
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end >= 0) resolveHead(text.slice(0, end));
    if (opts.read === false) socket.pause();
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  void closed.then(() => resolveHead(''));
  socket.write(head);
  return {
    socket,
    head: headP,
    status: headP.then((h) => Number(/^HTTP\/1\.1 (\d{3})/.exec(h)?.[1] ?? 0)),
    closed,
  };
}

/** The secrets scan of the rig, keeping the log lines too (to find the cut's warn line). */
class RecordingScan extends SecretScan {
  readonly lines: string[] = [];
  override add(text: string | Buffer): void {
    super.add(text);
    for (const line of text.toString().split('\n')) if (line.startsWith('{')) this.lines.push(line);
  }
}

function cutLine(scan: RecordingScan): Record<string, unknown> | undefined {
  return scan.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'response cut: the client read too slowly');
}

function getHead(path: string, key?: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\n${key ? `X-API-Key: ${key}\r\n` : ''}\r\n`;
}

function putHead(path: string, length: number, key?: string): string {
  return `PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n${key ? `X-API-Key: ${key}\r\n` : ''}\r\n`;
}

/** Writes one byte every `everyMs` until stopped (the issue's "a byte every 20 s", faster). */
function trickle(socket: net.Socket, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('x');
  }, everyMs);
  return () => clearInterval(timer);
}

describe('slow callers (vsftpd)', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  const rigs: Rig[] = [];
  const stops: Array<() => void> = [];
  const rig = async (limits: Partial<LimitsConfig>, options: RigOptions = {}): Promise<Rig> => {
    const r = await startRig({
      reuse: ftp,
      ...options,
      config: { limits: { ...DEFAULT_LIMITS, ...limits }, ...options.config },
      server: { pool: { max: 4, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 4_000 }, ...options.server },
    });
    rigs.push(r);
    return r;
  };
  const leftovers = (prefix: string): string[] => diskNames(ftp.root).filter((n) => n.startsWith(prefix));

  const events: FtpTransferEvent[] = [];
  const onTransfer = (e: unknown): void => void events.push(e as FtpTransferEvent);
  const big = randomContent(48 * MiB);
  const small = randomContent(10_000);
  const keys = { alpha: 'alpha-key-0123456789', beta: 'beta-key-0123456789' };
  const keyed = {
    auth: {
      apiKeys: [
        { key: keys.alpha, scope: 'write' as const },
        { key: keys.beta, scope: 'write' as const },
      ],
      disabled: false,
    },
  };

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    await putOnDisk(ftp, 'big.bin', big);
    await putOnDisk(ftp, 'small.bin', small);
    diagnostics_channel.subscribe(ftpChannels.transfer.name, onTransfer);
  });

  after(async () => {
    diagnostics_channel.unsubscribe(ftpChannels.transfer.name, onTransfer);
    for (const stop of stops) stop();
    for (const r of rigs) await r.close().catch(() => undefined);
    await ftp?.stop();
  });

  for (const [label, length] of [
    ['a small body', 100],
    ['a large body, 10 bytes of it sent', 4 * MiB],
  ] as const) {
    test(`a PUT that sends nothing after its headers (${label}): 408 problem+json, nothing kept, the session serves the next request`, {
      timeout: CASE_MS,
    }, async () => {
      const r = await rig({ bodyIdleMs: 400 }, { server: { pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 4_000 } } });
      const mark = events.length;
      const c = rawClient(r.port, putHead(`${API}/files/silent/${length}.bin`, length));
      if (length > 100) c.socket.write('0123456789');
      assert.equal(await c.status, 408);
      assert.match(await c.head, /content-type: application\/problem\+json/i);
      assert.match(await c.head, /connection: close/i);
      const upload = events.slice(mark).find((e) => e.direction === 'upload');
      assert.equal(upload?.ok, false);
      assert.equal(upload?.kernelRelay, false, 'uploads go through the stream path');
      await eventually(() => leftovers('silent/').filter((n) => n !== 'silent').length === 0);
      c.socket.destroy();
      const next = await r.request('GET', `${API}/files/small.bin`);
      assert.equal(next.status, 200);
    });
  }

  test('a multipart POST whose file part stops arriving: 408, no part kept, not even one finished before', {
    timeout: CASE_MS,
  }, async () => {
    const r = await rig({ bodyIdleMs: 400 });
    const boundary = 'slowboundary0123';
    const first = `--${boundary}\r\nContent-Disposition: form-data; name="a"; filename="one.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'1'.repeat(5000)}\r\n`;
    const second = `--${boundary}\r\nContent-Disposition: form-data; name="b"; filename="two.bin"\r\nContent-Type: application/octet-stream\r\n\r\npartial`;
    const c = rawClient(
      r.port,
      `POST ${API}/files/multi HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n${first}${second}`,
    );
    stops.push(trickle(c.socket, 100));
    assert.equal(await c.status, 408);
    await eventually(() => leftovers('multi/').length === 0);
    // The first part was whole and stored under a temporary name, then removed.
    const stored = r.proxy.commands.find((cmd) => /^STOR .*\/\.one\.bin\.[0-9a-f]+\.ftpgw-part$/.test(cmd));
    assert.ok(stored, r.proxy.commands.join(' | '));
    assert.ok(r.proxy.commands.includes(`DELE ${stored.slice(5)}`));
    c.socket.destroy();
  });

  // The issue's own case: pool max 4, four trickling PUTs from one key, and a
  // fifth caller with another key is served promptly.
  test('four trickling PUTs of one key, maxTransfersPerKey 2: two get 429, and another key is served while the two others still trickle', {
    timeout: CASE_MS,
  }, async () => {
    const r = await rig({ maxTransfersPerKey: 2 }, { config: keyed, secrets: [keys.alpha, keys.beta] });
    const tricklers = [0, 1, 2, 3].map((i) => rawClient(r.port, putHead(`${API}/files/capped/${i}.bin`, 1000, keys.alpha)));
    for (const t of tricklers) stops.push(trickle(t.socket, 100));
    const answered: number[] = [];
    for (const t of tricklers) void t.status.then((s) => answered.push(s));
    await eventually(() => answered.length === 2);
    assert.deepEqual(answered, [429, 429]);
    const put = await r.request('PUT', `${API}/files/capped/beta.bin`, { body: small, headers: { 'X-API-Key': keys.beta } });
    assert.equal(put.status, 201);
    const get = await r.request('GET', `${API}/files/small.bin`, { headers: { 'X-API-Key': keys.beta } });
    assert.equal(get.status, 200);
    assert.deepEqual(answered, [429, 429], 'the two admitted tricklers are still in flight');
    // The GET's client may have its body before the 226 ends the download.
    await eventually(
      async () => (await r.request('GET', '/api/v1/transfers', { headers: { 'X-API-Key': keys.beta } })).json<unknown[]>().length === 2,
    );
    for (const t of tricklers) t.socket.destroy();
    await eventually(() => leftovers('capped/').filter((n) => n !== 'capped/beta.bin').length === 0);
    assert.deepEqual(r.scan.leaks, []);
  });

  test('four trickling PUTs holding the whole pool, bodyIdleMs only: they get 408, nothing kept, and a fifth caller is served before its acquire timeout', {
    timeout: CASE_MS,
  }, async () => {
    const r = await rig({ bodyIdleMs: 400 }, { config: keyed, secrets: [keys.alpha, keys.beta] });
    const tricklers = [0, 1, 2, 3].map((i) => rawClient(r.port, putHead(`${API}/files/held/${i}.bin`, 1000, keys.alpha)));
    for (const t of tricklers) stops.push(trickle(t.socket, 100));
    // Every pooled session is taken by a trickler.
    await eventually(() => r.proxy.openControls === 4);
    const started = Date.now();
    const fifth = await r.request('GET', `${API}/files/small.bin`, { headers: { 'X-API-Key': keys.beta } });
    assert.equal(fifth.status, 200);
    assert.ok(fifth.body.equals(small));
    assert.ok(Date.now() - started < 4_000, 'served before the pool gave up on it');
    assert.deepEqual(await Promise.all(tricklers.map((t) => t.status)), [408, 408, 408, 408]);
    await eventually(() => leftovers('held/').filter((n) => n !== 'held').length === 0);
    for (const t of tricklers) t.socket.destroy();
  });

  for (const relay of [true, false]) {
    test(`a download the client does not read (${relay ? 'kernel relay' : 'stream path'}) is cut after the window and logged; the only pooled session serves the next GET`, {
      timeout: CASE_MS,
    }, async () => {
      const scan = new RecordingScan([ftp.password]);
      const r = await rig(
        { sendIdleMs: 400 },
        { scan, server: { kernelRelay: relay, pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 4_000 } } },
      );
      const mark = events.length;
      const c = rawClient(r.port, getHead(`${API}/files/big.bin`), { read: false });
      assert.equal(await c.status, 200);
      // Not small.bin: an earlier case's GET of it may publish its event late (its 226 after the body).
      const cut = (): FtpTransferEvent | undefined =>
        events.slice(mark).find((e) => e.direction === 'download' && e.bytes !== small.length);
      await eventually(() => cut() !== undefined);
      assert.equal(cut()?.ok, false);
      assert.equal(cut()?.kernelRelay, relay);
      assert.ok((cut()?.bytes ?? 0) < big.length);
      const warn = cutLine(scan);
      assert.equal(warn?.level, 40);
      assert.equal(warn?.server, 'default');
      assert.equal(warn?.path, 'big.bin');
      assert.equal(typeof warn?.bytes, 'number');
      const next = await r.request('GET', `${API}/files/small.bin`);
      assert.equal(next.status, 200);
      assert.equal(sha256(next.body), sha256(small));
      assert.deepEqual(scan.leaks, []);
      c.socket.destroy();
    });
  }

  test('a listing the client does not read is cut the same way and logged', { timeout: CASE_MS }, async () => {
    // About 6 MB of JSON: more than the socket buffers take from a client that reads nothing.
    const dir = join(ftp.root, 'many');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 20_000; i++) writeFileSync(join(dir, `${String(i).padStart(6, '0')}-${'n'.repeat(200)}`), '');
    chownTree(ftp.root);
    const scan = new RecordingScan([ftp.password]);
    const r = await rig({ sendIdleMs: 400 }, { scan });
    const c = rawClient(r.port, getHead(`${API}/dirs/many`), { read: false });
    try {
      assert.equal(await c.status, 200);
      await eventually(() => cutLine(scan) !== undefined);
      assert.equal(cutLine(scan)?.path, 'many');
    } finally {
      c.socket.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('maxTransfersPerKey 1: the key that holds a transfer gets 429 with Retry-After, another key is served, and the slot comes back', {
    timeout: CASE_MS,
  }, async () => {
    const r = await rig({ maxTransfersPerKey: 1 }, { config: keyed, secrets: [keys.alpha, keys.beta] });
    const holder = rawClient(r.port, putHead(`${API}/files/hold.bin`, 1000, keys.alpha));
    stops.push(trickle(holder.socket, 100));
    await eventually(
      async () => (await r.request('GET', '/api/v1/transfers', { headers: { 'X-API-Key': keys.beta } })).json<unknown[]>().length === 1,
    );
    const refused = await r.request('GET', `${API}/dirs/`, { headers: { 'X-API-Key': keys.alpha } });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    assert.equal(refused.json<{ code: string }>().code, 'TOO_MANY_TRANSFERS');
    const other = await r.request('GET', `${API}/files/small.bin`, { headers: { 'X-API-Key': keys.beta } });
    assert.equal(other.status, 200);
    holder.socket.destroy();
    await eventually(
      async () => (await r.request('GET', `${API}/files/small.bin`, { headers: { 'X-API-Key': keys.alpha } })).status === 200,
    );
  });
});
