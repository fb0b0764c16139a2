// The server's root as RFC 1738 and curl read the URL path: below the login
// directory (the PWD after login), absolute only with a first segment %2F.
// A vsftpd without chroot shows the difference: its "/" is the host's, and
// its login directory is the served folder. The gateways are configured
// from URLs, as an operator writes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { startScriptedServer, type ScriptedServer } from '../../helpers/scriptedFtpServer.js';
import {
  chownTree,
  eventually,
  gatewayConfig,
  multipartBody,
  serverConfig,
  startGateway,
  type RunningGateway,
} from '../../helpers/httpHarness.js';

const json = { 'content-type': 'application/json' };
const names = (r: { json<T>(): T }): string[] =>
  r
    .json<{ entries: Array<{ name: string }> }>()
    .entries.map((e) => e.name)
    .sort();

/** A gateway configured by a YAML file of `name: url` pairs. */
async function gatewayFor(urls: Record<string, string>): Promise<RunningGateway> {
  const yaml = `servers:\n${Object.entries(urls)
    .map(([name, url]) => `  ${name}:\n    url: "${url}"\n`)
    .join('')}`;
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', CONFIG_FILE: 'gw.yaml' }, { readFile: () => yaml });
  return startGateway(config);
}

describe('the URL root on a vsftpd without chroot', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  /** A folder outside the login directory, reachable only by an absolute root. */
  let elsewhere: string;
  const count = async (command: RegExp): Promise<number> => (await ftp.commandLog()).filter((c) => command.test(c)).length;
  const pwds = (): Promise<number> => count(/^PWD$/);

  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { chroot: false });
    elsewhere = join(dirname(ftp.root), 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'far.txt'), 'far away');
    writeFileSync(join(ftp.root, 'top.txt'), 'in the login directory');
    mkdirSync(join(ftp.root, 'sub'));
    writeFileSync(join(ftp.root, 'sub', 'inner.txt'), 'in ~/sub');
    chownTree(ftp.root);
    const { uid, gid } = statSync(ftp.root);
    for (const path of [elsewhere, join(elsewhere, 'far.txt')]) chownSync(path, uid, gid);
    const at = `127.0.0.1:${ftp.port}`;
    const login = `${encodeURIComponent(ftp.user)}:${encodeURIComponent(ftp.password)}@${at}`;
    gw = await gatewayFor({
      home: `ftp://${login}/`,
      sub: `ftp://${login}/sub`,
      abs: `ftp://${login}/%2F${elsewhere.slice(1)}`,
      passthrough: `ftp://${at}/sub`,
    });
  });
  after(async () => {
    await gw?.close();
    // Outside the root, which alone is emptied when the loan ends.
    if (elsewhere) rmSync(elsewhere, { recursive: true, force: true });
    await ftp?.stop();
  });

  test('ftp://…/ lists the login directory, not the host\'s "/"', async () => {
    const r = await gw.request('GET', '/api/v1/servers/home/dirs/');
    assert.equal(r.status, 200, r.text());
    assert.deepEqual(names(r), ['sub', 'top.txt']);
    const file = await gw.request('GET', '/api/v1/servers/home/files/top.txt');
    assert.equal(file.text(), 'in the login directory');
  });

  test('ftp://…/sub reads ~/sub', async () => {
    assert.deepEqual(names(await gw.request('GET', '/api/v1/servers/sub/dirs/')), ['inner.txt']);
    const r = await gw.request('GET', '/api/v1/servers/sub/files/inner.txt');
    assert.equal(r.status, 200, r.text());
    assert.equal(r.text(), 'in ~/sub');
  });

  test('ftp://…/%2F<path> reads the absolute path', async () => {
    assert.deepEqual(names(await gw.request('GET', '/api/v1/servers/abs/dirs/')), ['far.txt']);
    assert.equal((await gw.request('GET', '/api/v1/servers/abs/files/far.txt')).text(), 'far away');
  });

  test('writes land below ~/sub, where curl would put them: PUT (atomic, new parents), multipart, mkdir, move', async () => {
    const put = await gw.request('PUT', '/api/v1/servers/sub/files/new/deeper/up.txt', { body: 'uploaded' });
    assert.equal(put.status, 201, put.text());
    assert.equal(readFileSync(join(ftp.root, 'sub', 'new', 'deeper', 'up.txt'), 'utf8'), 'uploaded');
    assert.deepEqual(
      readdirSync(join(ftp.root, 'sub', 'new', 'deeper')),
      ['up.txt'],
      'the temporary name was below ~/sub too, and is gone',
    );

    const { body, contentType } = multipartBody([{ field: 'f', filename: 'part.txt', content: 'multi' }]);
    const post = await gw.request('POST', '/api/v1/servers/sub/files/forms', { body, headers: { 'content-type': contentType } });
    assert.equal(post.status, 201, post.text());
    assert.equal(readFileSync(join(ftp.root, 'sub', 'forms', 'part.txt'), 'utf8'), 'multi');

    assert.equal((await gw.request('POST', '/api/v1/servers/sub/dirs/made/here')).status, 201);
    assert.ok(existsSync(join(ftp.root, 'sub', 'made', 'here')));

    const move = await gw.request('POST', '/api/v1/servers/sub/move', {
      headers: json,
      body: JSON.stringify({ from: 'forms/part.txt', to: 'moved/part.txt' }),
    });
    assert.equal(move.status, 200, move.text());
    assert.equal(readFileSync(join(ftp.root, 'sub', 'moved', 'part.txt'), 'utf8'), 'multi');

    assert.equal((await gw.request('DELETE', '/api/v1/servers/sub/files/moved/part.txt')).status, 204);
    assert.ok(!existsSync(join(ftp.root, 'sub', 'moved', 'part.txt')));
    for (const host of ['/new', '/forms', '/made', '/moved']) assert.ok(!existsSync(host), `nothing written at the host's ${host}`);
  });

  test('the login directory is asked once per pool: an absolute root never, later sessions and requests not again', async () => {
    // A fresh gateway: its pools start empty.
    const at = `127.0.0.1:${ftp.port}`;
    const login = `${encodeURIComponent(ftp.user)}:${encodeURIComponent(ftp.password)}@${at}`;
    const fresh = await gatewayFor({ rel: `ftp://${login}/sub`, abs: `ftp://${login}/%2F${elsewhere.slice(1)}` });
    try {
      let before = await pwds();
      assert.equal((await fresh.request('GET', '/api/v1/servers/abs/files/far.txt')).status, 200);
      assert.equal(await pwds(), before, 'an absolute root needs no PWD');

      before = await pwds();
      assert.equal((await fresh.request('GET', '/api/v1/servers/rel/files/inner.txt')).status, 200);
      assert.equal(await pwds(), before + 1, 'the first session of the pool asks once');
      // Parallel requests open more sessions of the same pool; none asks again.
      const loginsBefore = await count(/^USER /);
      const parallel = await Promise.all(Array.from({ length: 4 }, () => fresh.request('GET', '/api/v1/servers/rel/files/inner.txt')));
      assert.deepEqual(
        parallel.map((r) => r.status),
        [200, 200, 200, 200],
      );
      // A session opened for them may finish logging in after the requests were
      // served by the reused one: wait until the pool holds more than one
      // session, all idle (set up, PWD or not), before counting.
      await eventually(async () => {
        const metrics = (await fresh.request('GET', '/metrics')).text();
        const gauge = (line: RegExp): number => Number(line.exec(metrics)?.[1] ?? NaN);
        const size = gauge(/^ftp_pool_size\{server="rel"\} (\d+)$/m);
        return size > 1 && gauge(/^ftp_pool_sessions\{server="rel",state="idle"\} (\d+)$/m) === size;
      });
      assert.ok((await count(/^USER /)) > loginsBefore, 'more sessions logged in');
      assert.equal(await pwds(), before + 1, 'later sessions and requests reuse it');
    } finally {
      await fresh.close();
    }
  });

  test("pass-through: the caller's credential pool learns its login directory", async () => {
    const basic = `Basic ${Buffer.from(`${ftp.user}:${ftp.password}`).toString('base64')}`;
    const r = await gw.request('GET', '/api/v1/servers/passthrough/files/inner.txt', { headers: { authorization: basic } });
    assert.equal(r.status, 200, r.text());
    assert.equal(r.text(), 'in ~/sub');
  });
});

