// The session's own rules, against a scripted peer: one operation at a time
// (an overlap is the caller's bug and fails fast, naming both; quit waits),
// and a session left out of step destroys itself, so that `usable` alone
// tells the pool whether to reuse it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectFtp, FtpError, type FtpClient } from '../../../src/ftp/index.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../../helpers/scriptedFtpServer.js';

const peers: ScriptedServer[] = [];
after(async () => {
  for (const p of peers) await p.close();
});

/** A logged-in client of a peer that answers NOOP (its pipelining probe too) and PWD, and hands the rest to `script`. */
async function session(script: Script = () => undefined): Promise<{ client: FtpClient; peer: ScriptedServer }> {
  const peer = await startScriptedServer((line, reply, socket) => {
    if (line === 'NOOP') reply('200 ok');
    else if (line === 'PWD') reply('257 "/home" is the current directory');
    else script(line, reply, socket);
  });
  peers.push(peer);
  const client = await connectFtp({ host: '127.0.0.1', port: peer.port, user: 'u', password: 'p', timeouts: { commandMs: 2_000 } });
  return { client, peer };
}

describe('FtpClient: one operation at a time', () => {
  test('an operation asked for while another runs fails at once naming both, sends nothing; the first completes', async () => {
    const { client, peer } = await session((line, reply) => {
      if (line.startsWith('CWD')) setTimeout(() => reply('250 ok'), 100);
    });
    const running = client.cwd('/slow');
    await assert.rejects(client.pwd(), (err: unknown) => {
      assert.ok(err instanceof Error && !(err instanceof FtpError));
      assert.equal(err.name, 'SessionOverlapError');
      assert.match(err.message, /pwd\(\) was asked for while cwd\(\) runs/);
      return true;
    });
    await running;
    assert.ok(!peer.received.includes('PWD'), 'the overlapping operation wrote nothing');
    assert.equal(client.usable, true);
    assert.equal(await client.pwd(), '/home');
    await client.quit();
  });

  test('quit() waits for the operation in progress (the pool may evict a session finishing one)', async () => {
    const { client, peer } = await session((line, reply) => {
      if (line.startsWith('CWD')) setTimeout(() => reply('250 ok'), 100);
    });
    const running = client.cwd('/slow');
    const quitting = client.quit();
    await running;
    await quitting;
    const tail = peer.received.slice(-2);
    assert.deepEqual(tail, ['CWD /slow', 'QUIT']);
    assert.equal(client.usable, false);
  });
});

describe('FtpClient: out of step means destroyed', () => {
  test('a caller that leaves while its reply is due: FTP_ABORTED, and the session is not reused', async () => {
    const { client } = await session(); // never answers CWD
    const controller = new AbortController();
    const waiting = client.cwd('/x', controller.signal);
    setTimeout(() => controller.abort(new Error('client left')), 50);
    await assert.rejects(waiting, (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED');
    assert.equal(client.usable, false);
  });

  test('a caller gone before the command: nothing is sent and the session stays', async () => {
    const { client, peer } = await session((_line, reply) => reply('250 ok'));
    const before = peer.received.length;
    await assert.rejects(client.cwd('/x', AbortSignal.abort()), (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED');
    await assert.rejects(client.stat('/x', AbortSignal.abort()), (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED');
    assert.equal(client.usable, true);
    await client.noop();
    assert.deepEqual(peer.received.slice(before), ['NOOP'], 'only the NOOP after them reached the server');
    await client.quit();
  });

  test('a reply no operation read (a server answering twice) destroys the session when the operation ends', async () => {
    const { client } = await session((line, _reply, socket) => {
      if (line === 'SITE TWICE') socket.write('200 one\r\n200 two\r\n');
    });
    const reply = await client.raw('SITE', 'TWICE');
    assert.equal(reply.code, 200);
    assert.equal(client.usable, false, 'never lent out again with a reply waiting for the next command');
  });

  test('a reply error leaves the session in step and usable', async () => {
    const { client } = await session((_line, reply) => reply('550 No such file or directory'));
    await assert.rejects(
      client.cwd('/missing'),
      (err: unknown) => err instanceof FtpError && err.code === 'FTP_REPLY' && err.category === 'not-found',
    );
    assert.equal(client.usable, true);
    await client.quit();
  });
});
