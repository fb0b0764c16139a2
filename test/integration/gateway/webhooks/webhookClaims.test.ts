// Webhook watches with `claim: true` through the real claims service (what
// createGateway wires by default): two gateways watch one vsftpd folder, as
// two replicas would, and post to one receiver. Each file is claimed by one
// of them (a rename into .claims/), posted once with where the claim put it,
// and deleted on the 2xx; a file the receiver refuses is released back into
// the folder after the last retry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { WebhookWatchConfig } from '../../../../src/config/index.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { chownTree, eventually, ftpServerConfig, gatewayConfig, startGateway, type RunningGateway } from '../../../helpers/httpHarness.js';

const SECRET = 'whsec-claims-0123456789abcdef';

describe('webhook watches with claim: true on two replicas (vsftpd)', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let replicas: RunningGateway[] = [];
  let receiver: http.Server;
  const posted: Array<{ name: string; path: string; valid: boolean }> = [];

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    mkdirSync(join(ftp.root, 'jobs'));
    chownTree(ftp.root);
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const json = JSON.parse(raw.toString('utf8')) as { name: string; path: string };
        const valid = req.headers['x-ftp-gateway-signature'] === `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
        posted.push({ name: json.name, path: json.path, valid });
        res.statusCode = json.name.startsWith('refused') ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const watch: WebhookWatchConfig = {
      server: 'default',
      path: 'jobs',
      segments: ['jobs'],
      pattern: '*.xml',
      stableMs: 300,
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      secret: SECRET,
      claim: true,
      retries: 0,
      retryBaseMs: 100,
      timeoutMs: 5_000,
    };
    const config = gatewayConfig([ftpServerConfig(ftp, { mode: 'passive', watch: { pollMs: 1000 } })], { watches: [watch] });
    replicas = await Promise.all([startGateway(config), startGateway(config)]);
  });
  after(async () => {
    for (const gw of replicas) await gw.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await ftp?.stop();
  });

  test('each file posted once by one replica, from its claim folder, then deleted; a refused one is released back', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `job-${i}.xml`);
    for (const name of [...names, 'refused-1.xml']) writeFileSync(join(ftp.root, 'jobs', name), name);
    chownTree(ftp.root);
    // Gone from the folder means claimed, not yet posted: wait for the posts themselves.
    await eventually(
      () =>
        names.every((n) => !existsSync(join(ftp.root, 'jobs', n)) && posted.some((p) => p.name === n)) &&
        posted.some((p) => p.name === 'refused-1.xml'),
      30_000,
    );
    for (const name of names) {
      const deliveries = posted.filter((p) => p.name === name);
      assert.equal(deliveries.length, 1, `${name} posted once across both replicas`);
      assert.match(deliveries[0]?.path ?? '', new RegExp(`^jobs/\\.claims/[0-9a-f]{24}\\.[A-Za-z0-9_-]+/${name.replace('.', '\\.')}$`));
      assert.equal(deliveries[0]?.valid, true);
    }
    // Released after its one failed attempt: back under its own name (and then offered again: at least once).
    await eventually(() => existsSync(join(ftp.root, 'jobs', 'refused-1.xml')), 10_000);
    await eventually(
      () => readdirSync(join(ftp.root, 'jobs', '.claims')).length === 0 || posted.filter((p) => p.name === 'refused-1.xml').length > 1,
      10_000,
    );
    // An ack (or release) is counted once its FTP commands are done, after the receiver had the POST.
    const totals = async (): Promise<(outcome: string) => number> => {
      const metrics = await Promise.all(replicas.map(async (gw) => (await gw.request('GET', '/metrics')).text()));
      return (outcome: string): number =>
        metrics.reduce(
          (n, text) =>
            n + Number(new RegExp(`^gateway_claims_total\\{server="default",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0),
          0,
        );
    };
    let total = await totals();
    for (let i = 0; i < 100 && (total('acked') < names.length || total('released') < 1); i++) {
      await new Promise((r) => setTimeout(r, 100));
      total = await totals();
    }
    assert.equal(total('acked'), names.length);
    assert.ok(total('released') >= 1);
  });
});
