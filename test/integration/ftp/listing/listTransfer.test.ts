// A server's LIST dialect is learned from its listings and remembered in its
// FtpServerKnowledge: SYST is asked once, at the first LIST, to order the
// sniffing; the dialect found is published as a learned fact and tried first
// by every later listing of the server. vsftpd shows it on a real server;
// the scripted peer stands in for a VMS server, which no installable server is.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectFtp,
  createServerKnowledge,
  ftpChannels,
  type FtpConnectOptions,
  type FtpServerEvent,
  type FtpServerKnowledge,
} from '../../../../src/ftp/index.js';
import { eventually } from '../../../helpers/httpHarness.js';
import { publishedDuring } from '../../../helpers/publishedDuring.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import { answerEpsv, startScriptedServer } from '../../../helpers/scriptedFtpServer.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';

/** Dialect facts published while `fn` runs. */
async function learnedDialects(fn: () => Promise<void>): Promise<FtpServerEvent[]> {
  const events = await publishedDuring<FtpServerEvent>(ftpChannels.server, fn);
  return events.filter((e) => e.fact === 'listingDialect');
}

/** Lists `path` in `sessions` sessions one after the other, all sharing `knowledge`. */
async function listInSessions(options: FtpConnectOptions, knowledge: FtpServerKnowledge, sessions: number, path: string) {
  const listings = [];
  for (let i = 0; i < sessions; i++) {
    const client = await connectFtp({ ...options, serverKnowledge: knowledge });
    try {
      listings.push(await client.list(path));
    } finally {
      await client.quit();
    }
  }
  return listings;
}

describe('the listing dialect of vsftpd', serverSkip('vsftpd'), () => {
  test('is learned at the first LIST (SYST asked once), published once, and remembered for the next session', async () => {
    const server = await borrowFtpServer('vsftpd');
    try {
      writeFileSync(join(server.root, 'a.txt'), 'abc');
      const knowledge = createServerKnowledge();
      const login = { host: server.host, port: server.port, user: server.user, password: server.password };
      let listings: Awaited<ReturnType<typeof listInSessions>> = [];
      const events = await learnedDialects(async () => {
        listings = await listInSessions(login, knowledge, 2, server.ftpRoot);
      });
      for (const entries of listings)
        assert.deepEqual(
          entries.map((e) => [e.name, e.type, e.size]),
          [['a.txt', 'file', 3]],
        );
      assert.equal(knowledge.listingDialect, 'unix');
      assert.match(knowledge.system ?? '', /UNIX/);
      assert.deepEqual(
        events.map((e) => [e.host, e.port, e.fact, e.value, e.how]),
        [[server.host, server.port, 'listingDialect', 'unix', 'listing']],
      );
      let log: string[] = [];
      await eventually(async () => (log = await server.commandLog()).filter((c) => c === 'LIST').length === 2);
      assert.equal(log.filter((c) => c === 'SYST').length, 1, log.join(' | '));
    } finally {
      await server.stop();
    }
  });
});

describe('the listing dialect of proftpd', serverSkip('proftpd'), () => {
  test('is mlsd, from its MLSD listings, with no SYST asked (LIST dialects are not needed)', async () => {
    const server = await borrowFtpServer('proftpd');
    try {
      writeFileSync(join(server.root, 'a.txt'), 'abc');
      const knowledge = createServerKnowledge();
      const login = { host: server.host, port: server.port, user: server.user, password: server.password };
      const [entries] = await listInSessions(login, knowledge, 1, server.ftpRoot);
      assert.deepEqual(
        entries?.map((e) => [e.name, e.type, e.size]),
        [['a.txt', 'file', 3]],
      );
      assert.equal(knowledge.listingDialect, 'mlsd');
      let log: string[] = [];
      await eventually(async () => (log = await server.commandLog()).includes('MLSD'));
      assert.equal(log.filter((c) => c === 'SYST').length, 0, log.join(' | '));
    } finally {
      await server.stop();
    }
  });
});

describe('the listing dialect of a VMS server (scripted)', () => {
  const listing =
    'Directory USER1:[TEMP]\r\n\r\n' +
    'UCX$REXECD_STARTUP.LOG;1098\r\n' +
    '                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)\r\n' +
    'DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)\r\n' +
    '\r\nTotal of 2 files, 5/24 blocks.\r\n';

  test('is chosen from the lines, SYST naming it, and kept for the next listing without asking SYST again', async () => {
    const ftp = await startScriptedServer((line, reply) => {
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'SYST') reply('215 VMS');
      else if (verb === 'CWD') reply('250 CWD ok');
      else if (verb === 'TYPE') reply('200 TYPE ok');
      else if (verb === 'EPSV') {
        void answerEpsv(reply).then((data) => {
          reply('150 Opening data connection');
          // In two writes, split inside the two-line entry.
          data.write(listing.slice(0, 40));
          data.end(listing.slice(40), () => reply('226 Transfer complete'));
        });
      } else if (verb !== 'LIST') reply('502 not here');
    });
    try {
      const knowledge = createServerKnowledge();
      const listings = await listInSessions({ host: '127.0.0.1', port: ftp.port, user: 'u', password: 'p' }, knowledge, 2, '/');
      for (const entries of listings) {
        assert.deepEqual(
          entries.map((e) => [e.name, e.type, e.size, e.modifiedAt?.toISOString(), e.modifiedAtPrecision]),
          [
            ['UCX$REXECD_STARTUP.LOG;1098', 'file', null, '2003-02-24T13:17:24.000Z', 'second'],
            ['DATA.DIR', 'directory', null, '1998-06-02T07:32:04.000Z', 'second'],
          ],
        );
      }
      assert.equal(knowledge.listingDialect, 'vms');
      assert.equal(knowledge.system, 'VMS');
      assert.equal(ftp.received.filter((l) => l === 'SYST').length, 1, ftp.received.join(' | '));
    } finally {
      await ftp.close();
    }
  });
});
