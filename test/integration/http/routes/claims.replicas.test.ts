// Claims across two gateway processes on one vsftpd (contract v1.1
// "Claims"), at a size that suits the integration tier (80 and 60 files); the 1,000-file run
// is in test/reliability/claims.test.ts. Every file is acked exactly once
// and `.claims/` ends empty; then one process is killed (SIGKILL) while
// each of its consumers holds a claim, and after the lease the other
// process's consumers get those files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runReplicaQueue, seedQueue, startReplicas } from '../../../helpers/claimsReplicas.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import type { GatewayProcess } from '../../../helpers/gatewayProcess.js';

const FILES = 80;

describe('claims across two gateway processes on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let replicas: GatewayProcess[] = [];

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await ftp?.stop();
  });

  test(`${FILES} files, 8 consumers (4 per process): each acked once, none lost, .claims empty`, async () => {
    replicas = await startReplicas(ftp, 2, 5);
    seedQueue(ftp, 'queue', FILES);
    const figures = await runReplicaQueue(ftp, replicas, {
      folder: 'queue',
      files: FILES,
      consumersPerProcess: 4,
      stableMs: 200,
      leaseMs: 30_000,
    });
    console.log(`claims: ${JSON.stringify(figures)}`);
    assert.equal(figures.files, FILES);
    assert.equal(figures.duplicates, 0);
    assert.equal(figures.lost, 0);
  });

  test('kill -9 one process while its consumers hold claims: after the lease the other process acks those files; none lost', async () => {
    seedQueue(ftp, 'queue2', 60);
    const figures = await runReplicaQueue(ftp, replicas, {
      folder: 'queue2',
      files: 60,
      consumersPerProcess: 4,
      stableMs: 200,
      leaseMs: 2_000,
      kill: { afterAcks: 10 },
    });
    console.log(`claims after kill -9: ${JSON.stringify(figures)}`);
    assert.ok(figures.killedHeld.length > 0, 'the killed process held claims');
    assert.equal(figures.duplicates, 0);
    assert.equal(figures.lost, 0, "every file acked, the killed process's too");
    assert.ok(figures.recoverySeconds !== null && figures.recoverySeconds >= 0);
  });
});
