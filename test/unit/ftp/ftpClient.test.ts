// FtpClient's state edges against a scripted peer: a download completes only
// when its data has ended AND a 2xx has come, in either order; a final reply
// that is negative, a 421 or missing is an error, never a short success; a
// 421 at any time, a timeout in the middle of a reply or a command given up
// leaves the session unusable, so the pool never reuses it out of step.
// Timeouts run on node:test's mock timers, enabled once the session is up.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { Writable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { connectFtp, FtpError, ftpChannels, type FtpClient, type FtpReplyEvent, type FtpSessionEvent } from '../../../src/ftp/index.js';
import { startTransferPeer, type PeerHandler } from '../../helpers/scriptedFtpServer.js';
import { isFtpError, tracked } from '../../helpers/settling.js';

const COMMAND_MS = 5_000;

interface Session {
  client: FtpClient;
  /** The next data connection the client opens (EPSV), the server's end. */
  data(): Promise<net.Socket>;
  /** The server's end of the control connection. */
  control: net.Socket;
}

/** A logged-in session to a peer that answers TYPE, NOOP, EPSV and ABOR, and hands every other line to `on`. */
async function session(t: TestContext, on: PeerHandler): Promise<Session> {
  const { server, data } = await startTransferPeer(on);
  const client = await connectFtp({ host: '127.0.0.1', port: server.port, user: 'u', password: 'p', timeouts: { commandMs: COMMAND_MS } });
  t.after(async () => {
    client.destroy();
    await server.close();
  });
  const control = server.connections.at(-1);
  assert.ok(control);
  return {
    client,
    control,
    data,
  };
}

/** A destination that keeps what it gets and says when it has `n` bytes. */
function collector(): { stream: Writable; bytes(): Buffer; received(n: number): Promise<void> } {
  const chunks: Buffer[] = [];
  let length = 0;
  const waiting: Array<[number, () => void]> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      length += chunk.length;
      for (const [n, resolve] of waiting) if (length >= n) resolve();
      done();
    },
  });
  return {
    stream,
    bytes: () => Buffer.concat(chunks),
    received: (n) => (length >= n ? Promise.resolve() : new Promise((resolve) => waiting.push([n, resolve]))),
  };
}

/** Resolves when a diagnostics event of `channel` matches. */
function published<T>(t: TestContext, channel: (typeof ftpChannels)[keyof typeof ftpChannels], match: (event: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const listener = (event: unknown): void => {
      if (match(event as T)) resolve(event as T);
    };
    channel.subscribe(listener);
    t.after(() => channel.unsubscribe(listener));
  });
}

const FIRST = Buffer.alloc(40_000, 'a');
const REST = Buffer.alloc(60_000, 'b');
const WHOLE = Buffer.concat([FIRST, REST]);

