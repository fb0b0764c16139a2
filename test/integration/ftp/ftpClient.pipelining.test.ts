// Pipelining is learned, once per server, never assumed: the first login
// sends two NOOPs in one write; two replies in time mark the server as
// taking several commands at once, anything else marks it "one at a time"
// and costs that one session. The mini server shows what arrived in each
// read, so "in one write" is observable.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectFtp,
  createServerKnowledge,
  FtpError,
  ftpChannels,
  type FtpConnectOptions,
  type FtpServerEvent,
  type FtpServerKnowledge,
} from '../../../src/ftp/index.js';
import { startMiniFtpServer, type MiniFtpServer } from '../../helpers/miniFtpServer.js';
import { startScriptedServer, type ScriptedServer } from '../../helpers/scriptedFtpServer.js';
import type { FtpServerKind } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { eventually } from '../../helpers/httpHarness.js';
import { publishedDuring } from '../../helpers/publishedDuring.js';

const PROBE = 'NOOP\r\nNOOP\r\n';
const probes = (ftp: MiniFtpServer): number => ftp.reads.filter((r) => r === PROBE).length;

function loginOf(ftp: MiniFtpServer, serverKnowledge: FtpServerKnowledge): FtpConnectOptions {
  return { host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password, serverKnowledge, timeouts: { commandMs: 3_000 } };
}

/** FtpServerEvents published while `fn` runs. */
function learned(fn: () => Promise<void>): Promise<FtpServerEvent[]> {
  return publishedDuring<FtpServerEvent>(ftpChannels.server, fn);
}

/** A peer that answers SIZE but never MDTM, as a server that read a pipelined SIZE and MDTM as one command. */
function startMdtmSilentPeer(): Promise<ScriptedServer> {
  return startScriptedServer((line, reply) => {
    if (line === 'NOOP' || line === 'TYPE I') reply('200 ok');
    else if (line === 'SIZE /') reply('550 not a plain file');
    else if (line.startsWith('SIZE ')) reply('213 12');
  });
}

