// Round trips, counted rather than timed: each write the client makes on the
// control connection after the first waits for a reply, so the writes the
// server reads per operation are its round trips. The mini server records
// every read ('lines': it takes pipelined commands, so the client learns it
// may send ahead). Across a 20 ms link each saved write is 20 ms.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import type net from 'node:net';
import { connectFtp, createServerKnowledge, FtpError, type FtpClient } from '../../../src/ftp/index.js';
import { startMiniFtpServer, type MiniFtpServer } from '../../helpers/miniFtpServer.js';
import { answerEpsv, startScriptedServer } from '../../helpers/scriptedFtpServer.js';

const FILE = Buffer.from('a file of some thirty-two bytes!');

function collect(): Writable & { data(): Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return Object.assign(sink, { data: () => Buffer.concat(chunks) });
}

describe('round trips per operation, where the server takes pipelined commands', () => {
  let ftp: MiniFtpServer;
  let client: FtpClient;
  before(async () => {
    ftp = await startMiniFtpServer({ reading: 'lines' });
    writeFileSync(join(ftp.root, 'f.bin'), FILE);
    mkdirSync(join(ftp.root, 'dir'));
    writeFileSync(join(ftp.root, 'dir', 'a.txt'), 'a');
    client = await connectFtp({
      host: ftp.host,
      port: ftp.port,
      user: ftp.user,
      password: ftp.password,
      serverKnowledge: createServerKnowledge(),
    });
    // Once per session: SIZE of "/" (does this server size directories?) and a first data connection;
    // once per server: SYST before its first LIST.
    await client.stat('/f.bin');
    await client.download('/f.bin', collect(), { mode: 'passive' });
    await client.list('/', { mode: 'passive' });
  });
  after(async () => {
    await client.quit();
    await ftp.close();
  });

  /** The control writes `fn` made, as the server read them. */
  async function writes(fn: () => Promise<unknown>): Promise<string[]> {
    const from = ftp.reads.length;
    await fn();
    return ftp.reads.slice(from);
  }

  test('GET: the stat and EPSV in one write (with TYPE I, the session being in TYPE A after a listing), then RETR: two round trips', async () => {
    const sink = collect();
    const seen = await writes(() =>
      client.statAndDownload('/f.bin', (stat) => ({ destination: sink, options: { mode: 'passive', expectedBytes: stat?.size ?? 0 } }), {
        mode: 'passive',
      }),
    );
    assert.deepEqual(seen, ['TYPE I\r\nSIZE /f.bin\r\nMDTM /f.bin\r\nEPSV\r\n', 'RETR /f.bin\r\n']);
    assert.deepEqual(sink.data(), FILE);
  });

  test('HEAD: the stat alone, one round trip, nothing sent ahead', async () => {
    const seen = await writes(() => client.statAndDownload('/f.bin', () => null, { mode: 'passive', transfer: false }));
    assert.deepEqual(seen, ['SIZE /f.bin\r\nMDTM /f.bin\r\n']);
  });

  test('a missing file: one round trip, the EPSV sent ahead costs nothing more, and the session stays usable', async () => {
    let told: unknown = 'not called';
    const seen = await writes(() =>
      client.statAndDownload(
        '/nope.bin',
        (stat) => {
          told = stat;
          return null;
        },
        { mode: 'passive' },
      ),
    );
    assert.equal(told, null);
    assert.equal(seen[0], 'SIZE /nope.bin\r\nMDTM /nope.bin\r\nEPSV\r\n');
    assert.equal(client.usable, true);
    const sink = collect();
    await client.download('/f.bin', sink, { mode: 'passive' });
    assert.deepEqual(sink.data(), FILE);
  });

  test('listing: CWD, TYPE A and EPSV in one write, then LIST; the next binary transfer sends TYPE I with its EPSV', async () => {
    const listed = await writes(() => client.list('/dir', { mode: 'passive' }));
    assert.deepEqual(listed, ['CWD /dir\r\nTYPE A\r\nEPSV\r\n', 'LIST\r\n']);
    const sink = collect();
    const got = await writes(() => client.download('/f.bin', sink, { mode: 'passive' }));
    assert.deepEqual(got, ['TYPE I\r\nEPSV\r\n', 'RETR /f.bin\r\n']);
    assert.deepEqual(sink.data(), FILE, 'binary again after the listing');
  });

  test('a listing of a missing folder still records the TYPE it switched to', async () => {
    await assert.rejects(
      client.list('/no-such-dir', { mode: 'passive' }),
      (err: unknown) => err instanceof FtpError && err.ftpCode === 550,
    );
    const sink = collect();
    const got = await writes(() => client.download('/f.bin', sink, { mode: 'passive' }));
    assert.equal(got[0], 'TYPE I\r\nEPSV\r\n', 'the server is in TYPE A now: a binary download must switch back');
    assert.deepEqual(sink.data(), FILE);
  });

  test('rename: RNFR and RNTO in one write', async () => {
    writeFileSync(join(ftp.root, 'from.txt'), 'x');
    const seen = await writes(() => client.rename('/from.txt', '/to.txt'));
    assert.deepEqual(seen, ['RNFR /from.txt\r\nRNTO /to.txt\r\n']);
    assert.equal(readFileSync(join(ftp.root, 'to.txt'), 'utf8'), 'x');
    await assert.rejects(client.rename('/from.txt', '/again.txt'), (err: unknown) => err instanceof FtpError && err.ftpCode !== undefined);
    assert.equal(client.usable, true, 'a refused RNFR leaves both replies read');
  });

  test('upload: STOR goes out once EPSV is answered, the data connection made meanwhile', async () => {
    const seen = await writes(() => client.upload('/up.bin', Readable.from([FILE]), { mode: 'passive' }));
    assert.deepEqual(seen, ['EPSV\r\n', 'STOR /up.bin\r\n']);
    assert.deepEqual(readFileSync(join(ftp.root, 'up.bin')), FILE);
  });
});

describe('the transfer command goes out while the data connection is being made', () => {
  test('once a passive connection worked on the session, RETR does not wait for the next one: a connection that then fails costs the session', async () => {
    let epsvs = 0;
    let data: Promise<net.Socket> | null = null;
    const peer = await startScriptedServer((line, reply) => {
      if (line === 'TYPE I') reply('200 binary');
      else if (line === 'EPSV') {
        epsvs++;
        // The second one names a port where nothing listens: the connection is refused.
        if (epsvs === 1) data = answerEpsv(reply);
        else reply('229 Entering Extended Passive Mode (|||1|)');
      } else if (line.startsWith('RETR')) {
        reply('150 here it comes');
        void data?.then((socket) => socket.end(FILE, () => reply('226 done')));
      }
    });
    try {
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', timeouts: { commandMs: 5_000 } });
      const first = collect();
      await client.download('/f.bin', first, { mode: 'passive' });
      assert.deepEqual(first.data(), FILE);
      const retrsBefore = peer.received.filter((l) => l.startsWith('RETR')).length;
      await assert.rejects(
        client.download('/f.bin', new PassThrough(), { mode: 'passive' }),
        (err: unknown) => err instanceof FtpError && err.code === 'FTP_DATA_CONNECTION',
      );
      assert.equal(peer.received.filter((l) => l.startsWith('RETR')).length, retrsBefore + 1, 'RETR went out before the connection failed');
      assert.equal(client.usable, false, 'a RETR waiting at the server for a connection that never comes: the session is not reused');
    } finally {
      await peer.close();
    }
  });
});
