// Data methods and the server profile on a real active-only vsftpd
// (pasv_enable=NO: "550 Permission denied." to EPSV and PASV): what each
// method did is recorded, and a method refused with a 5xx is not asked again
// by later sessions, even ones that remember nothing themselves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectFtp, createModeMemory, createServerKnowledge, type FtpConnectOptions } from '../../../../src/ftp/index.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';

describe('data methods in the server profile on an active-only vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { dataModes: 'active-only' });
    writeFileSync(join(ftp.root, 'f.txt'), 'abc');
  });
  after(async () => {
    await ftp?.stop();
  });

  test('refused (550) EPSV and PASV are recorded with the code and skipped by the next session', async () => {
    const profile = createServerKnowledge();
    const login = (): FtpConnectOptions => ({
      host: ftp.host,
      port: ftp.port,
      user: ftp.user,
      password: ftp.password,
      serverKnowledge: profile,
      // A memory of its own per session: only the profile can tell the second session what was refused.
      modeMemory: createModeMemory(),
    });
    const first = await connectFtp(login());
    try {
      assert.ok((await first.list('/')).some((e) => e.name === 'f.txt'));
    } finally {
      await first.quit();
    }
    const snapshot = profile.snapshot();
    assert.equal(snapshot?.dataMethods.EPSV, 'refused');
    assert.equal(snapshot?.dataMethods.PASV, 'refused');
    assert.deepEqual(snapshot?.refusedWith, { EPSV: 550, PASV: 550 });
    assert.equal(snapshot?.dataMethods.EPRT, 'works');
    assert.equal(snapshot?.dataMethods.PORT, 'untried');

    const before = (await ftp.commandLog()).length;
    const second = await connectFtp(login());
    try {
      await second.list('/');
    } finally {
      await second.quit();
    }
    const dataCommands = (await ftp.commandLog())
      .slice(before)
      .filter((c) => /^(EPSV|PASV|EPRT|PORT)\b/.test(c))
      .map((c) => c.split(' ')[0]);
    assert.deepEqual(dataCommands, ['EPRT']);
  });
});
