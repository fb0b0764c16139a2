// Swagger UI at /docs in headless Chromium: "Try it out" on the root listing
// runs a real request through the gateway to a real FTP server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chownTree } from '../helpers/httpHarness.js';
import { serverSkip } from '../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../helpers/servers/index.js';
import { ftpKind, ftpUrl, launchChromium, screenshotDir, startGateway, type RunningGateway } from './harness.js';

const kind = ftpKind();

describe(`Swagger UI on ${kind}`, serverSkip(kind), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ftp = await startFtpServer(kind);
    writeFileSync(join(ftp.root, 'listed-by-swagger.txt'), 'hello');
    chownTree(ftp.root);
    // No API keys on loopback: the documented operations run as they are.
    gw = await startGateway({ FTP_URL: ftpUrl(ftp) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await ftp?.stop();
  });

  test('"Try it out" on the root listing gets a 200 with the folder entries', async () => {
    // The page runs under a Content-Security-Policy: nothing it needs may be refused.
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${gw.base}/docs`);
    assert.equal(new URL(page.url()).pathname, '/docs/');
    // Swagger UI names each operation block operations-{tag}-{operationId}.
    const block = page.locator('#operations-dirs-listRootDir');
    await block.locator('.opblock-summary').first().click();
    await block.getByRole('button', { name: 'Try it out' }).click();
    await block.locator('tr[data-param-name="server"] input').fill('default');
    await block.getByRole('button', { name: 'Execute' }).click();

    const status = block.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    assert.equal((await status.textContent())?.trim(), '200');
    const body = await block.locator('.live-responses-table .response-col_description pre').first().textContent();
    const listing = JSON.parse(body ?? '') as { entries: Array<{ name: string; size: number | null }> };
    assert.deepEqual(
      listing.entries.map((e) => [e.name, e.size]),
      [['listed-by-swagger.txt', 5]],
    );
    await page.screenshot({ path: join(screenshotDir(), 'docs-try-it-out.png'), fullPage: true });
    assert.deepEqual(refused, []);
  });
});
