// Claims as webhook watches with `claim: true` use them (pooledClaims.ts):
// no HTTP, sessions from the server's own pool, on a real vsftpd. Two
// services (two replicas) claim the same named file: one gets it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClaimService } from '../../../../src/gateway/claims/claimService.js';
import { pooledClaims } from '../../../../src/gateway/claims/pooledClaims.js';
import { ServerRegistry } from '../../../../src/gateway/serverRegistry.js';
import { chownTree, ftpServerConfig } from '../../../helpers/httpHarness.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';

describe('pooled claims (for webhooks) on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let registries: ServerRegistry[];
  let services: ClaimService[];

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    registries = [new ServerRegistry([ftpServerConfig(ftp)]), new ServerRegistry([ftpServerConfig(ftp)])];
    services = [new ClaimService(), new ClaimService()];
  });
  after(async () => {
    for (const s of services ?? []) s.close();
    for (const r of registries ?? []) await r.close();
    await ftp?.stop();
  });

  test('claim a named file, ack it; claim another, release it; two replicas racing for one file: one wins', async () => {
    mkdirSync(join(ftp.root, 'hooks'));
    for (const name of ['a.xml', 'b.xml', 'c.xml']) writeFileSync(join(ftp.root, 'hooks', name), name);
    chownTree(ftp.root);
    const [one, two] = services.map((s, i) => pooledClaims(s, registries[i] as ServerRegistry)) as [
      ReturnType<typeof pooledClaims>,
      ReturnType<typeof pooledClaims>,
    ];
    const place = { server: 'default', folder: ['hooks'] };

    // The lease is the caller's (a webhook's worst case): the marker on the server carries it.
    const leaseMs = 123_456_000;
    const startedAt = Date.now();
    const a = await one.claim(place, { name: 'a.xml', size: 5, modifiedAt: null }, leaseMs);
    const claimedAt = Date.now();
    assert.ok(a);
    assert.equal(a.path, `hooks/.claims/${a.id}/a.xml`);
    const marker = readdirSync(join(ftp.root, 'hooks/.claims')).find((n) => n.startsWith(`${a.id}.lease-`));
    const expiresAt = Number(marker?.slice(`${a.id}.lease-`.length));
    assert.ok(expiresAt >= startedAt + leaseMs && expiresAt <= claimedAt + leaseMs, `lease marker ${marker}`);
    await one.ack(place, a.id);
    assert.ok(!existsSync(join(ftp.root, 'hooks/a.xml')));

    const b = await two.claim(place, { name: 'b.xml', size: 5, modifiedAt: '2026-01-01T00:00:00.000Z' }, 60_000);
    assert.ok(b);
    assert.equal(b.modifiedAt, '2026-01-01T00:00:00.000Z');
    await one.release(place, b.id); // any replica can release it
    assert.ok(existsSync(join(ftp.root, 'hooks/b.xml')));

    const race = await Promise.all([one, two].map((c) => c.claim(place, { name: 'c.xml', size: 5, modifiedAt: null }, 60_000)));
    assert.equal(race.filter((c) => c !== null).length, 1, 'one replica wins the rename');
    const winner = race.find((c) => c !== null);
    assert.ok(winner);
    await two.ack(place, winner.id);
    assert.deepEqual(readdirSync(join(ftp.root, 'hooks')).sort(), ['.claims', 'b.xml']);
    assert.deepEqual(readdirSync(join(ftp.root, 'hooks/.claims')), []);
  });
});
