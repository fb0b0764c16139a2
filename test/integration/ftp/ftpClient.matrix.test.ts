// The transfer matrix of the FTP client against real servers:
// {vsftpd, pure-ftpd, proftpd, ftp-srv, and the BSD ftpds inetutils and netkit}
// × {passive, active, auto} × {binary, ascii}
// × {upload, download, list, delete, mkdir, rmdir, rename, append, resume}.
// Bytes are compared by hash; ASCII results are compared with what the
// client's half of the conversion must produce, whatever the server does.
// The BSD ftpds' account is not chrooted: their FTP paths are host paths
// below `ftpRoot` (the served folder), the others' below "/".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { connectFtp, type FtpClient } from '../../../src/ftp/index.js';
import { ALL_SERVER_KINDS, UNCHROOTED_SERVER_KINDS, type FtpServerKind, type RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';

const MODES = ['passive', 'active', 'auto'] as const;
const TYPES = ['binary', 'ascii'] as const;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function collector(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

/** Splits a buffer into irregular chunks so conversions see CR and LF in different chunks. */
function chunked(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0, n = 1; i < data.length; i += n, n = ((n * 7) % 97) + 1) parts.push(data.subarray(i, i + n));
  return Readable.from(parts);
}

// vsftpd twice: with ASCII conversion on, and with its default (TYPE A accepted, bytes unchanged).
const VARIANTS = [...ALL_SERVER_KINDS, ...UNCHROOTED_SERVER_KINDS].flatMap(
  (kind): Array<{ kind: FtpServerKind; ascii: boolean; label: string }> =>
    kind === 'vsftpd'
      ? [
          { kind, ascii: true, label: 'vsftpd (ascii conversion on)' },
          { kind, ascii: false, label: 'vsftpd (ascii conversion off)' },
        ]
      : [{ kind, ascii: false, label: kind }],
);

for (const { kind, ascii, label } of VARIANTS) {
  describe(`FtpClient transfer matrix on ${label}`, serverSkip(kind), () => {
    let server: RunningFtpServer;
    const binary = randomBytes(3 * 1024 * 1024 + 17);
    // Text with LF line ends, a CR-LF pair and a long line: the ASCII oracle.
    const text = Buffer.from(`first line\nsecond\n${'x'.repeat(70_000)}\nwindows line\r\nlast line without end`);
    const textLf = Buffer.from(text.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const textCrlf = Buffer.from(textLf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');

    before(async () => {
      server = await borrowFtpServer(kind, { ascii });
      writeFileSync(join(server.root, 'fixture.bin'), binary);
      writeFileSync(join(server.root, 'fixture.txt'), textLf);
    });
    after(async () => {
      await server?.stop();
    });

    /** The FTP path of a path below the served folder ("/x" → "/x", or the host path on a BSD ftpd). */
    const at = (path: string): string => (server.ftpRoot === '/' ? path : `${server.ftpRoot}${path}`);
    const connect = (): Promise<FtpClient> =>
      connectFtp({ host: server.host, port: server.port, user: server.user, password: server.password });

    for (const mode of MODES) {
      for (const type of TYPES) {
        test(`${mode} ${type}`, async () => {
          let client = await connect();
          try {
            const local = `/m-${mode}-${type}`;
            const dir = at(local);
            await client.mkdir(dir);
            const name = `${dir}/data.${type === 'ascii' ? 'txt' : 'bin'}`;
            const localName = `${local}/data.${type === 'ascii' ? 'txt' : 'bin'}`;
            const payload = type === 'ascii' ? text : binary;

            // upload
            const up = await client.upload(name, chunked(payload), { mode, type });
            assert.equal(up.localBytes, payload.length);
            const stored = readFileSync(join(server.root, localName));
            if (type === 'binary') assert.equal(sha256(stored), sha256(binary));
            else assert.ok([sha256(textLf), sha256(textCrlf)].includes(sha256(stored)), 'stored text is LF or CRLF form');

            // download
            const down = collector();
            const result = await client.download(name, down.sink, { mode, type });
            if (type === 'binary') {
              assert.equal(sha256(down.bytes()), sha256(binary));
              assert.equal(result.bytes, binary.length);
            } else {
              assert.equal(down.bytes().toString('latin1'), textLf.toString('latin1'));
              const crlf = collector();
              await client.download(name, crlf.sink, { mode, type, eol: 'crlf' });
              assert.equal(sha256(crlf.bytes()), sha256(textCrlf));
            }
            if (mode === 'active') assert.ok(['EPRT', 'PORT'].includes(result.method));
            if (mode === 'passive') assert.ok(['EPSV', 'PASV'].includes(result.method));

            // append
            const extra = type === 'ascii' ? Buffer.from('appended\n') : randomBytes(1000);
            await client.upload(name, Readable.from([extra]), { mode, type, append: true });
            const appended = collector();
            await client.download(name, appended.sink, { mode, type });
            const expected = type === 'ascii' ? Buffer.concat([textLf, extra]) : Buffer.concat([binary, extra]);
            assert.equal(sha256(appended.bytes()), sha256(expected));

            // resume from an offset (binary only: REST counts stored bytes)
            if (type === 'binary') {
              const tail = collector();
              await client.download(name, tail.sink, { mode, offset: 1_000_000 });
              assert.equal(sha256(tail.bytes()), sha256(expected.subarray(1_000_000)));
              const range = collector();
              await client.download(name, range.sink, { mode, offset: 5, length: 100_000 });
              assert.equal(sha256(range.bytes()), sha256(expected.subarray(5, 100_005)));
              // The ABOR after the range leaves the session in step, or (ftp-srv, which
              // never answers ABOR once the data connection is gone) destroyed: never half-open.
              if (kind === 'ftp-srv') {
                if (client.usable) await client.noop();
                else client = await connect();
              } else {
                assert.equal(client.usable, true);
                await client.noop();
              }
            }

            // list
            const entries = await client.list(dir, { mode });
            assert.deepEqual(
              entries.map((e) => [e.name, e.type]),
              [[name.slice(dir.length + 1), 'file']],
            );
            if (type === 'binary') assert.equal(entries[0]?.size, expected.length);

            // rename, delete, rmdir
            await client.rename(name, `${dir}/renamed`);
            assert.ok(existsSync(join(server.root, local, 'renamed')));
            await client.delete(`${dir}/renamed`);
            assert.equal(existsSync(join(server.root, local, 'renamed')), false);
            await client.rmdir(dir);
            assert.equal(existsSync(join(server.root, local)), false);
          } finally {
            await client.quit();
          }
        });
      }
    }

    test('stat tells files, directories and missing paths apart', async () => {
      const client = await connect();
      try {
        const file = await client.stat(at('/fixture.bin'));
        assert.equal(file?.type, 'file');
        assert.equal(file?.size, binary.length);
        assert.ok(file?.modifiedAt instanceof Date);
        await client.mkdir(at('/stat-dir'));
        assert.equal((await client.stat(at('/stat-dir')))?.type, 'directory');
        assert.equal(await client.stat(at('/no-such-thing')), null);
        assert.equal(await client.size(at('/fixture.bin')), binary.length);
        const names = await client.nlst(server.ftpRoot);
        assert.ok(names.includes('fixture.bin') && names.includes('stat-dir'), names.join(','));
        assert.ok(!names.includes('.') && !names.includes('..'));
        assert.equal(await client.pwd(), server.ftpRoot);
        await client.rmdir(at('/stat-dir'));
      } finally {
        await client.quit();
      }
    });

    test('empty listings and zero-byte files, many times in a row (EOF before the reader attaches)', async () => {
      const client = await connect();
      try {
        await client.mkdir(at('/empty-dir'));
        writeFileSync(join(server.root, 'zero.bin'), Buffer.alloc(0));
        for (let i = 0; i < 20; i++) {
          const mode = MODES[i % MODES.length]!;
          assert.deepEqual(await client.list(at('/empty-dir'), { mode }), []);
          const sink = collector();
          const result = await client.download(at('/zero.bin'), sink.sink, { mode });
          assert.equal(result.bytes, 0);
          assert.equal(sink.bytes().length, 0);
        }
        await client.rmdir(at('/empty-dir'));
      } finally {
        await client.quit();
      }
    });

    test('a missing file is a typed not-found reply error and the session stays usable', async () => {
      const client = await connect();
      try {
        const sink = collector();
        await assert.rejects(client.download(at('/missing.bin'), sink.sink), (err: unknown) => {
          assert.equal((err as { code?: string }).code, 'FTP_REPLY');
          assert.equal((err as { category?: string }).category, 'not-found');
          return true;
        });
        assert.equal(client.usable, true);
        await client.noop();
      } finally {
        await client.quit();
      }
    });
  });
}
