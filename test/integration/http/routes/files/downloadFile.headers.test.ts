// A file from the FTP server is whatever its uploader made it (an HTML page
// with a script, say): the gateway must never let a browser run it as a page
// of its own origin, where the web UI keeps the caller's API key. Contract
// v1.1: every file response carries `X-Content-Type-Options: nosniff` and
// `Content-Disposition: attachment`, unless `?inline=true`, which sends it
// sandboxed (`Content-Security-Policy: sandbox`); /docs and /ui cannot be
// framed (`frame-ancestors 'none'`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverSkip } from '../../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../../helpers/servers/shared.js';
import { putOnDisk } from '../../../../reliability/harness.js';
import {
  API,
  ftpServerConfig,
  gatewayConfig,
  startGateway,
  type RunningGateway,
  type RawResponse,
} from '../../../../helpers/httpHarness.js';

const PAGE = '<html><script>fetch("/api/v1/servers")</script></html>';

describe('file response headers (vsftpd)', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    await putOnDisk(ftp, 'page.html', PAGE);
    await putOnDisk(ftp, 'résumé.pdf', 'pdf');
    gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)]));
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  const attachment = (r: RawResponse, what: string): void => {
    assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
    assert.equal(r.headers['content-disposition'], 'attachment; filename=page.html', what);
    assert.equal(r.headers['content-security-policy'], undefined, what);
  };

  test('GET, HEAD and a range: nosniff and an attachment', async () => {
    const get = await gw.request('GET', `${API}/files/page.html`);
    assert.equal(get.status, 200);
    assert.equal(get.text(), PAGE);
    assert.match(String(get.headers['content-type']), /^text\/html/);
    attachment(get, 'GET');
    const head = await gw.request('HEAD', `${API}/files/page.html`);
    assert.equal(head.status, 200);
    attachment(head, 'HEAD');
    const part = await gw.request('GET', `${API}/files/page.html`, { headers: { Range: 'bytes=0-5' } });
    assert.equal(part.status, 206);
    attachment(part, '206');
  });

  test('a name that is not plain ASCII: an ASCII filename and the exact one in filename*', async () => {
    const r = await gw.request('GET', `${API}/files/${encodeURIComponent('résumé.pdf')}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-disposition'], `attachment; filename="r?sum?.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
  });

  test('?inline=true: no attachment, and a sandbox instead', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await gw.request(method, `${API}/files/page.html?inline=true`);
      assert.equal(r.status, 200, method);
      assert.equal(r.headers['content-disposition'], undefined, method);
      assert.equal(r.headers['content-security-policy'], 'sandbox', method);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', method);
    }
    attachment(await gw.request('GET', `${API}/files/page.html?inline=false`), 'inline=false');
  });

  test('?inline with a value that is not a boolean: 400', async () => {
    const r = await gw.request('GET', `${API}/files/page.html?inline=yes`);
    assert.equal(r.status, 400);
    assert.equal(r.json<{ code: string }>().code, 'BAD_OPTION');
  });

  test('errors of the file routes: nosniff, and no file headers', async () => {
    const missing = await gw.request('GET', `${API}/files/missing.html`);
    assert.equal(missing.status, 404);
    const unsatisfiable = await gw.request('GET', `${API}/files/page.html`, { headers: { Range: 'bytes=9999-' } });
    assert.equal(unsatisfiable.status, 416);
    for (const r of [missing, unsatisfiable]) {
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['content-disposition'], undefined);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    }
  });

  test("/docs and /ui send a CSP with frame-ancestors 'none'", async () => {
    for (const path of ['/docs/', '/docs/swagger-ui-init.js', '/ui/']) {
      const r = await gw.request('GET', path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-security-policy']), /(^|;\s*)frame-ancestors 'none'(;|$)/, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    }
  });
});
