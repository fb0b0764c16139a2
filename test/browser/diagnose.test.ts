// The web UI's "Diagnose" button in headless Chromium against the real
// gateway and a passive-only vsftpd: one click shows every step as a table
// row, the advice where PORT is refused, and the settings to use; a read key
// gets the problem shown instead.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { serverSkip } from '../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../helpers/servers/index.js';
import { join } from 'node:path';
import { ftpUrl, launchChromium, screenshotDir, startGateway, type RunningGateway } from './harness.js';

const WRITE_KEY = 'diagnose-write-key';
const READ_KEY = 'diagnose-read-key';
const KEY_STORAGE = 'ftp-gateway.apiKey';

describe('web UI: Diagnose on a passive-only vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  let browser: Browser;

  before(async () => {
    ftp = await startFtpServer('vsftpd', { dataModes: 'passive-only' });
    gw = await startGateway({ FTP_URL: ftpUrl(ftp), API_KEYS: `${WRITE_KEY},${READ_KEY}:read` });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await ftp?.stop();
  });

  /** A page signed in with `key` (kept in sessionStorage, as the key dialog does), the root listed. */
  async function pageWithKey(key: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.addInitScript(`sessionStorage.setItem(${JSON.stringify(KEY_STORAGE)}, ${JSON.stringify(key)})`);
    await page.goto(`${gw.base}/ui/`);
    await page.locator('#empty').waitFor({ state: 'visible' });
    return page;
  }

  test('one click: the steps as a table, the advice for the refused PORT, the settings to use', async () => {
    const page = await pageWithKey(WRITE_KEY);
    assert.equal(await page.locator('#diagnosis').isVisible(), false);
    await page.click('#diagnose');
    await page.locator('#diagnosis[data-ok="true"]').waitFor();

    // Page code as a string: the tests are type-checked without the DOM library.
    const rows = await page.evaluate(
      `[...document.querySelectorAll('#diagnosis-steps tr')].map(r => ({ step: r.dataset.step, ok: r.dataset.ok, cells: [...r.children].map(c => c.textContent) }))`,
    );
    const table = rows as Array<{ step: string; ok: string; cells: string[] }>;
    assert.deepEqual(
      table.map((r) => r.step),
      ['connect', 'greeting', 'login', 'SYST', 'FEAT', 'PWD', 'root', 'EPSV', 'PASV', 'EPRT', 'PORT'],
    );
    const login = table.find((r) => r.step === 'login');
    assert.equal(login?.cells[3], `USER ${ftp.user}\nPASS ***`);
    const port = table.find((r) => r.step === 'PORT');
    assert.equal(port?.ok, 'false');
    assert.equal(port?.cells[1], 'failed');
    assert.match(port?.cells[4] ?? '', /^550 Permission denied\./m);
    assert.match(port?.cells[5] ?? '', /use passive mode \(mode: passive\)/);
    assert.equal(table.find((r) => r.step === 'EPSV')?.ok, 'true');
    assert.match((await page.locator('#diagnosis-summary').textContent()) ?? '', /can work with this server/);
    assert.equal(await page.locator('#diagnosis-recommendation').textContent(), 'default:\n  mode: passive');
    await page.screenshot({ path: join(screenshotDir(), 'diagnose.png'), fullPage: true });
    const html = await page.content();
    assert.ok(!html.includes(ftp.password), 'the password is nowhere on the page');
    await page.click('#diagnosis-close');
    assert.equal(await page.locator('#diagnosis').isVisible(), false);
    await page.context().close();
  });

  test('with a read key: the 403 is shown, no table', async () => {
    const page = await pageWithKey(READ_KEY);
    await page.click('#diagnose');
    await page.locator('#error').waitFor({ state: 'visible' });
    assert.match((await page.locator('#error').textContent()) ?? '', /\(403\)/);
    assert.equal(await page.locator('#diagnosis').isVisible(), false);
    await page.context().close();
  });
});