describe('FtpClient downloads: complete only when the data has ended and a 2xx has come', () => {
  it('a 226 before the data has ended: the download waits for the data, then ends whole', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('150 Opening BINARY mode data connection');
      reply('226 Transfer complete');
      return true;
    });
    const got226 = published<FtpReplyEvent>(t, ftpChannels.reply, (e) => e.sessionId === s.client.id && e.code === 226);
    const sink = collector();
    const download = s.client.download('/f', sink.stream, { mode: 'passive' });
    const data = await s.data();
    data.write(FIRST);
    await Promise.all([got226, sink.received(FIRST.length)]);
    assert.equal(await tracked(download).settled(), false, 'ended on the 226 with data still to come');
    data.end(REST);
    assert.equal((await download).bytes, WHOLE.length);
    assert.ok(sink.bytes().equals(WHOLE));
    await s.client.noop();
  });

  it('a 226 after the data has ended: the download ends only once the 226 has come', async (t) => {
    let final: ((text: string) => void) | undefined;
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('150 Opening BINARY mode data connection');
      final = reply;
      return true;
    });
    const sink = collector();
    const download = s.client.download('/f', sink.stream, { mode: 'passive' });
    const data = await s.data();
    data.end(WHOLE);
    // The client has read the end of the data and closed its side.
    await Promise.all([once(data, 'close'), sink.received(WHOLE.length)]);
    assert.equal(await tracked(download).settled(), false, 'ended on the data alone');
    final?.('226 Transfer complete');
    assert.equal((await download).bytes, WHOLE.length);
    await s.client.noop();
  });

  it('a negative final reply after all the data: an error with its code, never a success; the session stays in step', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('150 Opening BINARY mode data connection');
      void s.data().then((data) => data.end(WHOLE, () => reply('451 Requested action aborted: local error in processing.')));
      return true;
    });
    await assert.rejects(s.client.download('/f', collector().stream, { mode: 'passive' }), isFtpError('FTP_REPLY', { ftpCode: 451 }));
    assert.equal(s.client.usable, true);
    // The next command reads its own reply, not one left over from the transfer.
    assert.equal((await s.client.raw('NOOP')).code, 200);
  });

  it('a 421 while the download waits for its final reply: an error, never a success, and the session unusable', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('150 Opening BINARY mode data connection');
      return true;
    });
    const download = s.client.download('/f', collector().stream, { mode: 'passive' });
    const data = await s.data();
    data.end(WHOLE);
    await once(data, 'close');
    s.control.write('421 Service not available, closing control connection.\r\n');
    await assert.rejects(download, (err) => err instanceof FtpError && err.ftpCode === 421);
    assert.equal(s.client.usable, false);
  });

  it('a final reply that never comes: FTP_TIMEOUT after commandMs, never a success, and the session unusable', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'RETR') return false;
      reply('150 Opening BINARY mode data connection');
      return true;
    });
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const download = s.client.download('/f', collector().stream, { mode: 'passive' });
    const state = tracked(download);
    const data = await s.data();
    data.end(WHOLE);
    await once(data, 'close');
    t.mock.timers.tick(COMMAND_MS - 1);
    assert.equal(await state.settled(), false);
    t.mock.timers.tick(1);
    await assert.rejects(download, isFtpError('FTP_TIMEOUT', { command: 'RETR' }));
    assert.equal(s.client.usable, false);
  });
});

describe('FtpClient sessions that must not be reused', () => {
  it('a 421 while a command waits: an error carrying the 421, and the session unusable', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'CWD') return false;
      reply('421 Timeout.');
      return true;
    });
    await assert.rejects(s.client.cwd('/x'), (err) => err instanceof FtpError && err.ftpCode === 421);
    assert.equal(s.client.usable, false);
  });

  it('a 421 nobody waits for (the server dropping an idle session) makes the session unusable at once', async (t) => {
    const s = await session(t, () => false);
    const closed = published<FtpSessionEvent>(t, ftpChannels.session, (e) => e.sessionId === s.client.id && e.event === 'close');
    s.control.write('421 No transfer timeout (300 seconds): closing control connection\r\n');
    await closed;
    assert.equal(s.client.usable, false);
    await assert.rejects(s.client.noop(), isFtpError('FTP_CONNECTION_CLOSED'));
  });

  it('a timeout in the middle of a reply: FTP_TIMEOUT after commandMs, and the session unusable', async (t) => {
    const s = await session(t, (verb, _line, reply) => {
      if (verb !== 'STAT') return false;
      reply('211-Status of the server:');
      return true;
    });
    // Date.now() moves with the mock clock: lastActivity then says when the first line was read.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const stat = s.client.raw('STAT');
    const state = tracked(stat);
    while (s.client.lastActivity !== 0) await turn();
    t.mock.timers.tick(COMMAND_MS - 1);
    assert.equal(await state.settled(), false);
    const serverSawClose = once(s.control, 'close');
    t.mock.timers.tick(1);
    await assert.rejects(stat, isFtpError('FTP_TIMEOUT', { command: 'STAT' }));
    assert.equal(s.client.usable, false);
    await serverSawClose;
  });

  it('a command given up through its signal: FTP_ABORTED, and the session unusable (its reply is still owed)', async (t) => {
    let heard: (() => void) | undefined;
    const s = await session(t, (verb) => {
      if (verb !== 'CWD') return false;
      heard?.();
      return true;
    });
    const controller = new AbortController();
    const asked = new Promise<void>((resolve) => (heard = resolve));
    const cwd = s.client.cwd('/slow', controller.signal);
    await asked;
    controller.abort(new Error('the caller left'));
    await assert.rejects(cwd, isFtpError('FTP_ABORTED'));
    assert.equal(s.client.usable, false);
  });
});