describe('the URL root against a scripted login directory', () => {
  const servers: ScriptedServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  /** A peer whose PWD answers `pwd`; CWD succeeds (so a listing of a missing folder is not what fails). */
  async function peer(pwd: string): Promise<ScriptedServer> {
    const s = await startScriptedServer((line, reply) => {
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'PWD') reply(pwd);
      else if (verb === 'CWD' || verb === 'TYPE' || verb === 'NOOP') reply('250 OK');
      else reply('502 not implemented');
    });
    servers.push(s);
    return s;
  }

  async function withGateway(s: ScriptedServer, fn: (gw: RunningGateway) => Promise<void>): Promise<void> {
    const root = { relativeTo: 'login', segments: ['sub'] } as const;
    const gw = await startGateway(gatewayConfig([serverConfig({ host: '127.0.0.1', port: s.port, root })]));
    try {
      await fn(gw);
    } finally {
      await gw.close();
    }
  }

  for (const [label, pwd] of [
    ['no quoted path', '257 current directory is /home/bob'],
    ['a path that is not absolute (VMS)', '257 "DISK$USER:[BOB]" is current directory.'],
    ['a refused PWD', '550 PWD not allowed'],
  ] as const) {
    test(`${label}: 502, never a fallback to "/"`, async () => {
      const s = await peer(pwd);
      await withGateway(s, async (gw) => {
        const r = await gw.request('GET', '/api/v1/servers/default/dirs/');
        assert.equal(r.status, 502, r.text());
        assert.ok(!s.received.some((c) => /^CWD /.test(c)), `no path was used: ${s.received.join(' | ')}`);
        const ready = await gw.request('GET', '/readyz');
        assert.equal(ready.status, 503, 'readiness says so too');
      });
    });
  }

  test('a login directory of "/": the relative root is the absolute one', async () => {
    const s = await peer('257 "/" is the current directory');
    await withGateway(s, async (gw) => {
      await gw.request('DELETE', '/api/v1/servers/default/dirs/x/y');
      assert.ok(s.received.includes('CWD /sub/x/y'), s.received.join(' | '));
    });
  });

  test('quotes doubled in the 257 reply are one quote in the path', async () => {
    const s = await peer('257 "/home/say ""hi""" is the current directory');
    await withGateway(s, async (gw) => {
      await gw.request('DELETE', '/api/v1/servers/default/dirs/x');
      assert.ok(s.received.includes('CWD /home/say "hi"/sub/x'), s.received.join(' | '));
    });
  });

  test('a bad path is refused before any login, even while the login directory is unknown', async () => {
    const s = await peer('257 "/home/bob"');
    await withGateway(s, async (gw) => {
      assert.equal((await gw.request('GET', '/api/v1/servers/default/files/a/%2e%2e/b')).status, 400);
      const move = await gw.request('POST', '/api/v1/servers/default/move', {
        headers: json,
        body: JSON.stringify({ from: '../x', to: 'y' }),
      });
      assert.equal(move.status, 400);
      assert.deepEqual(s.received, [], 'nothing reached the FTP server');
    });
  });
});
