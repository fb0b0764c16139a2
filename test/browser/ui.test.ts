// The web UI at /ui in headless Chromium against the real gateway and a real
// FTP server, with API keys configured: the page must ask for a key, then
// upload (file input and drag-and-drop), list, download, rename, delete,
// create and enter a folder, and show problem+json errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { serverSkip } from '../helpers/requireServers.js';
import { startFtpServer, type RunningFtpServer } from '../helpers/servers/index.js';
import { ftpKind, ftpUrl, launchChromium, screenshotDir, startGateway, type RunningGateway } from './harness.js';

const KEY = 'ui-test-write-key';
const KEY_STORAGE = 'ftp-gateway.apiKey';
const README_SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '../../docs/ui-screenshot.png');
const kind = ftpKind();

describe(`web UI on ${kind}`, serverSkip(kind), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  const one = randomBytes(300 * 1024 + 17); // several upload progress events
  const two = Buffer.from('dropped by drag and drop\n'.repeat(40));

  before(async () => {
    ftp = await startFtpServer(kind);
    gw = await startGateway({ FTP_URL: ftpUrl(ftp), API_KEYS: `${KEY},read-only-key:read` });
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 720 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (dialog) => void dialog.accept()); // confirm() before a delete
    shots = screenshotDir();
  });
  after(async () => {
    await browser?.close();
    await gw?.close();
    await ftp?.stop();
  });

  const row = (name: string) => page.locator(`#entries tr[data-name="${name}"]`);

  test('asks for an API key on 401, asks again after a wrong one, keeps it in sessionStorage only', async () => {
    await page.goto(`${gw.base}/ui`);
    assert.equal(new URL(page.url()).pathname, '/ui/', '/ui redirects to /ui/ so relative assets resolve');
    await page.locator('#key-dialog').waitFor({ state: 'visible' });

    await page.fill('#api-key', 'not-a-key');
    await page.click('#key-ok');
    // The retry gets 401 again: the dialog comes back.
    await page.waitForFunction(
      `sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)}) === 'not-a-key' && document.getElementById('key-dialog').open`,
    );

    await page.fill('#api-key', KEY);
    await page.click('#key-ok');
    await page.locator('#empty').waitFor({ state: 'visible' }); // the root listing arrived (empty folder)
    assert.equal(await page.locator('#server').inputValue(), 'default');
    const stored: unknown = await page.evaluate(
      `({ session: sessionStorage.getItem(${JSON.stringify(KEY_STORAGE)}), local: localStorage.length, cookie: document.cookie })`,
    );
    assert.deepEqual(stored, { session: KEY, local: 0, cookie: '' });
  });

  test('uploads one file through the file input and one by drag-and-drop, lists both with sizes', async () => {
    await page.setInputFiles('#file-input', { name: 'one.bin', mimeType: 'application/octet-stream', buffer: one });
    await row('one.bin').waitFor();
    await page.locator('#transfers li[data-name="one.bin"][data-state="done"]').waitFor();

    // A synthetic drop: a DataTransfer holding a File, as a real drag from the desktop delivers it.
    // (Page code as a string: the tests are type-checked without the DOM library.)
    await page.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File([${JSON.stringify(two.toString('utf8'))}], 'two.txt', { type: 'text/plain' }));
      const zone = document.getElementById('drop-zone');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
    await row('two.txt').waitFor();
    await page.locator('#transfers li[data-name="two.txt"][data-state="done"]').waitFor();

    assert.equal(await row('one.bin').locator('[data-size]').getAttribute('data-size'), String(one.length));
    assert.equal(await row('two.txt').locator('[data-size]').getAttribute('data-size'), String(two.length));
    // Shown human-readable: 1000 B and 300.0 KiB.
    assert.equal(await row('two.txt').locator('[data-size]').textContent(), `${two.length} B`);
    assert.equal(await row('one.bin').locator('[data-size]').textContent(), `${(one.length / 1024).toFixed(1)} KiB`);
    // The progress bar of a finished upload is full.
    const bar = page.locator('#transfers li[data-name="one.bin"] progress');
    const [value, max] = await Promise.all([
      bar.evaluate((p) => Number(p.getAttribute('value'))),
      bar.evaluate((p) => Number(p.getAttribute('max'))),
    ]);
    assert.equal(value, one.length);
    assert.equal(max, one.length);
    // What the FTP server stored is what the browser sent.
    assert.ok(readFileSync(join(ftp.root, 'one.bin')).equals(one));
    assert.ok(readFileSync(join(ftp.root, 'two.txt')).equals(two));

    await page.screenshot({ path: join(shots, 'ui-uploaded.png'), fullPage: true });
    mkdirSync(dirname(README_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: README_SCREENSHOT });
  });

  test('downloads a file with the key and saves the same bytes', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row('one.bin').getByRole('button', { name: 'Download one.bin' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'one.bin');
    const path = await download.path();
    assert.ok(readFileSync(path).equals(one));
  });

  test('rename moves the file; a rename onto an existing name shows the 409 problem', async () => {
    await row('two.txt').getByRole('button', { name: 'Rename two.txt' }).click();
    await page.fill('#rename-to', 'renamed.txt');
    await page.click('#rename-ok');
    await row('renamed.txt').waitFor();
    assert.equal(await row('two.txt').count(), 0);
    assert.ok(existsSync(join(ftp.root, 'renamed.txt')));

    await row('renamed.txt').getByRole('button', { name: 'Rename renamed.txt' }).click();
    await page.fill('#rename-to', 'one.bin');
    await page.click('#rename-ok');
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match((await alert.textContent()) ?? '', /\(409\)/);
    assert.ok(readFileSync(join(ftp.root, 'one.bin')).equals(one), 'the target was not overwritten');
    await page.screenshot({ path: join(shots, 'ui-error.png'), fullPage: true });
  });

  test('deletes a file after confirmation', async () => {
    await row('renamed.txt').getByRole('button', { name: 'Delete renamed.txt' }).click();
    await row('renamed.txt').waitFor({ state: 'detached' });
    assert.ok(!existsSync(join(ftp.root, 'renamed.txt')));
    assert.ok(existsSync(join(ftp.root, 'one.bin')));
  });

  test('creates a folder, enters it and uploads there in active mode', async () => {
    await page.fill('#mkdir-name', 'reports');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#entries tr[data-name="reports"][data-type="directory"]').waitFor();
    await row('reports').getByRole('button', { name: 'reports/' }).click();
    await page.locator('#crumbs [aria-current="page"]').filter({ hasText: 'reports' }).waitFor();
    await page.locator('#empty').waitFor({ state: 'visible' });

    await page.selectOption('#mode', 'active');
    await page.selectOption('#type', 'binary');
    await page.setInputFiles('#file-input', { name: 'inside.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
    await row('inside.csv').waitFor();
    assert.equal(readFileSync(join(ftp.root, 'reports', 'inside.csv'), 'utf8'), 'a,b\n1,2\n');
    const log = await ftp.commandLog();
    if (log.length > 0)
      assert.ok(
        log.some((line) => /^(EPRT|PORT) /.test(line)),
        'the upload used an active data connection',
      );
    await page.screenshot({ path: join(shots, 'ui-folder.png'), fullPage: true });
  });
});
