// Faults between the gateway and a real vsftpd, injected by the fault proxy:
// cuts, stalls, refusals, restarts, idle timeouts, an exhausted pool, and
// HTTP clients that go away. Each scenario counts the bytes a caller could
// have lost without noticing (a cut body taken as complete, a target left
// changed by a failed upload); the total must be 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { serverSkip } from '../helpers/requireServers.js';
import type { RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import { eventually, sha256 } from '../helpers/httpHarness.js';
import {
  API,
  outcomeOf,
  paced,
  putOnDisk,
  randomContent,
  startRig,
  temporaries,
  type Outcome,
  type Rig,
  type RigOptions,
} from './harness.js';
import { recordFigures, SecretScan } from './summary.js';

const MiB = 1024 * 1024;
const tally = { scenarios: 0, survived: 0, bytesLost: 0 };

/** A scenario is a test that also counts as survived (or not) and reports bytes lost. */
function scenario(name: string, fn: () => Promise<number>): void {
  test(name, async () => {
    tally.scenarios++;
    const lost = await fn();
    tally.bytesLost += lost;
    assert.equal(lost, 0, 'bytes lost');
    tally.survived++;
  });
}

/** Bytes of a download the client took as complete though they were not all there. */
function silentlyLost(outcome: Outcome, expected: number): number {
  if ('error' in outcome) return 0;
  return outcome.status === 200 ? Math.max(0, expected - outcome.body.length) : 0;
}

/** Bytes of the target on disk that differ from what it must hold (absent = null). */
function targetDamage(ftp: RunningFtpServer, relative: string, expected: Buffer | null): number {
  const path = join(ftp.root, relative);
  if (expected === null) return existsSync(path) ? readFileSync(path).length : 0;
  if (!existsSync(path)) return expected.length;
  const actual = readFileSync(path);
  return actual.equals(expected) ? 0 : Math.max(actual.length, expected.length);
}

/** An HTTP GET on a raw socket that reads `until` bytes and then stops reading (or disconnects). */
async function rawDownload(port: number, path: string, until: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let received = 0;
  await new Promise<void>((resolve) => {
    const onData = (c: Buffer): void => {
      received += c.length;
      if (received >= until) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return socket;
}

async function transfersInFlight(rig: Rig): Promise<number> {
  return (await rig.request('GET', '/api/v1/transfers')).json<unknown[]>().length;
}

describe('faults between the gateway and vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let scan: SecretScan;
  const big = randomContent(8 * MiB);
  const rigs: Rig[] = [];
  const rig = async (options: RigOptions = {}): Promise<Rig> => {
    const r = await startRig({
      reuse: ftp,
      scan,
      ...options,
      server: { pool: { max: 2, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 }, ...options.server },
    });
    rigs.push(r);
    return r;
  };

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    scan = new SecretScan([ftp.password]);
    await putOnDisk(ftp, 'big.bin', big);
    await putOnDisk(ftp, 'huge.bin', Buffer.alloc(64 * MiB, 7));
    const text = Array.from({ length: 60_000 }, (_, i) => `line ${i} of the text file, with some words\n`).join('');
    await putOnDisk(ftp, 'text.txt', text);
  });

  after(async () => {
    for (const r of rigs) await r.close().catch(() => undefined);
    await ftp?.stop();
    recordFigures('faults', { faults: { ...tally }, secrets: scan?.figures() ?? { bytesScanned: 0, leaks: [] } });
  });

  scenario('data connection cut mid-download (binary, even a clean early close): the body is cut, the next request succeeds', async () => {
    const r = await rig();
    // A clean FIN: the server may even answer 226; Content-Length still tells the client.
    r.proxy.cutNextDataAfter(1 * MiB, 'close');
    const cut = await outcomeOf(r.port, 'GET', `${API}/files/big.bin?mode=passive`);
    assert.ok('error' in cut, `a cut download must not end cleanly: ${JSON.stringify('status' in cut ? cut.status : cut)}`);
    const next = await r.request('GET', `${API}/files/big.bin?mode=passive`);
    assert.equal(next.status, 200);
    assert.equal(sha256(next.body), sha256(big));
    return silentlyLost(cut, big.length);
  });

  scenario('data connection reset mid-download (ASCII, chunked): the body is cut, never ended as complete', async () => {
    const r = await rig();
    r.proxy.cutNextDataAfter(512 * 1024, 'reset');
    const cut = await outcomeOf(r.port, 'GET', `${API}/files/text.txt?mode=passive&type=ascii`);
    assert.ok('error' in cut, 'a cut ASCII download must miss its last chunk');
    const next = await r.request('GET', `${API}/files/text.txt?mode=passive&type=ascii`);
    assert.equal(next.status, 200);
    assert.equal(next.body.length, readFileSync(join(ftp.root, 'text.txt')).length);
    return silentlyLost(cut, next.body.length);
  });

  // In stream mode a data connection that ends with a clean FIN is the end of
  // the file, and vsftpd, whose bytes were all in the socket buffers already,
  // answers 226. Binary clients see the short body against Content-Length; for
  // ASCII (no length) the gateway compares the wire bytes with SIZE (TYPE I).
  scenario('data connection closed early mid-download (ASCII, clean FIN, server says 226): the body is cut', async () => {
    const r = await rig();
    r.proxy.cutNextDataAfter(512 * 1024, 'close');
    const cut = await outcomeOf(r.port, 'GET', `${API}/files/text.txt?mode=passive&type=ascii`);
    assert.ok('error' in cut, 'a short ASCII download must miss its last chunk');
    const next = await r.request('GET', `${API}/files/text.txt?mode=passive&type=ascii`);
    assert.equal(next.status, 200);
    return silentlyLost(cut, next.body.length);
  });

  scenario('whole server connection cut mid-download: body cut, session destroyed, next request on a new session', async () => {
    const r = await rig();
    const socket = await rawDownload(r.port, `${API}/files/huge.bin?mode=passive`, 1 * MiB);
    const controlsBefore = r.proxy.totalControls;
    const received = new Promise<number>((resolve) => {
      let bytes = MiB;
      socket.on('data', (c: Buffer) => (bytes += c.length));
      socket.on('close', () => resolve(bytes));
    });
    socket.resume();
    r.proxy.cutAll();
    // The connection ends before the 64 MiB of Content-Length arrived: the client knows it is cut.
    const bytes = await received;
    assert.ok(bytes < 64 * MiB, `cut short: ${bytes}`);
    await eventually(() => r.proxy.openControls === 0);
    const next = await r.request('GET', `${API}/files/big.bin?mode=passive`);
    assert.equal(next.status, 200);
    assert.equal(sha256(next.body), sha256(big));
    assert.ok(r.proxy.totalControls > controlsBefore, 'a new control connection replaced the cut one');
    return 0;
  });

  scenario('data connection cut mid-upload onto an existing file: error status, old content kept, temp removed', async () => {
    const r = await rig();
    const old = randomContent(MiB);
    await putOnDisk(ftp, 'keep/target.bin', old);
    r.proxy.cutNextDataAfter(2 * MiB);
    const out = await outcomeOf(r.port, 'PUT', `${API}/files/keep/target.bin?mode=passive`, big);
    assert.ok('status' in out && out.status >= 500, `an error status: ${JSON.stringify('status' in out ? out.status : out)}`);
    await eventually(() => temporaries(ftp.root).length === 0);
    const next = await r.request('GET', `${API}/files/keep/target.bin?mode=passive`);
    assert.equal(sha256(next.body), sha256(old));
    return targetDamage(ftp, 'keep/target.bin', old);
  });

  scenario(
    'whole server connection cut mid-upload to a new file: error status, target absent, temp removed on a fresh session',
    async () => {
      const r = await rig();
      const stop = new AbortController();
      const pending = outcomeOf(r.port, 'PUT', `${API}/files/fresh/absent.bin?mode=passive`, paced(big, 256 * 1024, 20, stop.signal));
      await eventually(() => r.proxy.dataBytesToServer >= MiB);
      r.proxy.cutAll();
      const out = await pending;
      stop.abort();
      assert.ok('status' in out && out.status >= 500, `an error status: ${JSON.stringify('status' in out ? out.status : out)}`);
      await eventually(() => temporaries(ftp.root).length === 0, 10_000);
      return targetDamage(ftp, 'fresh/absent.bin', null);
    },
  );

  scenario('server restarted while sessions sit idle in the pool: the first request after it succeeds', async () => {
    const r = await rig({ server: { pool: { max: 4, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } } });
    const warm = await Promise.all([1, 2, 3, 4].map(() => r.request('GET', `${API}/files/big.bin`)));
    assert.deepEqual(
      warm.map((w) => w.status),
      [200, 200, 200, 200],
    );
    assert.ok(r.proxy.openControls >= 2, 'several sessions idle in the pool');
    await ftp.restart();
    // The old sessions really are gone: the server closed every one of them.
    await eventually(() => r.proxy.openControls === 0, 10_000);
    const first = await r.request('GET', `${API}/files/big.bin`);
    assert.equal(first.status, 200);
    assert.equal(sha256(first.body), sha256(big));
    const put = await r.request('PUT', `${API}/files/after-restart.bin`, { body: big });
    assert.equal(put.status, 201);
    return targetDamage(ftp, 'after-restart.bin', big);
  });

  scenario('server closes idle sessions on its own timeout (421): transparent', async () => {
    const own = await borrowFtpServer('vsftpd', { idleTimeoutSec: 1 });
    try {
      await putOnDisk(own, 'big.bin', big);
      const r = await rig({ reuse: own, server: { pool: { max: 2, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } } });
      const both = await Promise.all([r.request('GET', `${API}/files/big.bin`), r.request('GET', `${API}/dirs/`)]);
      assert.deepEqual(
        both.map((b) => b.status),
        [200, 200],
      );
      const opened = r.proxy.totalControls;
      // vsftpd: "421 Timeout." and the control connection closes.
      await eventually(() => r.proxy.openControls === 0, 15_000);
      const again = await Promise.all([r.request('GET', `${API}/files/big.bin`), r.request('GET', `${API}/dirs/`)]);
      assert.deepEqual(
        again.map((b) => b.status),
        [200, 200],
      );
      assert.equal(sha256(again[0]!.body), sha256(big));
      assert.ok(r.proxy.totalControls > opened);
      await r.close();
      rigs.splice(rigs.indexOf(r), 1);
    } finally {
      await own.stop();
    }
    return 0;
  });

  scenario('server stops answering: 504 in time, the stuck session is destroyed and does not block the pool', async () => {
    const r = await rig({
      server: {
        pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 },
        timeouts: { connectMs: 1_000, commandMs: 1_000, dataMs: 5_000 },
      },
    });
    assert.equal((await r.request('GET', `${API}/dirs/`)).status, 200);
    const before = r.proxy.totalControls;
    r.proxy.stallControl(true);
    const stuck = await r.request('GET', `${API}/files/big.bin`);
    assert.equal(stuck.status, 504, stuck.text());
    r.proxy.stallControl(false);
    // The stuck control connection was closed by the gateway.
    await eventually(() => r.proxy.openControls === 0);
    const next = await r.request('GET', `${API}/files/big.bin`);
    assert.equal(next.status, 200);
    assert.equal(sha256(next.body), sha256(big));
    assert.ok(r.proxy.totalControls > before, 'a fresh session took over');
    return 0;
  });

  scenario('passive data port unreachable: passive mode → 502, auto falls back to active and succeeds', async () => {
    const r = await rig({ server: { mode: 'auto' } });
    r.proxy.refusePassiveData(true);
    try {
      const passive = await r.request('GET', `${API}/files/big.bin?mode=passive`);
      assert.equal(passive.status, 502, passive.text());
      const auto = await r.request('GET', `${API}/files/big.bin`);
      assert.equal(auto.status, 200);
      assert.equal(sha256(auto.body), sha256(big));
      assert.ok(
        r.proxy.commands.some((c) => /^(EPRT|PORT) /.test(c)),
        'fell back to active mode',
      );
      const put = await r.request('PUT', `${API}/files/auto/up.bin`, { body: big });
      assert.equal(put.status, 201);
      return targetDamage(ftp, 'auto/up.bin', big);
    } finally {
      r.proxy.refusePassiveData(false);
    }
  });

  scenario('pool exhausted: requests wait up to the acquire timeout, then 503 with Retry-After; then served again', async () => {
    const r = await rig({ server: { pool: { max: 2, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 800 } } });
    // Two readers that stop reading hold both sessions (backpressure keeps the transfers open).
    const holders = await Promise.all([1, 2].map(() => rawDownload(r.port, `${API}/files/huge.bin?mode=passive`, 64 * 1024)));
    await eventually(async () => (await transfersInFlight(r)) === 2);
    const waited = await r.request('GET', `${API}/files/big.bin`);
    assert.equal(waited.status, 503, waited.text());
    assert.equal(waited.json<{ code: string }>().code, 'FTP_POOL_TIMEOUT');
    assert.ok(Number(waited.headers['retry-after']) > 0, 'Retry-After');
    for (const h of holders) h.destroy();
    await eventually(async () => (await transfersInFlight(r)) === 0);
    const served = await r.request('GET', `${API}/files/big.bin`);
    assert.equal(served.status, 200);
    assert.equal(sha256(served.body), sha256(big));
    assert.ok(r.proxy.peakControls <= 2, `never more than the pool max on the server: ${r.proxy.peakControls}`);
    return 0;
  });

  scenario('HTTP client disconnects mid-download: ABOR or session destroyed, next request succeeds', async () => {
    const r = await rig({ server: { pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } } });
    const socket = await rawDownload(r.port, `${API}/files/huge.bin?mode=passive`, MiB);
    const controlsBefore = r.proxy.totalControls;
    socket.destroy();
    await eventually(async () => (await transfersInFlight(r)) === 0);
    await eventually(() => r.proxy.commands.includes('ABOR') || r.proxy.openControls === 0);
    const next = await r.request('GET', `${API}/files/big.bin?mode=passive`);
    assert.equal(next.status, 200);
    assert.equal(sha256(next.body), sha256(big));
    assert.ok(r.proxy.commands.includes('ABOR') || r.proxy.totalControls > controlsBefore);
    return 0;
  });

  scenario('HTTP client disconnects mid-upload: nothing half-written at the target, temp removed, next upload succeeds', async () => {
    const r = await rig({ server: { pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } } });
    const old = randomContent(300_000);
    await putOnDisk(ftp, 'gone/target.bin', old);
    const socket = net.connect(r.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`PUT ${API}/files/gone/target.bin?mode=passive HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n`);
    socket.write(big.subarray(0, 3 * MiB));
    await eventually(() => r.proxy.dataBytesToServer >= MiB);
    socket.destroy();
    await eventually(async () => (await transfersInFlight(r)) === 0);
    await eventually(() => temporaries(ftp.root).length === 0);
    const damage = targetDamage(ftp, 'gone/target.bin', old);
    const next = await r.request('PUT', `${API}/files/gone/target.bin?mode=passive`, { body: big });
    assert.equal(next.status, 201);
    return damage + targetDamage(ftp, 'gone/target.bin', big);
  });

  test('no password in any log line, response or metric of these scenarios', async () => {
    const r = await rig();
    scan.add(await r.metrics());
    assert.ok(scan.bytesScanned > 10_000, 'logs and bodies were captured');
    assert.deepEqual(scan.leaks, []);
  });
});
