// What legacy servers answer that the installed ones do not, against a
// scripted peer (issue 12, "degrade, never guess"): 332 → ACCT from the
// configuration, masked like PASS; SITE commands after login; FEAT refused
// (500) → the RFC 959 defaults; a z/OS PWD; 125 instead of 150 and a 226
// long after the data; REST refused → a clear error and the server known to
// have none; no SIZE → a file of unknown size, folders told by CWD.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { Writable } from 'node:stream';
import {
  connectFtp,
  createServerKnowledge,
  ftpChannels,
  type FtpClient,
  type FtpCommandEvent,
  type FtpConnectOptions,
  type FtpServerEvent,
} from '../../../src/ftp/index.js';
import { startTransferPeer, type PeerHandler, type ScriptedServer } from '../../helpers/scriptedFtpServer.js';
import { isFtpError, tracked } from '../../helpers/settling.js';

const COMMAND_MS = 5_000;
const ACCOUNT = 'acct-S3cret';

interface Peer {
  server: ScriptedServer;
  connect(more?: Partial<FtpConnectOptions>): Promise<FtpClient>;
  /** The next data connection the client opens (EPSV), the server's end. */
  data(): Promise<net.Socket>;
}

/** A peer answering NOOP, TYPE, EPSV and ABOR (and USER/PASS unless `ownLogin`), the rest through `on`, else 502. */
async function peer(
  t: TestContext,
  on: PeerHandler,
  options: { features?: readonly string[] | null; ownLogin?: boolean } = {},
): Promise<Peer> {
  const { server, data } = await startTransferPeer(on, options);
  const clients: FtpClient[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });
  return {
    server,
    async connect(more = {}) {
      const client = await connectFtp({
        host: '127.0.0.1',
        port: server.port,
        user: 'u',
        password: 'p',
        timeouts: { commandMs: COMMAND_MS },
        ...more,
      });
      clients.push(client);
      return client;
    },
    data,
  };
}

/** Every diagnostics event of `channel` while the test runs. */
function events<T>(t: TestContext, channel: (typeof ftpChannels)[keyof typeof ftpChannels]): T[] {
  const seen: T[] = [];
  const listener = (event: unknown): void => void seen.push(event as T);
  channel.subscribe(listener);
  t.after(() => channel.unsubscribe(listener));
  return seen;
}

function sink(): { stream: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, done) {
        chunks.push(chunk);
        done();
      },
    }),
    bytes: () => Buffer.concat(chunks),
  };
}

/** A handler that answers one verb with one reply. */
const answer =
  (only: string, text: string): PeerHandler =>
  (verb, _line, reply) => {
    if (verb !== only) return false;
    reply(text);
    return true;
  };

const accountLogin =
  (after: 'USER' | 'PASS'): PeerHandler =>
  (verb, line, reply) => {
    if (verb === 'USER') reply(after === 'USER' ? '332 Need account for login.' : '331 Password required.');
    else if (verb === 'PASS') reply('332 Need account for login.');
    else if (verb === 'ACCT') reply(line === `ACCT ${ACCOUNT}` ? '230 User logged in.' : '530 Not logged in.');
    else return false;
    return true;
  };

describe('332 → ACCT with the configured account', () => {
  for (const after of ['PASS', 'USER'] as const) {
    it(`332 after ${after}: ACCT goes out and logs in; every event shows it masked`, async (t) => {
      const p = await peer(t, accountLogin(after), { ownLogin: true });
      const commands = events<FtpCommandEvent>(t, ftpChannels.command);
      const client = await p.connect({ account: ACCOUNT });
      assert.ok(p.server.received.includes(`ACCT ${ACCOUNT}`), 'the account reached the server');
      const acct = commands.filter((e) => e.verb === 'ACCT');
      assert.deepEqual(
        acct.map((e) => e.text),
        ['ACCT ****'],
      );
      assert.ok(!commands.some((e) => e.text.includes(ACCOUNT)), 'no event carries the account');
      assert.equal(client.usable, true);
    });
  }

  it('332 and no account configured: an auth error naming the need, no ACCT sent', async (t) => {
    const p = await peer(t, accountLogin('PASS'), { ownLogin: true });
    await assert.rejects(p.connect(), isFtpError('FTP_REPLY', { ftpCode: 332, category: 'auth', command: 'PASS' }));
    assert.ok(!p.server.received.some((l) => l.startsWith('ACCT')));
  });

  it('a wrong account: 530 to ACCT is an auth error', async (t) => {
    const p = await peer(t, accountLogin('PASS'), { ownLogin: true });
    await assert.rejects(p.connect({ account: 'wrong' }), isFtpError('FTP_REPLY', { ftpCode: 530, category: 'auth', command: 'ACCT' }));
  });
});

