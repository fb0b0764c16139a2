// Contract v1.1 "Errors" against the real servers that echo the path in a 550
// (proftpd, pure-ftpd): the body's detail is a fixed sentence and ftpCode a
// number; the reply text, the server-side path and any secret (masked or
// not) stay out of the body, and the reply text reaches the log instead.
// Before v1.1 these bodies carried "CWD failed: 550 550 /base/***: No such
// file or directory": a read key could test password guesses by which one
// came back as "***".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSecrets, createLogger } from '../../../src/observability/logging.js';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { assertResponseMatches, findOperation } from '../../helpers/openapiValidator.js';
import {
  chownTree,
  ftpServerConfig,
  gatewayConfig,
  rawRequest,
  startGateway,
  type RawResponse,
  type RunningGateway,
} from '../../helpers/httpHarness.js';

const READ_KEY = 'errors-read-key-5f0e1d';
const WRITE_KEY = 'errors-write-key-9a8b7c';
const WRONG_PASSWORD = 'wrong-password-4e2d19';
/** The gateway's root on the FTP server: a server-side absolute path the caller must never see. */
const ROOT = '/gwroot';

for (const kind of ['proftpd', 'pure-ftpd'] as const) {
  describe(`error bodies carry no server text (${kind})`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let running: RunningGateway | undefined;
    let port = 0;
    const logged: string[] = [];
    const doc = loadOpenApiDocument();

    before(async () => {
      ftp = await borrowFtpServer(kind);
      mkdirSync(join(ftp.root, ROOT.slice(1)));
      writeFileSync(join(ftp.root, ROOT.slice(1), 'here.txt'), 'x');
      chownTree(ftp.root);
      const config = gatewayConfig(
        [
          ftpServerConfig(ftp, { root: { relativeTo: '/', segments: [ROOT.slice(1)] } }),
          ftpServerConfig(ftp, {
            name: 'badlogin',
            password: WRONG_PASSWORD,
            pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 30_000 },
          }),
        ],
        {
          auth: {
            apiKeys: [
              { key: READ_KEY, scope: 'read' },
              { key: WRITE_KEY, scope: 'write' },
            ],
            disabled: false,
          },
        },
      );
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logged.push(chunk.toString('utf8'));
          callback();
        },
      });
      // pure-ftpd delays a refused login by seconds: on a loaded machine that nears /readyz's default 5 s.
      running = await startGateway(config, {
        logger: createLogger('info', sink, { secrets: configSecrets(config) }),
        readyTimeoutMs: 30_000,
      });
      port = running.port;
    });
    after(async () => {
      await running?.close();
      await ftp?.stop();
    });

    async function request(method: string, path: string, key: string): Promise<RawResponse> {
      const res = await rawRequest(port, method, path, { headers: { 'x-api-key': key } });
      if (findOperation(doc, method, path))
        assertResponseMatches(doc, { method, path, status: res.status, headers: res.headers, body: res.body });
      return res;
    }

    /** The v1.1 rule for a body: nothing the FTP server said, no server path, no secret, masked or not. */
    function assertClean(res: RawResponse): void {
      const text = res.text();
      for (const leak of [
        ftp.password,
        encodeURIComponent(ftp.password),
        '***',
        ROOT,
        ftp.root,
        'No such file',
        'such file or directory:',
        '550 550',
      ]) {
        assert.ok(!text.includes(leak), `${JSON.stringify(leak)} in ${text}`);
      }
      assert.equal(res.json<Record<string, unknown>>().ftpMessage, undefined);
    }

    /** Lines logged since `from`, which must never hold the password. */
    function logSince(from: number): string {
      const text = logged.slice(from).join('');
      assert.ok(!text.includes(ftp.password), 'the password reached the log');
      return text;
    }

    // The password and an absolute-looking path in one request path, as a caller testing guesses would send them.
    const probe = (): string => `${encodeURIComponent(ftp.password)}/etc/passwd`;

    test('a missing folder (read key): 404, a fixed detail, ftpCode 550; the reply is in the log', async () => {
      const from = logged.length;
      const res = await request('GET', `/api/v1/servers/default/dirs/${probe()}/`, READ_KEY);
      assert.equal(res.status, 404, res.text());
      const body = res.json<{ code: string; detail: string; ftpCode?: unknown }>();
      assert.equal(body.code, 'FTP_REPLY');
      assert.equal(body.detail, 'no such file or directory');
      assert.equal(body.ftpCode, 550);
      assertClean(res);
      // The same request with a wrong guess gets the very same body.
      const wrong = await request('GET', `/api/v1/servers/default/dirs/not-the-password/etc/passwd/`, READ_KEY);
      assert.deepEqual(wrong.json(), body);
      const log = logSince(from);
      assert.match(log, /"msg":"request failed"/);
      assert.match(log, /"reply":"550 [^"]*No such file or directory/, 'the operator still reads why');
      assert.match(log, /"command":"CWD"/);
    });

    test('a missing file (read key): 404 without server text', async () => {
      const from = logged.length;
      const res = await request('GET', `/api/v1/servers/default/files/${probe()}`, READ_KEY);
      assert.equal(res.status, 404, res.text());
      assert.equal(typeof res.json<{ detail: unknown }>().detail, 'string');
      assertClean(res);
      logSince(from);
    });

    test('deleting a missing file: 404, a fixed detail, ftpCode 550', async () => {
      const from = logged.length;
      const res = await request('DELETE', `/api/v1/servers/default/files/${probe()}`, WRITE_KEY);
      assert.equal(res.status, 404, res.text());
      assert.equal(res.json<{ ftpCode?: unknown }>().ftpCode, 550);
      assertClean(res);
      assert.match(logSince(from), /"reply":"550 [^"]*No such file or directory/);
    });

    test('/readyz names the refused login by its number, the reply text only in the log', async () => {
      const from = logged.length;
      const res = await rawRequest(port, 'GET', '/readyz');
      assert.equal(res.status, 503);
      const servers = res.json<{ servers: Array<{ name: string; ok: boolean; detail?: string }> }>().servers;
      assert.deepEqual(servers, [
        { name: 'default', ok: true },
        { name: 'badlogin', ok: false, detail: 'login refused (530)' },
      ]);
      assert.ok(!res.text().includes(WRONG_PASSWORD));
      const log = logged.slice(from).join('');
      assert.match(log, /"command":"PASS"[^\n]*"reply":"530 [^"]+"[^\n]*"msg":"server not ready"/, 'the operator reads the reply');
      assert.ok(!log.includes(WRONG_PASSWORD) && !log.includes(ftp.password), 'no password in the log');
    });
  });
}
