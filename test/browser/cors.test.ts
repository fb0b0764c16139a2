// CORS as a browser enforces it: a page on another loopback port (another
// origin) uploads with fetch + FormData and downloads the file again. The
// gateway allows one page origin and not the other; for the other, Chromium
// blocks the preflight, fetch rejects with a TypeError, and the upload never
// reaches the FTP server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serverSkip } from '../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../helpers/servers/index.js';
import { ftpKind, ftpUrl, launchChromium, startGateway, startPageServer, type RunningGateway } from './harness.js';

const KEY = 'cors-test-key';
const kind = ftpKind();

/** The web app: upload a file as multipart into the root, then download it. Reports what happened. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>a web app on another origin</title>
<script>
window.roundTrip = async (gateway, key, name, text) => {
  const headers = { 'X-API-Key': key };
  try {
    const form = new FormData();
    form.append('file', new Blob([text], { type: 'text/plain' }), name);
    const up = await fetch(gateway + '/api/v1/servers/default/files', { method: 'POST', body: form, headers });
    const stored = await up.json();
    const down = await fetch(gateway + '/api/v1/servers/default/files/' + encodeURIComponent(name), { headers });
    return {
      ok: true,
      uploadStatus: up.status,
      stored,
      downloadStatus: down.status,
      contentLength: down.headers.get('Content-Length'),
      body: await down.text(),
    };
  } catch (error) {
    return { ok: false, error: error.name };
  }
};
</script>
<p>web app</p>`;

interface RoundTrip {
  ok: boolean;
  error?: string;
  uploadStatus?: number;
  stored?: Array<{ path: string; size: number }>;
  downloadStatus?: number;
  contentLength?: string | null;
  body?: string;
}

describe(`CORS from another origin on ${kind}`, serverSkip(kind), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  let allowed: RunningGateway;
  let other: RunningGateway;
  let browser: Browser;

  before(async () => {
    ftp = await startFtpServer(kind);
    allowed = await startPageServer(PAGE);
    other = await startPageServer(PAGE);
    gw = await startGateway({
      FTP_URL: ftpUrl(ftp),
      API_KEYS: KEY,
      configFile: `cors:\n  origins: ["${allowed.base}", "https://app.example.com"]\n`,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await allowed?.close();
    await other?.close();
    await ftp?.stop();
  });

  async function roundTripFrom(origin: string, name: string, text: string): Promise<RoundTrip> {
    const page: Page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      assert.equal(new URL(page.url()).origin, origin);
      const args = [gw.base, KEY, name, text].map((a) => JSON.stringify(a)).join(', ');
      return (await page.evaluate(`window.roundTrip(${args})`)) as RoundTrip;
    } finally {
      await page.close();
    }
  }

  test('an allowed origin uploads with fetch + FormData and reads the download', async () => {
    const text = 'uploaded from an allowed origin\n';
    const result = await roundTripFrom(allowed.base, 'from-allowed.txt', text);
    assert.deepEqual(result, {
      ok: true,
      uploadStatus: 201,
      stored: [{ path: 'from-allowed.txt', size: text.length }],
      downloadStatus: 200,
      contentLength: String(text.length), // an exposed header
      body: text,
    });
    assert.equal(readFileSync(join(ftp.root, 'from-allowed.txt'), 'utf8'), text);
  });

  test('an origin not in the list is blocked by the browser: fetch rejects, nothing is stored', async () => {
    assert.notEqual(other.base, allowed.base);
    const result = await roundTripFrom(other.base, 'from-other.txt', 'must not arrive');
    assert.deepEqual(result, { ok: false, error: 'TypeError' });
    assert.equal(existsSync(join(ftp.root, 'from-other.txt')), false);
  });
});
