// Webhook watches (contract v1.1 "Events", config `watches`) end to end: a
// real vsftpd folder, the gateway as production starts it, and a local
// receiver that checks the signature over the raw body. A receiver that
// fails for some files gets them again after the retries (backoff), a file
// it never takes is given up after `retries` and counted, and neither the
// secret nor a token in the URL ever reaches the log. With `claim: true` the
// delivery goes through the injected claim step (a recording fake here; the
// real claims across replicas are in webhookClaims.test.ts): acked on a 2xx,
// released after the last failure, skipped when another consumer has the file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { WebhookWatchConfig } from '../../../../src/config/index.js';
import type { ClaimPlace, ClaimStep } from '../../../../src/gateway/webhooks/webhookWatches.js';
import { configSecrets, createLogger } from '../../../../src/observability/logging.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { chownTree, eventually, ftpServerConfig, gatewayConfig, startGateway, type RunningGateway } from '../../../helpers/httpHarness.js';

const SECRET = 'whsec-0123456789abcdef-test';
const URL_TOKEN = 'tok3n-in-the-query-string';

interface Delivery {
  body: string;
  signature: string | undefined;
  valid: boolean;
  json: { id: string; event: string; server: string; path: string; name: string; size: number | null; modifiedAt: string | null };
}