describe('SITE commands from the configuration', () => {
  it('sent in order after login and FEAT, before the first operation', async (t) => {
    const p = await peer(t, answer('SITE', '200 SITE command was accepted'));
    const client = await p.connect({ siteCommands: ['RECFM=FB LRECL=80', 'BLKSIZE=27920'] });
    await client.noop();
    const after = p.server.received.slice(p.server.received.indexOf('FEAT'));
    assert.deepEqual(after.slice(1, 3), ['SITE RECFM=FB LRECL=80', 'SITE BLKSIZE=27920']);
  });

  it('a refused SITE fails the connect, so no session runs set up otherwise than configured', async (t) => {
    const p = await peer(t, answer('SITE', '501 Invalid SITE parameter'));
    await assert.rejects(p.connect({ siteCommands: ['LRECL=X'] }), isFtpError('FTP_REPLY', { ftpCode: 501, command: 'SITE' }));
  });
});

describe('what legacy servers answer differently', () => {
  it('FEAT refused (500): no features, no OPTS UTF8, and the session works on the defaults', async (t) => {
    const p = await peer(t, () => false, { features: null });
    const client = await p.connect();
    assert.equal(client.features.size, 0);
    assert.ok(!p.server.received.some((l) => l.startsWith('OPTS')), 'OPTS UTF8 only when FEAT lists UTF8');
    await client.noop();
  });

  it(`z/OS PWD: 257 "'USER.'" is working directory → 'USER.' (quotes and all: a data set prefix, no path)`, async (t) => {
    const p = await peer(t, answer('PWD', `257 "'USER.'" is working directory.`));
    const client = await p.connect();
    assert.equal(await client.pwd(), "'USER.'");
  });

  it('125 instead of 150 (IIS), then a 226 long after the data ended: a whole download', async (t) => {
    let final: ((text: string) => void) | undefined;
    const p = await peer(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('125 Data connection already open; Transfer starting.');
      final = reply;
      return true;
    });
    const client = await p.connect();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const out = sink();
    const download = client.download('/f', out.stream, { mode: 'passive' });
    const state = tracked(download);
    const data = await p.data();
    data.end(Buffer.from('legacy bytes'));
    await new Promise<void>((resolve) => data.once('close', () => resolve()));
    t.mock.timers.tick(COMMAND_MS - 1);
    assert.equal(await state.settled(), false, 'still waiting for the final reply, no timeout yet');
    final?.('226 Transfer complete.');
    assert.equal((await download).bytes, 12);
    assert.equal(out.bytes().toString(), 'legacy bytes');
  });

  for (const refusal of ["500 'REST 1000': command not understood.", '501 REST not supported.', '502 REST command not implemented.']) {
    it(`REST refused (${refusal.slice(0, 3)}): a resume says so, nothing else is sent, the session stays usable, and the server is known to have none`, async (t) => {
      const knowledge = createServerKnowledge();
      const learned = events<FtpServerEvent>(t, ftpChannels.server);
      const p = await peer(t, answer('REST', refusal));
      const client = await p.connect({ serverKnowledge: knowledge });
      assert.equal(client.restMode, undefined);
      await assert.rejects(client.download('/f', sink().stream, { mode: 'passive', offset: 1000 }), (err: unknown) => {
        isFtpError('FTP_REPLY', { ftpCode: Number(refusal.slice(0, 3)), command: 'REST' })(err);
        assert.match((err as Error).message, /no REST: a transfer cannot start at byte 1000/);
        return true;
      });
      assert.ok(!p.server.received.some((l) => l.startsWith('RETR')), 'no RETR after the refused REST');
      assert.equal(client.usable, true);
      assert.equal(knowledge.restMode, 'none');
      assert.ok(learned.some((e) => e.fact === 'restMode' && e.value === 'none' && e.host === '127.0.0.1'));
      await client.noop();
    });
  }

  it('no SIZE (500): a file has a null size, a folder is told by CWD, MDTM still dates the file', async (t) => {
    const p = await peer(t, (verb, line, reply) => {
      if (verb === 'SIZE') reply("500 'SIZE': command not understood.");
      else if (verb === 'MDTM') reply(line.endsWith('/f') ? '213 20240501103000' : '550 not a plain file.');
      else if (verb === 'CWD') reply(line === 'CWD /dir' ? '250 CWD command successful.' : '550 Not a directory.');
      else return false;
      return true;
    });
    const client = await p.connect();
    assert.deepEqual(await client.stat('/f'), { type: 'file', size: null, modifiedAt: new Date('2024-05-01T10:30:00Z') });
    assert.deepEqual(await client.stat('/dir'), { type: 'directory', size: null, modifiedAt: null });
    assert.equal(await client.size('/f'), null);
  });
});
