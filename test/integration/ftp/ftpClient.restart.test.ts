// Restarted downloads (REST, RFC 3659 §5) at the FtpClient level. The BSD
// ftpd (GNU inetutils) forgets the marker on any command other than the
// transfer itself, so there REST must be the last command before RETR on
// every attempt; vsftpd keeps it, so there a REST left behind would move the
// next download of any file. The fault proxy in front of the BSD server shows
// what reached it and plays the replies no server gives on demand (a 425 to
// RETR, a refused REST).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connectFtp, createModeMemory, FtpError, type FtpClient, type FtpDownloadOptions } from '../../../src/ftp/index.js';
import { FaultProxy } from '../../helpers/faultProxy.js';
import { serverSkip } from '../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { chownTree, eventually } from '../../helpers/httpHarness.js';

const data = randomBytes(64 * 1024 + 7);

async function fetchBytes(client: FtpClient, path: string, options: FtpDownloadOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await client.download(path, sink, options);
  return Buffer.concat(chunks);
}

/** The commands from the first data method on, with data-method arguments dropped (their ports vary). */
function transferCommands(commands: readonly string[]): string[] {
  const first = commands.findIndex((c) => /^(EPSV|PASV|EPRT|PORT)\b/.test(c));
  return commands.slice(first).map((c) => (/^(EPRT|PORT) /.test(c) ? (c.split(' ')[0] as string) : c));
}

/** The log's length once `PWD` (sent by nothing else here) is its last entry: vsftpd writes each command just after its reply. */
async function logMark(client: FtpClient, ftp: RunningFtpServer): Promise<number> {
  await client.pwd();
  await eventually(async () => (await ftp.commandLog()).at(-1) === 'PWD');
  return (await ftp.commandLog()).length;
}

function badArgument(err: unknown): boolean {
  assert.ok(err instanceof FtpError, String(err));
  assert.equal(err.code, 'FTP_BAD_ARGUMENT');
  assert.equal(err.category, 'bad-input');
  return true;
}

