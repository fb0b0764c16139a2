// Claims across two gateway processes at full size (issue 14): 1,000 files
// in one vsftpd folder, 8 consumers (4 on each process) claim → GET → ack
// until the folder is empty: every file acked once, none twice, `.claims/`
// empty. Then, on a second folder, one process is killed (SIGKILL) while
// each of its consumers holds a claim it read and did not ack: once the
// lease runs out the other process's sweep returns those files and its
// consumers ack them; nothing is lost. The figures go to the run's summary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runReplicaQueue, seedQueue, startReplicas, type ReplicaRunFigures } from '../helpers/claimsReplicas.js';
import { serverSkip } from '../helpers/requireServers.js';
import type { RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import type { GatewayProcess } from '../helpers/gatewayProcess.js';
import { recordFigures } from './summary.js';

const FILES = 1000;
const KILL_FILES = 200;

describe('claims across gateway processes, 1,000 files, and kill -9', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let replicas: GatewayProcess[] = [];
  let queue: ReplicaRunFigures | undefined;

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    replicas = await startReplicas(ftp, 2, 5);
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await ftp?.stop();
  });

  test(`${FILES} files, 8 consumers (4 per process): each acked once, none lost, .claims empty`, async () => {
    seedQueue(ftp, 'queue', FILES);
    queue = await runReplicaQueue(ftp, replicas, { folder: 'queue', files: FILES, consumersPerProcess: 4, stableMs: 500, leaseMs: 60_000 });
    console.log(`claims: ${JSON.stringify(queue)}`);
    assert.equal(queue.files, FILES);
    assert.equal(queue.duplicates, 0);
    assert.equal(queue.lost, 0);
  });

  test('kill -9 one process while its 4 consumers hold claims: the other acks those files after the lease; none lost', async () => {
    seedQueue(ftp, 'queue2', KILL_FILES);
    const killed = await runReplicaQueue(ftp, replicas, {
      folder: 'queue2',
      files: KILL_FILES,
      consumersPerProcess: 4,
      stableMs: 500,
      leaseMs: 3_000,
      kill: { afterAcks: 40 },
    });
    console.log(`claims after kill -9: ${JSON.stringify(killed)}`);
    assert.ok(killed.killedHeld.length > 0);
    assert.equal(killed.duplicates, 0);
    assert.equal(killed.lost, 0);
    if (queue !== undefined) {
      recordFigures('claims', {
        claims: {
          files: queue.files,
          processes: queue.processes,
          consumers: queue.consumers,
          duplicates: queue.duplicates,
          lost: queue.lost,
          seconds: queue.seconds,
          killed: {
            files: killed.files,
            held: killed.killedHeld.length,
            duplicates: killed.duplicates,
            lost: killed.lost,
            recoverySeconds: killed.recoverySeconds,
          },
        },
      });
    }
  });
});
