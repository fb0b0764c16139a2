// Authentication, authorisation, pass-through logins, read-only servers,
// CORS, readiness and shutdown, on a real vsftpd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import { chownTree, ftpServerConfig, gatewayConfig, startGateway, type RunningGateway } from '../../../helpers/httpHarness.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('HTTP auth and access on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    writeFileSync(join(ftp.root, 'f.bin'), 'content');
    chownTree(ftp.root);
    gw = await startGateway(
      gatewayConfig(
        [
          ftpServerConfig(ftp, { name: 'rw' }),
          ftpServerConfig(ftp, { name: 'ro', readOnly: true }),
          ftpServerConfig(ftp, { name: 'pt', user: null, password: null }),
          ftpServerConfig(ftp, { name: 'badlogin', password: 'wrong-password-xyz' }),
        ],
        {
          auth: {
            apiKeys: [
              { key: 'read-key', scope: 'read' },
              { key: 'write-key', scope: 'write' },
            ],
            disabled: false,
          },
          cors: { origins: ['https://app.example.com'] },
        },
      ),
    );
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  test('missing, unknown or query-string key → 401', async () => {
    for (const headers of [
      {},
      { 'x-api-key': 'nope' },
      { authorization: 'Bearer nope' },
      { authorization: basic('read-key', 'x') },
    ] as Array<Record<string, string>>) {
      const r = await gw.request('GET', '/api/v1/servers', { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.json<{ code: string }>().code, 'UNAUTHORIZED');
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    }
    for (const q of ['api_key=write-key', 'apiKey=write-key', 'key=write-key']) {
      assert.equal((await gw.request('GET', `/api/v1/servers?${q}`)).status, 401, q);
    }
  });

  test('read key reads, 403 on a write; write key writes', async () => {
    assert.equal((await gw.request('GET', '/api/v1/servers/rw/files/f.bin', { headers: { 'x-api-key': 'read-key' } })).status, 200);
    assert.equal((await gw.request('GET', '/api/v1/transfers', { headers: { authorization: 'Bearer read-key' } })).status, 200);
    const denied = await gw.request('PUT', '/api/v1/servers/rw/files/w.bin', { headers: { 'x-api-key': 'read-key' }, body: 'x' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json<{ code: string }>().code, 'FORBIDDEN');
    assert.ok(!existsSync(join(ftp.root, 'w.bin')));
    const ok = await gw.request('PUT', '/api/v1/servers/rw/files/w.bin', { headers: { authorization: 'Bearer write-key' }, body: 'x' });
    assert.equal(ok.status, 201);
  });

  test('operations routes need no key', async () => {
    assert.equal((await gw.request('GET', '/healthz')).status, 200);
    const ready = await gw.request('GET', '/readyz');
    assert.equal(ready.status, 503, 'badlogin cannot log in');
    const servers = ready.json<{ servers: Array<{ name: string; ok: boolean; detail?: string }> }>().servers;
    assert.deepEqual(
      servers.map((s) => [s.name, s.ok]),
      [
        ['rw', true],
        ['ro', true],
        ['pt', true],
        ['badlogin', false],
      ],
    );
    // Fixed words and the reply's number; vsftpd's "Login incorrect." only goes to the log.
    assert.equal(servers[3]?.detail, 'login refused (530)');
    assert.ok(!ready.text().includes('wrong-password-xyz'));
    assert.ok(!ready.text().includes('incorrect'));
  });

  test('readOnly server: writes → 403, reads work', async () => {
    const h = { 'x-api-key': 'write-key' };
    assert.equal((await gw.request('GET', '/api/v1/servers/ro/files/f.bin', { headers: h })).status, 200);
    for (const [method, path] of [
      ['PUT', '/files/x.bin'],
      ['DELETE', '/files/f.bin'],
      ['POST', '/dirs/newdir'],
      ['DELETE', '/dirs/x'],
      ['POST', '/move'],
    ] as const) {
      const r = await gw.request(method, `/api/v1/servers/ro${path}`, { headers: h, body: '' });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.json<{ code: string }>().code, 'READ_ONLY');
    }
    assert.ok(existsSync(join(ftp.root, 'f.bin')));
  });

  test('configured login refused by the server → 502, the password never shows', async () => {
    const r = await gw.request('GET', '/api/v1/servers/badlogin/files/f.bin', { headers: { 'x-api-key': 'read-key' } });
    assert.equal(r.status, 502);
    const body = r.json<{ code: string; detail: string; ftpCode?: number }>();
    assert.deepEqual([body.code, body.detail, body.ftpCode], ['FTP_REPLY', 'the FTP server refused the configured login', 530]);
    assert.ok(!r.text().includes('wrong-password-xyz'));
    assert.ok(!r.text().includes('incorrect'), 'no reply text');
  });

  test('pass-through: Basic credentials log in; missing or wrong → 401 with a Basic challenge', async () => {
    const key = { 'x-api-key': 'write-key' };
    const none = await gw.request('GET', '/api/v1/servers/pt/files/f.bin', { headers: key });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Basic /);

    const wrong = await gw.request('GET', '/api/v1/servers/pt/files/f.bin', {
      headers: { ...key, authorization: basic(ftp.user, 'not-the-password') },
    });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Basic /);
    assert.ok(!wrong.text().includes('not-the-password'));
    assert.equal(wrong.json<{ detail: string }>().detail, 'the FTP server refused these credentials');
    assert.equal(wrong.json<{ ftpCode?: number }>().ftpCode, 530);

    const right = await gw.request('GET', '/api/v1/servers/pt/files/f.bin', {
      headers: { ...key, authorization: basic(ftp.user, ftp.password) },
    });
    assert.equal(right.status, 200);
    assert.equal(right.text(), 'content');

    // The wrong password again, after a pooled session exists for the right one: still 401.
    const again = await gw.request('GET', '/api/v1/servers/pt/files/f.bin', {
      headers: { ...key, authorization: basic(ftp.user, 'not-the-password') },
    });
    assert.equal(again.status, 401);
  });

  test('CORS: allowed origin gets the headers and a preflight; others get none', async () => {
    const pre = await gw.request('OPTIONS', '/api/v1/servers/rw/files/f.bin', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-api-key' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(pre.headers['access-control-allow-methods']), /PUT/);
    assert.match(String(pre.headers['access-control-allow-headers']), /x-api-key/i);

    const get = await gw.request('GET', '/api/v1/servers/rw/files/f.bin', {
      headers: { origin: 'https://app.example.com', 'x-api-key': 'read-key' },
    });
    assert.equal(get.headers['access-control-allow-origin'], 'https://app.example.com');
    for (const h of ['Content-Length', 'Content-Range', 'Content-Disposition', 'Accept-Ranges', 'Last-Modified', 'ETag']) {
      assert.match(String(get.headers['access-control-expose-headers']), new RegExp(h));
    }

    const other = await gw.request('GET', '/api/v1/servers/rw/files/f.bin', {
      headers: { origin: 'https://evil.example', 'x-api-key': 'read-key' },
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  test('metrics count transfers per server, and no key or password appears', async () => {
    const r = await gw.request('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text(), /gateway_transfer_bytes_total\{server="rw",direction="download"/);
    for (const secret of ['read-key', 'write-key', ftp.password, 'wrong-password-xyz']) assert.ok(!r.text().includes(secret));
  });
});

describe('HTTP shutdown', serverSkip('vsftpd'), () => {
  test('after beginShutdown: 503 problem+json with Connection: close; close() ends the pools', async () => {
    const ftp = await borrowFtpServer('vsftpd');
    const gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)]));
    try {
      writeFileSync(join(ftp.root, 'a'), 'x');
      assert.equal((await gw.request('GET', '/api/v1/servers/default/files/a')).status, 200);
      // The client can hold the whole body before the 226 settles the transfer.
      assert.equal(await gw.gateway.waitForTransfers(5_000), true);
      gw.gateway.beginShutdown();
      const r = await gw.request('GET', '/api/v1/servers/default/files/a', { headers: { connection: 'keep-alive' } });
      assert.equal(r.status, 503);
      assert.equal(r.headers.connection, 'close');
      assert.equal(r.json<{ code: string }>().code, 'SHUTTING_DOWN');
      assert.equal(gw.gateway.activeTransfers(), 0);
      assert.equal(await gw.gateway.waitForTransfers(10), true);
    } finally {
      await gw.close();
      await ftp.stop();
    }
  });
});