describe('a bad download argument sends nothing (vsftpd, which keeps a REST marker)', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    writeFileSync(join(ftp.root, 'f.bin'), data);
    chownTree(ftp.root);
  });
  after(async () => {
    await ftp?.stop();
  });

  test('bad offsets, lengths and paths are refused before any command; the next download is whole', async () => {
    const client = await connectFtp({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
    try {
      assert.ok((await fetchBytes(client, 'f.bin')).equals(data));
      const bad: Array<[string, FtpDownloadOptions]> = [
        ['f.bin', { offset: 100, length: 0 }],
        ['f.bin', { offset: 100, length: -5 }],
        ['f.bin', { offset: 100, length: 1.5 }],
        ['f.bin', { offset: 100, length: Number.NaN }],
        ['f.bin', { offset: 100, length: Number.POSITIVE_INFINITY }],
        ['f.bin', { offset: -1 }],
        ['f.bin', { offset: 2.5 }],
        ['f.bin', { offset: 2 ** 53 }],
        ['f.bin\r\nDELE f.bin', { offset: 100 }],
      ];
      const logged = await logMark(client, ftp);
      for (const [path, options] of bad) {
        await assert.rejects(fetchBytes(client, path, options), badArgument, JSON.stringify({ path, ...options }));
      }
      await client.noop();
      await eventually(async () => (await ftp.commandLog()).length > logged);
      assert.deepEqual((await ftp.commandLog()).slice(logged), ['NOOP'], 'nothing but the NOOP reached the server');
      // A REST left pending by a refused call would make this start at byte 100.
      assert.ok((await fetchBytes(client, 'f.bin')).equals(data), 'the session has no restart marker left');
    } finally {
      client.destroy();
    }
  });

  test('a ranged download costs no command more than REST itself: EPSV, REST, RETR', async () => {
    const client = await connectFtp({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
    try {
      assert.ok((await fetchBytes(client, 'f.bin', { mode: 'passive' })).equals(data));
      const logged = await logMark(client, ftp);
      assert.ok((await fetchBytes(client, 'f.bin', { mode: 'passive', offset: 100 })).equals(data.subarray(100)));
      await client.noop();
      await eventually(async () => (await ftp.commandLog()).length >= logged + 4);
      assert.deepEqual((await ftp.commandLog()).slice(logged), ['EPSV', 'REST 100', 'RETR f.bin', 'NOOP']);
    } finally {
      client.destroy();
    }
  });
});

// Both BSD-derived ftpds forget the marker: netkit's too sends from byte 0 after REST, EPSV, RETR.
for (const kind of ['inetutils-ftpd', 'netkit-ftpd'] as const) {
  describe(`REST right before RETR on ${kind} (forgets the marker on any other command)`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let proxy: FaultProxy;
    let file: string;
    before(async () => {
      ftp = await borrowFtpServer(kind);
      writeFileSync(join(ftp.root, 'f.bin'), data);
      chownTree(ftp.root);
      file = `${ftp.ftpRoot}/f.bin`;
      proxy = await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port });
    });
    after(async () => {
      await proxy?.close();
      await ftp?.stop();
    });
    const viaProxy = (over: { modeMemory?: ReturnType<typeof createModeMemory> } = {}): Promise<FtpClient> =>
      connectFtp({ host: '127.0.0.1', port: proxy.port, user: ftp.user, password: ftp.password, ...over });

    for (const mode of ['passive', 'active'] as const) {
      test(`${mode}: offset and length give exactly those bytes`, async () => {
        const client = await connectFtp({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password });
        try {
          assert.ok((await fetchBytes(client, file, { mode, offset: 100, length: 100 })).equals(data.subarray(100, 200)));
          assert.ok((await fetchBytes(client, file, { mode, offset: 1000 })).equals(data.subarray(1000)));
          assert.ok((await fetchBytes(client, file, { mode })).equals(data), 'then the whole file again');
        } finally {
          client.destroy();
        }
      });
    }

    test('EPSV refused: REST follows PASV, not the refused EPSV', async () => {
      const client = await viaProxy();
      try {
        proxy.refuseCommands(['EPSV']);
        proxy.resetCounters();
        assert.ok((await fetchBytes(client, file, { offset: 300 })).equals(data.subarray(300)));
        assert.deepEqual(transferCommands(proxy.commands), ['PASV', 'REST 300', `RETR ${file}`]);
      } finally {
        proxy.refuseCommands([]);
        client.destroy();
      }
    });

    test('a 425 to RETR: the next data method gets its own REST', async () => {
      // Remembered EPRT first, so the fallback after the 425 goes to EPSV.
      const client = await viaProxy({ modeMemory: createModeMemory('EPRT') });
      try {
        proxy.resetCounters();
        proxy.answerNext('RETR', "425 Can't open data connection.");
        assert.ok((await fetchBytes(client, file, { offset: 500 })).equals(data.subarray(500)));
        // The server saw the first REST cleared by EPSV; only the second one counts.
        assert.deepEqual(transferCommands(proxy.commands), ['EPRT', 'REST 500', 'EPSV', 'REST 500', `RETR ${file}`]);
      } finally {
        client.destroy();
      }
    });

    test('REST refused: a clear error, the prepared data connection closed, the session still in step', async () => {
      const client = await viaProxy();
      try {
        proxy.refuseCommands(['REST']);
        proxy.resetCounters();
        await assert.rejects(fetchBytes(client, file, { mode: 'active', offset: 100 }), (err: unknown) => {
          assert.ok(err instanceof FtpError, String(err));
          assert.equal(err.code, 'FTP_REPLY');
          assert.equal(err.command, 'REST');
          assert.equal(err.ftpCode, 502);
          return true;
        });
        assert.deepEqual(transferCommands(proxy.commands), ['EPRT'], 'no RETR after the refused REST');
        const eprt = /^EPRT \|1\|127\.0\.0\.1\|(\d+)\|$/.exec(proxy.commands.find((c) => c.startsWith('EPRT')) ?? '');
        assert.ok(eprt, proxy.commands.join(' | '));
        assert.equal(await connectOutcome(Number(eprt[1])), 'ECONNREFUSED', 'the active listener was closed');
        proxy.refuseCommands([]);
        assert.ok((await fetchBytes(client, file, { mode: 'active', offset: 100 })).equals(data.subarray(100)));
      } finally {
        proxy.refuseCommands([]);
        client.destroy();
      }
    });
  });
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
