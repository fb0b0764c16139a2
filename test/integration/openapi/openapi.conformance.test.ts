/**
 * A tour of every route of the real gateway (createGateway over each FTP
 * server on loopback: ftp-srv, vsftpd, pure-ftpd, proftpd), each response checked against the OpenAPI
 * document: status documented, required headers present and well-formed,
 * media type documented, JSON body valid against its schema.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../src/config/index.js';
import { createGateway } from '../../../src/http/index.js';
import type { Gateway } from '../../../src/http/index.js';
import { createLogger } from '../../../src/observability/logging.js';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import { assertResponseMatches } from '../../helpers/openapiValidator.js';
import { ALL_SERVER_KINDS } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { chownTree } from '../../helpers/httpHarness.js';

const doc = loadOpenApiDocument();
const S = '/api/v1/servers/default';
const json = { 'content-type': 'application/json' };

for (const kind of ALL_SERVER_KINDS)
  describe(`the app answers as the OpenAPI document says (${kind})`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let gateway: Gateway;
    let server: Server;
    let base = '';
    const logged: string[] = [];

    before(async () => {
      ftp = await borrowFtpServer(kind);
      writeFileSync(join(ftp.root, 'a.bin'), Buffer.alloc(100, 7));
      writeFileSync(join(ftp.root, 'note.txt'), 'hello\nworld\n');
      mkdirSync(join(ftp.root, 'sub'));
      writeFileSync(join(ftp.root, 'sub', 'x.txt'), 'x');
      chownTree(ftp.root); // the Debian servers run sessions as the test user
      const config = loadConfig({ FTP_URL: ftp.url(), HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' }, { readFile: () => '' });
      // Debug level: the FTP conversation (USER/PASS included) goes through the logger too.
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logged.push(chunk.toString('utf8'));
          callback();
        },
      });
      gateway = await createGateway(config, createLogger('debug', sink));
      server = gateway.app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await ftp.stop();
    });

    /** Sends the request, checks the response against the document, returns its status. */
    async function call(
      method: string,
      path: string,
      init: Pick<RequestInit, 'body'> & { headers?: Record<string, string> } = {},
    ): Promise<number> {
      const res = await fetch(base + path, { method, redirect: 'manual', ...init });
      const body = Buffer.from(await res.arrayBuffer());
      assertResponseMatches(doc, { method, path, status: res.status, headers: res.headers, body: method === 'HEAD' ? undefined : body });
      return res.status;
    }

    it('operations routes', async () => {
      assert.equal(await call('GET', '/healthz'), 200);
      assert.equal(await call('GET', '/readyz'), 200);
      assert.equal(await call('GET', '/metrics'), 200);
      assert.equal(await call('GET', '/openapi.json'), 200);
      assert.equal(await call('GET', '/docs'), 301);
      assert.equal(await call('GET', '/docs/'), 200);
    });

    it('servers, transfers and listings', async () => {
      assert.equal(await call('GET', '/api/v1/servers'), 200);
      assert.equal(await call('GET', '/api/v1/transfers'), 200);
      assert.equal(await call('GET', `${S}/dirs`), 200);
      assert.equal(await call('GET', `${S}/dirs/`), 200);
      assert.equal(await call('GET', `${S}/dirs/sub?mode=passive`), 200);
      assert.equal(await call('GET', `${S}/dirs/a.bin`), 409);
      assert.equal(await call('GET', `${S}/dirs/missing`), 404);
      assert.equal(await call('GET', '/api/v1/servers/nope/dirs/'), 404);
    });

    it('downloads: whole, HEAD, ranges, ASCII, errors', async () => {
      assert.equal(await call('GET', `${S}/files/a.bin`), 200);
      assert.equal(await call('HEAD', `${S}/files/a.bin`), 200);
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { Range: 'bytes=10-19' } }), 206);
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { Range: 'bytes=-5' } }), 206);
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { Range: 'bytes=1000-' } }), 416);
      assert.equal(await call('GET', `${S}/files/note.txt?type=ascii&eol=crlf`), 200);
      assert.equal(await call('HEAD', `${S}/files/note.txt?type=ascii`), 200);
      assert.equal(await call('GET', `${S}/files/sub`), 409);
      assert.equal(await call('GET', `${S}/files`), 409);
      assert.equal(await call('GET', `${S}/files/missing`), 404);
      assert.equal(await call('GET', `${S}/files/a.bin?mode=sideways`), 400);
    });

    it('conditional requests: 304 and 412', async () => {
      const head = await fetch(`${base}${S}/files/a.bin`, { method: 'HEAD' });
      const tag = head.headers.get('etag');
      assert.ok(tag, 'every server here reports size and modification time');
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { 'If-None-Match': tag } }), 304);
      assert.equal(await call('HEAD', `${S}/files/a.bin`, { headers: { 'If-None-Match': '*' } }), 304);
      const lastModified = head.headers.get('last-modified') ?? '';
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { 'If-Modified-Since': lastModified } }), 304);
      assert.equal(await call('GET', `${S}/files/a.bin`, { headers: { 'If-Match': '"0-0"' } }), 412);
      assert.equal(await call('PUT', `${S}/files/a.bin`, { body: 'x', headers: { 'If-Match': '"0-0"' } }), 412);
      assert.equal(await call('DELETE', `${S}/files/a.bin`, { headers: { 'If-Match': '"0-0"' } }), 412);
    });

    it('uploads: raw, conditional, multipart, into the root', async () => {
      assert.equal(await call('PUT', `${S}/files/new/deep/up.bin`, { body: Buffer.alloc(50, 1) }), 201);
      assert.equal(await call('PUT', `${S}/files/new/deep/up.bin`, { body: 'x', headers: { 'If-None-Match': '*' } }), 412);
      assert.equal(await call('PUT', `${S}/files/other/up.bin?mkdirs=false`, { body: 'x' }), 404);
      assert.equal(await call('PUT', `${S}/files/new/deep/up.bin?append=true&atomic=false`, { body: 'more' }), 201);
      const form = new FormData();
      form.append('f1', new Blob(['one']), 'one.txt');
      form.append('any-name', new Blob(['two']), 'two.txt');
      form.append('note', 'no filename: ignored');
      assert.equal(await call('POST', `${S}/files/uploads`, { body: form }), 201);
      const root = new FormData();
      root.append('f', new Blob(['r']), 'root.txt');
      assert.equal(await call('POST', `${S}/files`, { body: root }), 201);
      assert.equal(await call('PUT', `${S}/files`, { body: 'x' }), 409);
    });

    it('directories, move and delete', async () => {
      assert.equal(await call('POST', `${S}/dirs/made/here`), 201);
      assert.equal(await call('POST', `${S}/dirs`), 400);
      assert.equal(await call('DELETE', `${S}/dirs`), 400);
      assert.equal(await call('PUT', `${S}/files/full/f.txt`, { body: 'f' }), 201);
      assert.equal(await call('DELETE', `${S}/dirs/full`), 409);
      assert.equal(await call('DELETE', `${S}/dirs/full?recursive=true`), 204);
      const move = (body: string): Promise<number> => call('POST', `${S}/move`, { body, headers: json });
      assert.equal(await move(JSON.stringify({ from: 'a.bin', to: 'moved/a.bin' })), 200);
      assert.equal(await move(JSON.stringify({ from: 'note.txt', to: 'moved/a.bin' })), 409);
      assert.equal(await move(JSON.stringify({ from: 'note.txt', to: 'moved/a.bin', overwrite: true })), 200);
      assert.equal(await move(JSON.stringify({ from: '../x', to: 'y' })), 400);
      assert.equal(await move('{not json'), 400);
      assert.equal(await call('DELETE', `${S}/files/moved/a.bin`), 204);
      assert.equal(await call('DELETE', `${S}/files/sub`), 409);
      assert.equal(await call('DELETE', `${S}/files`), 409);
    });

    it('counts the tour in /metrics and leaks the FTP password into neither metrics nor logs', async () => {
      const res = await fetch(`${base}/metrics`);
      const text = await res.text();
      assert.match(text, /^gateway_transfer_bytes_total\{server="default",direction="download",[^}]*\} [1-9]/m);
      assert.match(text, /^gateway_transfer_bytes_total\{server="default",direction="upload",[^}]*\} [1-9]/m);
      assert.match(text, /^ftp_replies_total\{code="230"\} [1-9]/m);
      assert.match(text, /^http_requests_total\{method="GET",route="\/api\/v1\/servers\/:server\/files\{\/\*path\}",status="206"\} 2$/m);
      assert.match(text, /^ftp_pool_sessions\{server="default",state="idle"\} \d+$/m);
      const logs = logged.join('');
      assert.match(logs, /"msg":"ftp command"/);
      assert.match(logs, /PASS \*\*\*\*/);
      for (const output of [text, logs]) {
        assert.ok(!output.includes(ftp.password), 'FTP password leaked');
        assert.ok(!output.includes(encodeURIComponent(ftp.password)), 'FTP password leaked (encoded)');
      }
    });
  });
