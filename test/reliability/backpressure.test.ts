// A slow HTTP reader on a large download: the gateway (its own process, so
// its RSS is its own) must pass the reader's pace back to the FTP side
// rather than buffer the file. Measured two ways: the gateway's RSS stays
// flat while vsftpd could push 512 MiB at once, and the bytes that left the
// server (counted by the proxy on the data connection) never run far ahead
// of what the reader took.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, closeSync, createReadStream, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { FaultProxy } from '../helpers/faultProxy.js';
import { serverSkip } from '../helpers/requireServers.js';
import type { RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import { GatewayProcess } from '../helpers/gatewayProcess.js';
import { API } from './harness.js';
import { recordFigures, SecretScan } from './summary.js';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const SLOW_BYTES_PER_TICK = MiB; // every 100 ms: about 10 MiB/s
const SLOW_TICKS = 60;

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('a slow reader on a 512 MiB download', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let proxy: FaultProxy;
  let gateway: GatewayProcess;
  let scan: SecretScan;
  const tally = { scenarios: 0, survived: 0, bytesLost: 0 };

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    // Sparse, with random blocks spread through it so the hash checks every part.
    const path = join(ftp.root, 'large.bin');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, SIZE);
    for (let i = 0; i < 32; i++) writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, Math.floor((i * SIZE) / 32) + i * 4096);
    closeSync(fd);
    const { uid, gid } = statSync(ftp.root);
    chownSync(path, uid, gid);
    proxy = await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port });
    scan = new SecretScan([ftp.password]);
    gateway = await GatewayProcess.start({
      scan,
      env: { FTP_URL: `ftp://${ftp.user}:${encodeURIComponent(ftp.password)}@127.0.0.1:${proxy.port}/?mode=passive`, LOG_LEVEL: 'debug' },
    });
  });

  after(async () => {
    await gateway?.stop();
    await proxy?.close();
    await ftp?.stop();
    recordFigures('backpressure', { faults: tally, secrets: scan?.figures() ?? { bytesScanned: 0, leaks: [] } });
  });

  test('gateway RSS stays flat and the FTP side is paused, then every byte arrives', async () => {
    tally.scenarios++;
    // Warm up: the download route's code is loaded and JIT-compiled before the baseline.
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: gateway.port, path: `${API}/dirs/`, agent: false }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
    }
    const baseline = gateway.rss();
    const expected = await fileHash(join(ftp.root, 'large.bin'));

    const hash = createHash('sha256');
    let received = 0;
    let peakRss = baseline;
    let peakAhead = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port: gateway.port, path: `${API}/files/large.bin`, agent: false }, resolve).on('error', reject),
    );
    assert.equal(res.statusCode, 200);
    assert.equal(Number(res.headers['content-length']), SIZE);
    // The reader takes a budget of bytes per tick, then pauses until the next tick.
    let budget = 0;
    let fast = false;
    const done = new Promise<void>((resolve, reject) => {
      res.on('end', resolve);
      res.on('error', reject);
    });
    res.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      budget -= chunk.length;
      if (!fast && budget <= 0) res.pause();
    });
    res.pause();
    // The slow phase: about 10 MiB/s for 6 s, against a server that can send 1 GB/s.
    for (let tick = 0; tick < SLOW_TICKS; tick++) {
      await new Promise((r) => setTimeout(r, 100));
      budget += SLOW_BYTES_PER_TICK;
      res.resume();
      peakRss = Math.max(peakRss, gateway.rss());
      peakAhead = Math.max(peakAhead, proxy.dataBytesFromServer - received);
    }
    const slowReceived = received;
    // Then read the rest at full speed.
    fast = true;
    res.resume();
    await done;

    assert.ok(slowReceived < 100 * MiB, `the reader really was slow: ${slowReceived}`);
    assert.ok(slowReceived > 10 * MiB, `the reader did read during the slow phase: ${slowReceived}`);
    assert.ok(peakAhead < 32 * MiB, `the server ran ${(peakAhead / MiB).toFixed(1)} MiB ahead of the reader: buffered, not paused`);
    assert.ok(peakRss - baseline < 64 * MiB, `gateway RSS grew by ${((peakRss - baseline) / MiB).toFixed(1)} MiB`);
    assert.equal(received, SIZE);
    const intact = hash.digest('hex') === expected;
    assert.ok(intact, 'byte-identical');
    tally.survived++;
    console.log(
      `backpressure: ${(slowReceived / MiB).toFixed(0)} MiB read slowly; server at most ${(peakAhead / MiB).toFixed(1)} MiB ahead; ` +
        `gateway RSS ${(baseline / MiB).toFixed(0)} → peak ${(peakRss / MiB).toFixed(0)} MiB`,
    );
  });

  test('no password in the gateway output', () => {
    assert.ok(scan.bytesScanned > 0);
    assert.deepEqual(scan.leaks, []);
  });
});