/** A receiver that checks each signature and answers 500 to the first `failures(name)` attempts at a name. */
async function startReceiver(failures: (name: string) => number) {
  const deliveries: Delivery[] = [];
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['x-ftp-gateway-signature'];
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
      const got = Buffer.from(typeof header === 'string' ? header : '');
      const valid = got.length === expected.length && timingSafeEqual(got, expected);
      const json = JSON.parse(raw.toString('utf8')) as Delivery['json'];
      deliveries.push({ body: raw.toString('utf8'), signature: typeof header === 'string' ? header : undefined, valid, json });
      const n = (attempts.get(json.name) ?? 0) + 1;
      attempts.set(json.name, n);
      res.statusCode = !valid ? 401 : n <= failures(json.name) ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/ftp?token=${URL_TOKEN}`,
    deliveries,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('webhook watches on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let claiming: RunningGateway;
  const logged: string[] = [];
  const claimCalls: string[] = [];
  /** Claims as the claims module would make them, recorded; a name starting with "taken" is another consumer's. */
  const fakeClaims: ClaimStep = {
    async claim(place: ClaimPlace, file, leaseMs) {
      claimCalls.push(`claim ${place.server} ${place.folder.join('/')} ${file.name} ${file.size} lease ${leaseMs}`);
      if (file.name.startsWith('taken')) return null;
      const id = `c-${file.name}`;
      return {
        id,
        path: `${place.folder.join('/')}/.claims/${id}/${file.name}`,
        name: file.name,
        size: file.size,
        modifiedAt: file.modifiedAt,
      };
    },
    async ack(place: ClaimPlace, id: string) {
      claimCalls.push(`ack ${place.folder.join('/')} ${id}`);
    },
    async release(place: ClaimPlace, id: string) {
      claimCalls.push(`release ${place.folder.join('/')} ${id}`);
    },
  };

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    mkdirSync(join(ftp.root, 'inbox'));
    mkdirSync(join(ftp.root, 'queue'));
    writeFileSync(join(ftp.root, 'inbox', 'already-there.xml'), 'x');
    chownTree(ftp.root);
    receiver = await startReceiver((name) => (name.startsWith('flaky') ? 2 : name.startsWith('never') ? Number.POSITIVE_INFINITY : 0));
    const watch: WebhookWatchConfig = {
      server: 'default',
      path: 'inbox',
      segments: ['inbox'],
      pattern: '*.xml',
      stableMs: 300,
      url: receiver.url,
      secret: SECRET,
      claim: false,
      retries: 3,
      retryBaseMs: 100,
      timeoutMs: 5_000,
    };
    const config = gatewayConfig([ftpServerConfig(ftp, { mode: 'passive', watch: { pollMs: 150 } })], { watches: [watch] });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logged.push(chunk.toString('utf8'));
        callback();
      },
    });
    gw = await startGateway(config, { logger: createLogger('debug', sink, { secrets: configSecrets(config) }) });
    const claimed = gatewayConfig([ftpServerConfig(ftp, { mode: 'passive', watch: { pollMs: 150 } })], {
      watches: [{ ...watch, path: 'queue', segments: ['queue'], claim: true, retries: 1 }],
    });
    claiming = await startGateway(claimed, { claims: fakeClaims });
  });
  after(async () => {
    await claiming?.close();
    await gw?.close();
    await receiver?.close();
    await ftp?.stop();
  });

  const deliveredOk = (name: string): boolean =>
    receiver.deliveries.some((d) => d.json.name === name && d.valid) && (receiver.attempts.get(name) ?? 0) > 0;

  test('each stable file is POSTed once, signed over the raw body; files there at startup too; the pattern holds', async () => {
    writeFileSync(join(ftp.root, 'inbox', 'good.xml'), 'hello');
    writeFileSync(join(ftp.root, 'inbox', 'skipped.txt'), 'not xml');
    chownTree(ftp.root);
    await eventually(() => deliveredOk('good.xml') && deliveredOk('already-there.xml'), 15_000);
    const good = receiver.deliveries.find((d) => d.json.name === 'good.xml') as Delivery;
    assert.equal(good.valid, true, 'the signature is HMAC-SHA256 of the body with the secret');
    assert.match(good.signature ?? '', /^sha256=[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(good.json).sort(), ['event', 'id', 'modifiedAt', 'name', 'path', 'server', 'size']);
    assert.deepEqual(
      { ...good.json, id: undefined, modifiedAt: undefined },
      { id: undefined, event: 'stable', server: 'default', path: 'inbox/good.xml', name: 'good.xml', size: 5, modifiedAt: undefined },
    );
    assert.match(good.json.id, /^[0-9a-f]{12}-\d+$/);
    // Another delivery signed with another secret would not verify: the check can fail.
    assert.notEqual(`sha256=${createHmac('sha256', 'other-secret-0123456').update(good.body).digest('hex')}`, good.signature);
    assert.equal(receiver.attempts.get('good.xml'), 1, 'once');
    assert.equal(receiver.attempts.get('skipped.txt'), undefined, 'the pattern is *.xml');
  });

  test('a receiver that fails for some files gets them again after the retries; one it never takes is given up and counted', async () => {
    writeFileSync(join(ftp.root, 'inbox', 'flaky-1.xml'), 'f');
    writeFileSync(join(ftp.root, 'inbox', 'never.xml'), 'n');
    writeFileSync(join(ftp.root, 'inbox', 'fine-2.xml'), 'o');
    chownTree(ftp.root);
    await eventually(() => (receiver.attempts.get('never.xml') ?? 0) >= 4 && (receiver.attempts.get('flaky-1.xml') ?? 0) >= 3, 20_000);
    assert.equal(receiver.attempts.get('flaky-1.xml'), 3, 'two 500s, then delivered: no further attempt');
    assert.equal(receiver.attempts.get('fine-2.xml'), 1, 'a failing file holds up no other');
    const metrics = (await gw.request('GET', '/metrics')).text();
    const count = (outcome: string): number =>
      Number(new RegExp(`^gateway_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    await eventually(async () => {
      const text = (await gw.request('GET', '/metrics')).text();
      return /gateway_webhook_deliveries_total\{outcome="failed"\} 1\b/.test(text);
    });
    assert.ok(count('retry') >= 2 + 3, `${count('retry')} retries: two for flaky-1.xml, three for never.xml`);
    assert.ok(count('delivered') >= 4);
    const lines = logged.join('');
    assert.match(lines, /webhook delivery failed after its retries/);
    assert.ok(!lines.includes(SECRET), 'the secret is never logged');
    assert.ok(!lines.includes(URL_TOKEN), 'nor a token in the webhook URL');
  });

  test('claim: true claims each stable file first, posts where the claim put it, acks on 2xx, releases after the last failure', async () => {
    writeFileSync(join(ftp.root, 'queue', 'job-1.xml'), 'j');
    writeFileSync(join(ftp.root, 'queue', 'never-2.xml'), 'n');
    writeFileSync(join(ftp.root, 'queue', 'taken-3.xml'), 't');
    chownTree(ftp.root);
    await eventually(() => claimCalls.includes('ack queue c-job-1.xml') && claimCalls.includes('release queue c-never-2.xml'), 20_000);
    const job = receiver.deliveries.find((d) => d.json.name === 'job-1.xml') as Delivery;
    assert.equal(job.json.path, 'queue/.claims/c-job-1.xml/job-1.xml', 'the receiver is told where the claimed file is');
    assert.equal(job.valid, true);
    assert.equal(receiver.attempts.get('never-2.xml'), 2, 'retries: 1');
    assert.equal(receiver.attempts.get('taken-3.xml'), undefined, 'another consumer had it: not posted');
    // The lease covers both attempts timing out (2 × 5 s), the wait between them (100 ms) and the 60 s margin.
    assert.ok(claimCalls.includes('claim default queue taken-3.xml 1 lease 70100'), claimCalls.join('\n'));
    assert.ok(!claimCalls.some((c) => c.startsWith('release queue c-job-1.xml') || c.startsWith('ack queue c-never-2.xml')));
  });
});
