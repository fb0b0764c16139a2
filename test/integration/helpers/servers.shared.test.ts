// borrowFtpServer (test/helpers/servers/shared.ts): a suite that asks for a
// server of a kind and options already running in this process borrows it,
// and finds it as a fresh one would be: an empty root, a command log without
// the previous suite's commands. Other options, limits and overlapping loans
// get servers of their own.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../../helpers/httpHarness.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { RawFtpControl } from '../../helpers/servers/rawFtp.js';
import { borrowFtpServer, sharedServersStarted } from '../../helpers/servers/shared.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';

async function noop(server: RunningFtpServer): Promise<void> {
  const session = await RawFtpControl.connect(server.port);
  assert.equal((await session.login(server.user, server.password)).code, 230);
  assert.equal((await session.send('NOOP')).code, 200);
  session.close();
  await eventually(async () => (await server.commandLog()).includes('NOOP'));
}

describe('borrowFtpServer', serverSkip('vsftpd'), () => {
  it('lends the running server for equal options, with an empty root and a command log of its own', async () => {
    const startedBefore = sharedServersStarted();
    const first = await borrowFtpServer('vsftpd', { passivePorts: 64, ascii: false });
    writeFileSync(join(first.root, 'left-behind.txt'), 'x');
    await noop(first);
    const port = first.port;
    await first.stop();

    // The same options, in another order.
    const second = await borrowFtpServer('vsftpd', { ascii: false, passivePorts: 64 });
    try {
      assert.equal(second.port, port);
      assert.equal(sharedServersStarted(), startedBefore + 1);
      assert.equal(existsSync(join(second.root, 'left-behind.txt')), false);
      assert.deepEqual(await second.commandLog(), []);
      await noop(second);
      assert.ok((await second.commandLog()).includes(`USER ${second.user}`));
    } finally {
      await second.stop();
    }
  });

  it('empties the root of names that are not UTF-8 too', async () => {
    const options = { passivePorts: 63 };
    const first = await borrowFtpServer('vsftpd', options);
    writeFileSync(Buffer.from(join(first.root, 'caf\xe9.txt'), 'latin1'), 'latin1 name');
    mkdirSync(join(first.root, 'sub'));
    writeFileSync(join(first.root, 'sub', 'f.txt'), 'x');
    await first.stop();
    const second = await borrowFtpServer('vsftpd', options);
    try {
      assert.equal(second.root, first.root, 'the same server, lent again');
      assert.deepEqual(readdirSync(second.root), []);
    } finally {
      await second.stop();
    }
  });

  it('starts another server for other options, a client limit, or a loan still running', async () => {
    const plain = await borrowFtpServer('vsftpd');
    const passiveOnly = await borrowFtpServer('vsftpd', { dataModes: 'passive-only' });
    const overlapping = await borrowFtpServer('vsftpd');
    const limited = await borrowFtpServer('vsftpd', { maxClients: 3 });
    try {
      const ports = [plain, passiveOnly, overlapping, limited].map((s) => s.port);
      assert.equal(new Set(ports).size, 4, `ports ${ports.join(', ')}`);
    } finally {
      for (const server of [plain, passiveOnly, overlapping, limited]) await server.stop();
    }
    // The limited one was the caller's alone: stopped, not kept.
    await assert.rejects(RawFtpControl.connect(limited.port));
  });
});