describe('learning whether a server takes pipelined commands', () => {
  const servers: MiniFtpServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (reading: 'lines' | 'one-per-read'): Promise<MiniFtpServer> => {
    const s = await startMiniFtpServer({ reading });
    servers.push(s);
    writeFileSync(join(s.root, 'f.bin'), 'twelve bytes');
    return s;
  };

  test('a server that takes them: one probe for all sessions, and stat still sends SIZE and MDTM in one write', async () => {
    const ftp = await start('lines');
    const knowledge = createServerKnowledge();
    const events = await learned(async () => {
      // Three sessions log in at once: one probes, the others do not wait for it.
      const clients = await Promise.all([1, 2, 3].map(() => connectFtp(loginOf(ftp, knowledge))));
      assert.equal(knowledge.pipelining, true);
      const later = await connectFtp(loginOf(ftp, knowledge));
      for (const client of [...clients, later]) {
        const stat = await client.stat('/f.bin');
        assert.equal(stat?.type, 'file');
        assert.equal(stat?.size, 12);
        assert.ok(stat?.modifiedAt instanceof Date);
        await client.quit();
      }
    });
    assert.equal(probes(ftp), 1, 'one round trip per server, not per session');
    assert.equal(ftp.connections, 4, 'no session lost');
    // TYPE I rides in the same write on a session that has not set it yet.
    assert.equal(ftp.reads.filter((r) => /^(TYPE I\r\n)?SIZE \/f\.bin\r\nMDTM \/f\.bin\r\n$/.test(r)).length, 4);
    assert.deepEqual(
      events.map((e) => [e.fact, e.value, e.how]),
      [['pipelining', true, 'probe']],
    );
  });

  test('a server that reads one command per read: marked once, the probing session replaced, nothing else pipelined', async () => {
    const ftp = await start('one-per-read');
    const knowledge = createServerKnowledge();
    const events = await learned(async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => connectFtp(loginOf(ftp, knowledge))));
      assert.equal(knowledge.pipelining, false);
      for (const client of clients) {
        assert.equal(client.usable, true);
        assert.equal((await client.stat('/f.bin'))?.size, 12);
        assert.equal(await client.stat('/gone'), null);
        await client.quit();
      }
    });
    assert.equal(probes(ftp), 1);
    assert.equal(ftp.connections, 5, 'the probing session was destroyed and replaced by one fresh session');
    assert.deepEqual(
      ftp.reads.filter((r) => r.split('\r\n').length > 2),
      [PROBE],
    );
    assert.deepEqual(
      events.map((e) => [e.fact, e.value, e.how]),
      [['pipelining', false, 'probe']],
    );
  });

  test('without a shared knowledge object a session learns for itself', async () => {
    const ftp = await start('one-per-read');
    const client = await connectFtp({
      host: ftp.host,
      port: ftp.port,
      user: ftp.user,
      password: ftp.password,
      timeouts: { commandMs: 1_000 },
    });
    assert.equal((await client.stat('/f.bin'))?.size, 12);
    await client.quit();
  });

  test('a pipelined pair left half unanswered destroys the session and stops pipelining to that server', async () => {
    const peer = await startMdtmSilentPeer();
    try {
      const knowledge = createServerKnowledge();
      const options = {
        host: '127.0.0.1',
        port: peer.port,
        user: 'u',
        password: 'p',
        serverKnowledge: knowledge,
        timeouts: { commandMs: 300 },
      };
      const client = await connectFtp(options);
      assert.equal(knowledge.pipelining, true);
      const events = await learned(async () => {
        await assert.rejects(client.stat('/f.bin'), (err: unknown) => err instanceof FtpError && err.code === 'FTP_TIMEOUT');
      });
      assert.equal(client.usable, false, 'never reused out of step');
      assert.equal(knowledge.pipelining, false);
      assert.deepEqual(
        events.map((e) => [e.value, e.how]),
        [[false, 'batch-unanswered']],
      );
    } finally {
      await peer.close();
    }
  });

  test('a pipelined pair aborted before its last reply leaves the session destroyed', async () => {
    const peer = await startMdtmSilentPeer();
    try {
      const knowledge = createServerKnowledge();
      const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', serverKnowledge: knowledge });
      const controller = new AbortController();
      const stat = client.stat('/f.bin', controller.signal);
      await eventually(() => peer.received.includes('MDTM /f.bin'));
      controller.abort();
      await assert.rejects(stat, (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED');
      assert.equal(client.usable, false, 'the MDTM reply is still due: never reused out of step');
      assert.equal(knowledge.pipelining, true, 'an abort says nothing about the server');
    } finally {
      await peer.close();
    }
  });

  test('an aborted probe leaves it unknown, for the next login to find out', async () => {
    const peer = await startScriptedServer(() => undefined); // never answers NOOP
    try {
      const knowledge = createServerKnowledge();
      const controller = new AbortController();
      const connecting = connectFtp({
        host: '127.0.0.1',
        port: peer.port,
        user: 'u',
        password: 'p',
        serverKnowledge: knowledge,
        signal: controller.signal,
      });
      await eventually(() => peer.received.includes('NOOP'));
      controller.abort();
      await assert.rejects(connecting, (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED');
      assert.equal(knowledge.pipelining, undefined);
      assert.equal(knowledge.claimPipeliningProbe(), true, 'free to claim again');
    } finally {
      await peer.close();
    }
  });
});

const REAL: readonly FtpServerKind[] = ['vsftpd', 'pure-ftpd', 'proftpd'];
for (const kind of REAL) {
  describe(`pipelining on ${kind}`, serverSkip(kind), () => {
    test('the probe marks it capable', async () => {
      const ftp = await borrowFtpServer(kind);
      try {
        const knowledge = createServerKnowledge();
        const client = await connectFtp({
          host: ftp.host,
          port: ftp.port,
          user: ftp.user,
          password: ftp.password,
          serverKnowledge: knowledge,
        });
        assert.equal(knowledge.pipelining, true);
        writeFileSync(join(ftp.root, 'p.bin'), 'abc');
        assert.equal((await client.stat('/p.bin'))?.size, 3);
        await client.quit();
      } finally {
        await ftp.stop();
      }
    });
  });
}
