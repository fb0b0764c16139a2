// The web UI's live view in headless Chromium (contract v1.1 "Events"): with
// "Watch this folder" ticked, the page shows the current folder's events as
// they happen. Without credentials it reads them through an EventSource;
// with an API key (which an EventSource cannot send) through fetch. A real
// FTP server and the gateway as main.ts starts it (loadConfig: the watched
// server polls every 1000 ms, the contract's minimum).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serverSkip } from '../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../helpers/servers/index.js';
import { ftpKind, ftpUrl, launchChromium, screenshotDir, startGateway, type RunningGateway } from './harness.js';

const KEY = 'ui-events-key';
const kind = ftpKind();

describe(`web UI live events on ${kind}`, serverSkip(kind), () => {
  let ftp: RunningFtpServer;
  let open: RunningGateway;
  let keyed: RunningGateway;
  let browser: Browser;
  let shots: string;

  /** A file written as the FTP user would own it, so the server lists it like any other. */
  function put(path: string, content: string): void {
    const file = join(ftp.root, path);
    writeFileSync(file, content);
    const { uid, gid } = statSync(ftp.root);
    chownSync(file, uid, gid);
  }

  before(async () => {
    ftp = await startFtpServer(kind);
    mkdirSync(join(ftp.root, 'inbox'));
    const { uid, gid } = statSync(ftp.root);
    chownSync(join(ftp.root, 'inbox'), uid, gid);
    // The same FTP server once more under a name whose watch polls every second.
    const configFile = `servers:\n  live:\n    url: "${ftpUrl(ftp)}"\n    watch: { pollMs: 1000 }\n`;
    open = await startGateway({ FTP_URL: ftpUrl(ftp), configFile });
    keyed = await startGateway({ FTP_URL: ftpUrl(ftp), configFile, API_KEYS: KEY });
    browser = await launchChromium();
    shots = screenshotDir();
  });
  after(async () => {
    await browser?.close();
    await open?.close();
    await keyed?.close();
    await ftp?.stop();
  });

  async function watchLive(page: Page, base: string): Promise<void> {
    await page.goto(`${base}/ui/`);
    await page.locator('#server option[value="live"]').waitFor({ state: 'attached' });
    await page.selectOption('#server', 'live');
    await page.locator('#entries tr[data-name="inbox"]').waitFor();
    await page.locator('#entries tr[data-name="inbox"] button', { hasText: 'inbox' }).first().click();
    await page.locator('#crumbs li', { hasText: 'inbox' }).waitFor();
    await page.check('#live-toggle');
    await page.locator('#live-status', { hasText: 'watching /inbox' }).waitFor();
  }

  test('without credentials: an EventSource shows created and deleted files of the current folder', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.setDefaultTimeout(15_000);
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/events/')) streams.push(`${request.resourceType()} ${new URL(request.url()).pathname}`);
    });
    await watchLive(page, open.base);
    put('inbox/report-1.csv', 'a,b\n1,2\n');
    await page.locator('#live-events li[data-event="created"]', { hasText: 'report-1.csv' }).waitFor();
    await page.locator('#entries tr[data-name="report-1.csv"]').waitFor(); // the listing followed
    rmSync(join(ftp.root, 'inbox', 'report-1.csv'));
    await page.locator('#live-events li[data-event="deleted"]', { hasText: 'report-1.csv' }).waitFor();
    await page.screenshot({ path: join(shots, 'live-events.png'), fullPage: true });
    assert.deepEqual(streams, ['eventsource /api/v1/servers/live/events/inbox']);
    // Unticked: the stream is closed and the list cleared.
    await page.uncheck('#live-toggle');
    assert.equal(await page.locator('#live-events li').count(), 0);
    await page.close();
  });

  test('with an API key: the same view through fetch, the key in a header', async () => {
    const context = await browser.newContext();
    await context.addInitScript(`sessionStorage.setItem('ftp-gateway.apiKey', ${JSON.stringify(KEY)})`);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/events/')) streams.push(`${request.resourceType()} ${request.headers()['x-api-key'] ?? 'no key'}`);
    });
    await watchLive(page, keyed.base);
    put('inbox/report-2.csv', 'x\n');
    await page.locator('#live-events li[data-event="created"]', { hasText: 'report-2.csv' }).waitFor();
    assert.deepEqual(streams, [`fetch ${KEY}`]);
    await context.close();
  });
});
