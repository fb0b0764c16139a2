// The stat probe reads what the server's profile learned: ftp-srv answers
// SIZE for directories too, which is found out by one "SIZE /" per server,
// not one per session (it used to be asked by every session).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectFtp, createServerKnowledge, type FtpConnectOptions } from '../../../src/ftp/index.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../../helpers/servers/index.js';

describe('stat and the server profile on ftp-srv', serverSkip('ftp-srv'), () => {
  let ftp: RunningFtpServer;
  before(async () => {
    ftp = await startFtpServer('ftp-srv');
    mkdirSync(join(ftp.root, 'dir'));
    writeFileSync(join(ftp.root, 'f.txt'), 'abc');
  });
  after(async () => {
    await ftp?.stop();
  });

  test('SIZE on directories is learned once per server, then every session asks CWD first without asking again', async () => {
    const profile = createServerKnowledge();
    const login: FtpConnectOptions = { host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password, serverKnowledge: profile };
    const before = (await ftp.commandLog()).length;
    for (let i = 0; i < 3; i++) {
      const client = await connectFtp(login);
      try {
        assert.equal((await client.stat('/dir'))?.type, 'directory');
        const file = await client.stat('/f.txt');
        assert.equal(file?.type, 'file');
        assert.equal(file?.size, 3);
      } finally {
        await client.quit();
      }
    }
    assert.equal(profile.facts.sizeOnDirectories, true);
    const sizeOfRoot = (await ftp.commandLog()).slice(before).filter((c) => c === 'SIZE /');
    assert.equal(sizeOfRoot.length, 1, 'one SIZE / for three sessions');
  });
});
