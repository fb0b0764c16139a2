// The session pool with the real client against vsftpd: capacity signals,
// restarts, server idle timeouts, and how many logins a stream of requests
// costs the server.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { connectFtp, FtpPool, type FtpPoolOptions } from '../../../../src/ftp/index.js';
import { startFtpServer, type RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { serverSkip } from '../../../helpers/requireServers.js';

const sink = (delayMs = 0): Writable =>
  new Writable({
    write(_c, _e, cb) {
      if (delayMs) setTimeout(cb, delayMs);
      else cb();
    },
  });

describe('FtpPool with FtpClient on vsftpd', serverSkip('vsftpd'), () => {
  let server: RunningFtpServer | undefined;
  let pool: FtpPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await server?.stop();
    pool = undefined;
    server = undefined;
  });

  function poolFor(s: RunningFtpServer, options: Partial<FtpPoolOptions> = {}): FtpPool {
    return new FtpPool({
      name: 'test',
      max: 4,
      acquireTimeoutMs: 10_000,
      create: (signal) => connectFtp({ host: s.host, port: s.port, user: s.user, password: s.password, signal }),
      ...options,
    });
  }

  async function logins(s: RunningFtpServer): Promise<number> {
    return (await s.commandLog()).filter((l) => l.startsWith('USER ')).length;
  }

  test('1,000 sequential requests log in no more than once per pooled session', async () => {
    server = await borrowFtpServer('vsftpd');
    writeFileSync(join(server.root, 'small.bin'), randomBytes(1024));
    pool = poolFor(server, { max: 4 });
    const before = await logins(server);
    for (let i = 0; i < 1000; i++) await pool.use((s) => s.download('/small.bin', sink()));
    const used = (await logins(server)) - before;
    assert.ok(used >= 1 && used <= 4, `logins: ${used}`);
  });

  test('421 too many users is a capacity signal: requests wait and all succeed', async () => {
    server = await startFtpServer('vsftpd', { maxClients: 2 });
    writeFileSync(join(server.root, 'f.bin'), randomBytes(256 * 1024));
    pool = poolFor(server, { max: 6, capacityCooldownMs: 60_000 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        pool!.use(async (s) => {
          await s.download('/f.bin', sink(5));
          return 'ok';
        }),
      ),
    );
    assert.deepEqual(results, Array(8).fill('ok'));
    // The limit is what was open when the server refused (1 or 2, depending on
    // how the concurrent logins interleaved), never more than the server allows.
    const stats = pool.stats();
    assert.ok(stats.effectiveMax >= 1 && stats.effectiveMax <= 2, `effectiveMax ${stats.effectiveMax}`);
    assert.ok(stats.size <= 2, `size ${stats.size}`);
  });

  test('sessions idle in the pool across a server restart are replaced transparently', async () => {
    server = await borrowFtpServer('vsftpd');
    writeFileSync(join(server.root, 'f.txt'), 'before');
    pool = poolFor(server, { max: 2, validateAfterIdleMs: 60_000 });
    const leases = await Promise.all([pool.acquire(), pool.acquire()]);
    for (const lease of leases) lease.release();
    assert.equal(pool.stats().idle, 2);
    await server.restart();
    writeFileSync(join(server.root, 'f.txt'), 'after');
    const chunks: Buffer[] = [];
    await pool.use((s) =>
      s.download(
        '/f.txt',
        new Writable({
          write(c, _e, cb) {
            chunks.push(c);
            cb();
          },
        }),
      ),
    );
    assert.equal(Buffer.concat(chunks).toString(), 'after');
  });

  test('a session the server timed out (421) is replaced transparently', async () => {
    // 2 s, not 1: vsftpd's alarm() granularity can end a fresh session too on a loaded machine.
    server = await startFtpServer('vsftpd', { idleTimeoutSec: 2 });
    pool = poolFor(server, { max: 1, validateAfterIdleMs: 60_000 });
    await pool.use((s) => s.noop());
    await sleep(3_500); // vsftpd: "421 Timeout." and close
    const entries = await pool.use((s) => s.list('/'));
    assert.ok(Array.isArray(entries));
  });

  test('an exhausted pool fails the waiter with a typed timeout, not a hang', async () => {
    server = await borrowFtpServer('vsftpd');
    // The budget also bounds the first acquire's login: 300 ms was too short for vsftpd on a loaded machine.
    pool = poolFor(server, { max: 1, acquireTimeoutMs: 2000 });
    const lease = await pool.acquire();
    try {
      await assert.rejects(pool.acquire(), (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'FTP_POOL_TIMEOUT');
        assert.equal((err as { category?: string }).category, 'unavailable');
        return true;
      });
    } finally {
      lease.release();
    }
  });
});
