// Behaviour of the FTP client beyond the transfer matrix: FTPS, mode
// fallback and memory, refusal of unsafe arguments, timeouts, aborts,
// encodings. Real servers wherever they can show it; the scripted peer only
// for faults they cannot be made to produce.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { connectFtp, createModeMemory, FtpError, type FtpConnectOptions } from '../../../src/ftp/index.js';
import { ActiveListener } from '../../../src/ftp/data/active.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { startScriptedServer } from '../../helpers/scriptedFtpServer.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function collector(delayMs = 0): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      if (delayMs > 0) setTimeout(cb, delayMs);
      else cb();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

function isFtpError(code: string, category?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof FtpError, `expected FtpError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (category) assert.equal(err.category, category);
    return true;
  };
}

function loginOf(server: RunningFtpServer): FtpConnectOptions {
  return { host: server.host, port: server.port, user: server.user, password: server.password };
}

describe('FTPS on vsftpd', serverSkip('vsftpd'), () => {
  let explicit: RunningFtpServer;
  let implicit: RunningFtpServer;
  before(async () => {
    explicit = await borrowFtpServer('vsftpd', { tls: 'explicit-required' });
    implicit = await borrowFtpServer('vsftpd', { tls: 'implicit' });
  });
  after(async () => {
    await explicit?.stop();
    await implicit?.stop();
  });

  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`explicit AUTH TLS (${maxVersion}): 25 uploads in a row arrive whole, session reuse satisfied`, async () => {
      const client = await connectFtp({ ...loginOf(explicit), tls: { mode: 'explicit', ca: explicit.caPem!, maxVersion } });
      try {
        for (let i = 0; i < 25; i++) {
          const data = randomBytes(200_000 + i * 1000);
          const mode = i % 2 === 0 ? 'passive' : 'active';
          await client.upload(`/tls-${maxVersion}-${i}.bin`, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { mode });
          assert.equal(sha256(readFileSync(join(explicit.root, `tls-${maxVersion}-${i}.bin`))), sha256(data), `upload ${i} (${mode})`);
        }
        const down = collector();
        await client.download(`/tls-${maxVersion}-3.bin`, down.sink);
        assert.equal(down.bytes().length, 203_000);
        assert.equal((await client.list('/')).filter((e) => e.name.startsWith(`tls-${maxVersion}-`)).length, 25);
      } finally {
        await client.quit();
      }
    });
  }

  test('implicit TLS: transfers in both modes', async () => {
    const client = await connectFtp({ ...loginOf(implicit), tls: { mode: 'implicit', ca: implicit.caPem! } });
    try {
      const data = randomBytes(500_000);
      for (const mode of ['passive', 'active'] as const) {
        await client.upload(`/implicit-${mode}.bin`, Readable.from([data]), { mode });
        const down = collector();
        await client.download(`/implicit-${mode}.bin`, down.sink, { mode });
        assert.equal(sha256(down.bytes()), sha256(data));
      }
    } finally {
      await client.quit();
    }
  });

  test('a certificate that does not verify is refused unless explicitly allowed', async () => {
    await assert.rejects(connectFtp({ ...loginOf(explicit), tls: { mode: 'explicit' } }), isFtpError('FTP_TLS', 'protocol'));
    const client = await connectFtp({ ...loginOf(explicit), tls: { mode: 'explicit', rejectUnauthorized: false } });
    await client.noop();
    await client.quit();
  });
});

describe('data mode fallback and memory on vsftpd', serverSkip('vsftpd'), () => {
  let passiveOnly: RunningFtpServer;
  let activeOnly: RunningFtpServer;
  before(async () => {
    passiveOnly = await borrowFtpServer('vsftpd', { dataModes: 'passive-only' });
    activeOnly = await borrowFtpServer('vsftpd', { dataModes: 'active-only' });
    writeFileSync(join(passiveOnly.root, 'f.bin'), randomBytes(100_000));
    writeFileSync(join(activeOnly.root, 'f.bin'), randomBytes(100_000));
  });
  after(async () => {
    await passiveOnly?.stop();
    await activeOnly?.stop();
  });

  test('passive-only server: auto works, explicit active gets the server refusal', async () => {
    const memory = createModeMemory();
    const client = await connectFtp({ ...loginOf(passiveOnly), modeMemory: memory });
    try {
      const down = collector();
      const result = await client.download('/f.bin', down.sink, { mode: 'auto' });
      assert.equal(down.bytes().length, 100_000);
      assert.ok(['EPSV', 'PASV'].includes(result.method));
      await assert.rejects(client.download('/f.bin', collector().sink, { mode: 'active' }), (err: unknown) => {
        // vsftpd 3.0.3 with port_enable=NO: "550 Permission denied." to EPRT and PORT.
        // A refused data method is a data-connection failure, never a file permission problem.
        assert.ok(err instanceof FtpError);
        assert.ok(err.ftpCode === 500 || err.ftpCode === 550, String(err.ftpCode));
        assert.equal(err.category, 'protocol');
        return true;
      });
      await client.upload('/up.bin', Readable.from([Buffer.alloc(10, 1)]), { mode: 'auto' });
      assert.equal(readFileSync(join(passiveOnly.root, 'up.bin')).length, 10);
    } finally {
      await client.quit();
    }
  });

  test('active-only server: auto falls back to active, remembers it, and the next session starts there', async () => {
    const memory = createModeMemory();
    const first = await connectFtp({ ...loginOf(activeOnly), modeMemory: memory });
    const down = collector();
    const result = await first.download('/f.bin', down.sink, { mode: 'auto' });
    await first.quit();
    assert.equal(down.bytes().length, 100_000);
    assert.ok(['EPRT', 'PORT'].includes(result.method));
    assert.equal(memory.get(), result.method);

    const before = (await activeOnly.commandLog()).length;
    const second = await connectFtp({ ...loginOf(activeOnly), modeMemory: memory });
    await second.upload('/up.bin', Readable.from([Buffer.alloc(10, 2)]), { mode: 'auto' });
    await second.quit();
    const log = (await activeOnly.commandLog()).slice(before);
    if (log.length > 0) {
      const dataCommands = log.filter((l) => /^(EPSV|PASV|EPRT|PORT)\b/.test(l));
      assert.deepEqual(
        dataCommands.map((l) => l.split(' ')[0]),
        [result.method],
      );
    }
    assert.equal(readFileSync(join(activeOnly.root, 'up.bin')).length, 10);
  });

  test('an explicit mode never changes what auto remembers', async () => {
    const memory = createModeMemory('EPSV');
    const client = await connectFtp({ ...loginOf(passiveOnly), modeMemory: memory });
    try {
      await client.download('/f.bin', collector().sink, { mode: 'passive' });
      assert.equal(memory.get(), 'EPSV');
    } finally {
      await client.quit();
    }
  });
});

describe('safety, timeouts and aborts on vsftpd', serverSkip('vsftpd'), () => {
  let server: RunningFtpServer;
  const big = randomBytes(8 * 1024 * 1024);
  before(async () => {
    server = await borrowFtpServer('vsftpd');
    writeFileSync(join(server.root, 'keep.txt'), 'keep');
    writeFileSync(join(server.root, 'big.bin'), big);
  });
  after(async () => {
    await server?.stop();
  });

  test('CR, LF and NUL in an argument are refused before anything is written', async () => {
    const client = await connectFtp(loginOf(server));
    try {
      const logBefore = (await server.commandLog()).length;
      for (const bad of ['/x\r\nDELE /keep.txt', '/x\nDELE /keep.txt', '/x\0y', '/x\rDELE /keep.txt']) {
        await assert.rejects(client.delete(bad), isFtpError('FTP_BAD_ARGUMENT', 'bad-input'));
        await assert.rejects(client.rename('/keep.txt', bad), isFtpError('FTP_BAD_ARGUMENT', 'bad-input'));
      }
      assert.equal(client.usable, true);
      await client.noop();
      assert.ok(existsSync(join(server.root, 'keep.txt')));
      const log = (await server.commandLog()).slice(logBefore);
      assert.equal(log.filter((l) => l.startsWith('DELE')).length, 0);
      // RNFR comes first and is safe; the refused RNTO argument must never follow it.
      assert.equal(log.filter((l) => l.startsWith('RNTO')).length, 0);
    } finally {
      await client.quit();
    }
  });

  test('wrong password is a typed auth error', async () => {
    await assert.rejects(connectFtp({ ...loginOf(server), password: 'wrong' }), (err: unknown) => {
      assert.ok(err instanceof FtpError);
      assert.equal(err.category, 'auth');
      assert.equal(err.ftpCode, 530);
      return true;
    });
  });

  test('a transfer longer than the command timeout still gets its final reply', async () => {
    const client = await connectFtp({ ...loginOf(server), timeouts: { commandMs: 300, dataMs: 5_000 } });
    try {
      const slow = collector(15); // 8 MiB through 16 KiB writes of 15 ms each: seconds, far past commandMs
      await client.download('/big.bin', slow.sink);
      assert.equal(sha256(slow.bytes()), sha256(big));
      await client.noop();
    } finally {
      await client.quit();
    }
  });

  test('aborting a download mid-stream leaves a clean, reusable session', async () => {
    const client = await connectFtp(loginOf(server));
    try {
      const controller = new AbortController();
      let seen = 0;
      const sink = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _e, cb) {
          seen += chunk.length;
          if (seen > 256 * 1024) controller.abort();
          setTimeout(cb, 2);
        },
      });
      await assert.rejects(client.download('/big.bin', sink, { signal: controller.signal }), isFtpError('FTP_ABORTED', 'aborted'));
      assert.ok(seen < big.length);
      assert.equal(client.usable, true);
      await client.noop();
      const again = collector();
      await client.download('/keep.txt', again.sink);
      assert.equal(again.bytes().toString(), 'keep');
    } finally {
      await client.quit();
    }
  });

  test('aborting an upload mid-stream is an error, never a success, and the session stays usable', async () => {
    const client = await connectFtp(loginOf(server));
    try {
      const controller = new AbortController();
      const body = new PassThrough();
      body.write(randomBytes(100_000));
      setTimeout(() => controller.abort(), 200);
      await assert.rejects(client.upload('/partial.bin', body, { signal: controller.signal }), isFtpError('FTP_ABORTED', 'aborted'));
      assert.equal(client.usable, true);
      await client.noop();
    } finally {
      await client.quit();
    }
  });

  test('latin1 control encoding: legacy file names list and download', async () => {
    writeFileSync(Buffer.from(join(server.root, 'caf\xe9.txt'), 'latin1'), 'latin');
    const client = await connectFtp({ ...loginOf(server), encoding: 'latin1' });
    try {
      const names = (await client.list('/')).map((e) => e.name);
      assert.ok(names.includes('café.txt'), names.join(','));
      const down = collector();
      await client.download('/café.txt', down.sink);
      assert.equal(down.bytes().toString(), 'latin');
    } finally {
      await client.quit();
    }
  });

  test('many active transfers at once each get their own port from the range', async () => {
    const range = [42_000 + Math.floor(Math.random() * 500), 0] as [number, number];
    range[1] = range[0] + 15;
    const clients = await Promise.all(Array.from({ length: 6 }, () => connectFtp({ ...loginOf(server), active: { portRange: range } })));
    try {
      const results = await Promise.all(
        clients.map(async (c) => {
          const down = collector();
          await c.download('/big.bin', down.sink, { mode: 'active', length: 2_000_000 });
          return down.bytes().length;
        }),
      );
      assert.deepEqual(results, Array(6).fill(2_000_000));
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});

describe('faults real servers cannot be made to produce (scripted peer)', () => {
  test('connection refused is unavailable', async () => {
    const port = await freePort();
    await assert.rejects(connectFtp({ host: '127.0.0.1', port }), isFtpError('FTP_CONNECT_FAILED', 'unavailable'));
  });

  test('a greeting that never comes times out', async () => {
    const peer = await startScriptedServer(() => undefined, { greeting: null });
    try {
      await assert.rejects(
        connectFtp({ host: '127.0.0.1', port: peer.port, timeouts: { connectMs: 200 } }),
        isFtpError('FTP_TIMEOUT', 'timeout'),
      );
    } finally {
      await peer.close();
    }
  });

  test('a server that stops answering times out and the session is dead', async () => {
    const peer = await startScriptedServer(() => undefined);
    try {
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', timeouts: { commandMs: 200 } });
      await assert.rejects(client.noop(), isFtpError('FTP_TIMEOUT', 'timeout'));
      assert.equal(client.usable, false);
    } finally {
      await peer.close();
    }
  });

  test('a 227 naming a third host is never followed', async () => {
    const data = net.createServer((s) => s.end('from-peer'));
    await new Promise<void>((r) => data.listen(0, '127.0.0.1', r));
    const dataPort = (data.address() as net.AddressInfo).port;
    const peer = await startScriptedServer((line, reply) => {
      const verb = line.split(' ')[0];
      if (verb === 'EPSV') reply('502 no EPSV here');
      else if (verb === 'PASV') reply(`227 Entering Passive Mode (10,9,8,7,${dataPort >> 8},${dataPort & 255})`);
      else if (verb === 'TYPE') reply('200 ok');
      else if (verb === 'RETR') {
        reply('150 here it comes');
        setTimeout(() => reply('226 done'), 50);
      } else if (verb === 'NOOP') reply('200 ok');
      else reply('502 not here');
    });
    try {
      // Default: the address in the reply is ignored, the data goes to the control peer.
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p' });
      const down = collector();
      await client.download('/f', down.sink, { mode: 'passive' });
      assert.equal(down.bytes().toString(), 'from-peer');
      await client.quit();
      // When told to use the reply's address, a third host is refused outright.
      const strict = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', ignorePasvAddress: false });
      await assert.rejects(strict.download('/f', collector().sink, { mode: 'passive' }), isFtpError('FTP_DATA_CONNECTION'));
      await strict.quit();
    } finally {
      await peer.close();
      data.close();
    }
  });

  test('a data connection cut early with a 426 is an error, not a short success', async () => {
    const data = net.createServer((s) => {
      s.write('partial');
      s.destroy();
    });
    await new Promise<void>((r) => data.listen(0, '127.0.0.1', r));
    const dataPort = (data.address() as net.AddressInfo).port;
    const peer = await startScriptedServer((line, reply) => {
      const verb = line.split(' ')[0];
      if (verb === 'EPSV') reply(`229 Entering Extended Passive Mode (|||${dataPort}|)`);
      else if (verb === 'TYPE' || verb === 'NOOP') reply('200 ok');
      else if (verb === 'RETR') {
        reply('150 here it comes');
        setTimeout(() => reply('426 Connection closed; transfer aborted.'), 50);
      } else reply('502 not here');
    });
    try {
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p' });
      await assert.rejects(client.download('/f', collector().sink), (err: unknown) => {
        assert.ok(err instanceof FtpError);
        assert.ok(err.ftpCode === 426 || err.code === 'FTP_TRANSFER_INCOMPLETE', `${err.code} ${err.ftpCode}`);
        return true;
      });
      await client.quit();
    } finally {
      await peer.close();
      data.close();
    }
  });

  test('stat sends SIZE and MDTM together and reads their replies in order', async () => {
    // This peer answers SIZE only once MDTM has arrived too: a client that
    // waited for the SIZE reply before sending MDTM would time out here.
    let heldSize: (() => void) | null = null;
    const peer = await startScriptedServer((line, reply) => {
      if (line === 'TYPE I') reply('200 binary');
      else if (line === 'SIZE /') reply('550 not a plain file');
      else if (line === 'SIZE /f.bin') heldSize = () => reply('213 1234');
      else if (line === 'MDTM /f.bin') {
        heldSize?.();
        reply('213 20240102030405');
      } else if (line === 'SIZE /gone' || line === 'MDTM /gone' || line === 'CWD /gone') reply('550 no such file');
      else reply('502 not scripted');
    });
    try {
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', timeouts: { commandMs: 1_000 } });
      const stat = await client.stat('/f.bin');
      assert.deepEqual(stat, { type: 'file', size: 1234, modifiedAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) });
      // Both replies of a missing file are consumed: the session stays in step.
      assert.equal(await client.stat('/gone'), null);
      assert.equal(client.usable, true);
      const before = peer.received.length;
      await assert.rejects(client.stat('/f.bin\r\nDELE /f.bin'), isFtpError('FTP_BAD_ARGUMENT', 'bad-input'));
      assert.equal(peer.received.length, before, 'nothing of a refused stat reaches the server');
      await client.quit();
      assert.deepEqual(
        peer.received.filter((l) => /^(SIZE|MDTM) \/f/.test(l)),
        ['SIZE /f.bin', 'MDTM /f.bin'],
      );
    } finally {
      await peer.close();
    }
  });

  test('the active listener drops connections from any address but the server', async () => {
    const listener = await ActiveListener.open({ bindAddress: '127.0.0.1', portRange: null, allowedAddress: '127.0.0.2' });
    const intruder = net.connect({ host: '127.0.0.1', port: listener.port, localAddress: '127.0.0.1' });
    intruder.on('error', () => undefined);
    await new Promise((r) => intruder.once('close', r));
    assert.equal(listener.refused, 1);
    const accepted = listener.accept(2_000);
    const server = net.connect({ host: '127.0.0.1', port: listener.port, localAddress: '127.0.0.2' });
    const socket = await accepted;
    assert.equal(socket.remoteAddress, '127.0.0.2');
    socket.destroy();
    server.destroy();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
