// FtpControl's state edges against a scripted peer on loopback: a reply cut
// between reads, replies that come before anyone waits (a 226 before the
// data), a timeout in the middle of a reply, a 421 at any time, a connection
// lost mid-reply, a wait given up. The peer writes to the socket directly and
// waits until the client has read each piece, so "cut between reads" is what
// really happened; timeouts run on node:test's mock timers.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { FtpControl } from '../../../../src/ftp/control/ftpControl.js';
import { createServerKnowledge } from '../../../../src/ftp/profile/serverProfile.js';
import type { FtpError } from '../../../../src/ftp/errors.js';
import { startScriptedServer } from '../../../helpers/scriptedFtpServer.js';
import { isFtpError, tracked } from '../../../helpers/settling.js';

interface Pair {
  control: FtpControl;
  /** The client's socket: its 'data' events say a read happened. */
  client: net.Socket;
  /** The server's end of the connection. */
  peer: net.Socket;
  /** Writes `text` and resolves once the client has read it. */
  send(text: string | Buffer): Promise<void>;
}

/** A control connection past the greeting, to a peer that answers nothing by itself. */
async function controlPair(t: TestContext): Promise<Pair> {
  const server = await startScriptedServer(() => undefined);
  const client = net.connect(server.port, '127.0.0.1');
  await once(client, 'connect');
  const control = new FtpControl(client, {
    sessionId: 0,
    host: '127.0.0.1',
    port: server.port,
    encoding: 'utf8',
    server: createServerKnowledge(),
  });
  t.after(async () => {
    control.destroy();
    await server.close();
  });
  assert.equal((await control.nextReply({ timeoutMs: null })).code, 220);
  const peer = server.connections[0];
  assert.ok(peer);
  // One byte per segment, sent at once: the pieces below must not wait for ACKs.
  peer.setNoDelay(true);
  return {
    control,
    client,
    peer,
    async send(text) {
      const read = once(client, 'data');
      peer.write(text);
      await read;
    },
  };
}

describe('FtpControl', () => {
  it('a multi-line reply cut at every byte, a UTF-8 name among them, is one reply, given only once its last line has ended', async (t) => {
    const { control, send } = await controlPair(t);
    const lines = ['211-Features:', ' MLST type*;size*;', ' 211 is not the end, nor is 211-', ' SITE café', '211 End'];
    const bytes = Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');
    const reply = control.nextReply({ timeoutMs: null });
    const state = tracked(reply);
    for (let i = 0; i < bytes.length - 1; i++) {
      await send(bytes.subarray(i, i + 1));
      assert.equal(await state.settled(), false, `a reply after byte ${i} of ${bytes.length}`);
    }
    await send(bytes.subarray(bytes.length - 1));
    assert.deepEqual(await reply, { code: 211, message: lines.join('\n') });
  });

  it('replies that come before anyone waits are kept, in order: a 226 before the data has ended', async (t) => {
    const { control, send } = await controlPair(t);
    control.send('RETR', 'f');
    await send('150 Opening BINARY mode data connection\r\n226 Transfer complete\r\n');
    assert.equal((await control.nextReply({ timeoutMs: null })).code, 150);
    const final = control.nextReply({ timeoutMs: null });
    assert.equal(await tracked(final).settled(), true, 'the 226 was there already');
    assert.equal((await final).code, 226);
  });

  it('a reply cut off by the timeout: FTP_TIMEOUT naming the command, the connection closed, every later use fails alike', async (t) => {
    const { control, peer, send } = await controlPair(t);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    control.send('STAT');
    const reply = control.nextReply({ timeoutMs: 5_000 });
    const state = tracked(reply);
    await send('211-Status of the server:\r\n Connected to 127.0.0.1\r\n');
    t.mock.timers.tick(4_999);
    assert.equal(await state.settled(), false);
    const peerClosed = once(peer, 'close');
    t.mock.timers.tick(1);
    const timeout = await reply.then(
      () => assert.fail('a reply after the timeout'),
      (err: unknown) => err,
    );
    assert.ok(isFtpError('FTP_TIMEOUT', { category: 'timeout', command: 'STAT' })(timeout));
    assert.equal(control.closed, true);
    await peerClosed;
    // The rest of the reply is never read as the answer to anything.
    assert.throws(
      () => control.send('NOOP'),
      (err) => err === timeout,
    );
    await assert.rejects(control.nextReply({ timeoutMs: null }), (err) => err === timeout);
  });

  it('a 421 while a command waits: the wait gets the 421, then the session is closed with it (RFC 959 §4.2)', async (t) => {
    const { control, peer } = await controlPair(t);
    const closes: FtpError[] = [];
    control.onClose((err) => closes.push(err));
    const peerClosed = once(peer, 'close');
    const reply = control.request('NOOP', undefined, { timeoutMs: null });
    await once(peer, 'data');
    peer.write('421 Timeout.\r\n');
    assert.equal((await reply).code, 421);
    assert.equal(control.closed, true);
    assert.equal(closes.length, 1);
    assert.ok(isFtpError('FTP_CONNECTION_CLOSED', { category: 'unavailable', ftpCode: 421 })(closes[0]));
    await assert.rejects(control.nextReply({ timeoutMs: null }), (err) => err === closes[0]);
    await peerClosed;
  });

  it('a 421 nobody waits for (an idle session the server drops) closes the session at once', async (t) => {
    const { control, peer } = await controlPair(t);
    const closed = new Promise<FtpError>((resolve) => control.onClose(resolve));
    peer.write('421 No transfer timeout (300 seconds): closing control connection\r\n');
    assert.ok(isFtpError('FTP_CONNECTION_CLOSED', { ftpCode: 421 })(await closed));
    assert.equal(control.closed, true);
    assert.throws(() => control.send('NOOP'), isFtpError('FTP_CONNECTION_CLOSED'));
  });

  it('the connection lost in the middle of a reply fails the wait with FTP_CONNECTION_CLOSED', async (t) => {
    const { control, peer } = await controlPair(t);
    const reply = control.request('STAT', undefined, { timeoutMs: null });
    await once(peer, 'data');
    peer.end('211-Status of the server:\r\n');
    await assert.rejects(reply, isFtpError('FTP_CONNECTION_CLOSED', { category: 'unavailable' }));
    assert.equal(control.closed, true);
  });

  it('a wait given up through its signal fails FTP_ABORTED and closes the session: the reply is still owed', async (t) => {
    const { control, peer, client } = await controlPair(t);
    const controller = new AbortController();
    const reply = control.request('CWD', '/slow', { timeoutMs: null, signal: controller.signal });
    await once(peer, 'data');
    controller.abort(new Error('the caller left'));
    await assert.rejects(reply, isFtpError('FTP_ABORTED', { category: 'aborted' }));
    // Reused, the session would read this 250 as the answer to its next command.
    assert.equal(control.closed, true);
    await once(client, 'close');
  });

  it('refuses a second wait while one is pending', async (t) => {
    const { control } = await controlPair(t);
    const first = control.nextReply({ timeoutMs: null });
    await assert.rejects(control.nextReply({ timeoutMs: null }), /concurrent reply waits/);
    control.destroy();
    await assert.rejects(first, isFtpError('FTP_CONNECTION_CLOSED'));
  });
});
