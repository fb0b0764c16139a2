// The checks the reliability summary makes over the figures of a whole run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summaryFailures, summaryLines, type CollectedFigures } from '../../reliability/summary.js';

const clean: CollectedFigures = {
  files: ['faults.json', 'hostile.json'],
  faults: { scenarios: 3, survived: 3, bytesLost: 0 },
  hostile: { tried: 5, refused: 5, reachedFtp: 0 },
  peers: { tried: 2, refused: 2 },
  secrets: { bytesScanned: 3 * 2 ** 20, leaks: [] },
};

describe('reliability summary', () => {
  it('passes clean figures and prints one line per section', () => {
    assert.deepEqual(summaryFailures(clean), []);
    assert.deepEqual(summaryLines(clean), [
      'faults: 3 scenarios, 3 survived, 0 bytes lost',
      'hostile inputs: 5 tried, 5 refused, 0 reached the FTP server',
      'hostile peers and names: 2 tried, all stopped',
      'secrets: 3.0 MiB of logs, bodies and metrics grepped, 0 credentials found',
    ]);
  });

  it('fails a run that recorded nothing, a lost scenario or byte, a hostile input that got through, a secret', () => {
    assert.equal(summaryFailures({ files: [] }).length, 1);
    assert.equal(summaryFailures({ ...clean, faults: { scenarios: 3, survived: 2, bytesLost: 0 } }).length, 1);
    assert.equal(summaryFailures({ ...clean, faults: { scenarios: 3, survived: 3, bytesLost: 1 } }).length, 1);
    assert.equal(summaryFailures({ ...clean, hostile: { tried: 5, refused: 4, reachedFtp: 1 } }).length, 1);
    assert.equal(summaryFailures({ ...clean, secrets: { bytesScanned: 1, leaks: ['a 9-character secret'] } }).length, 1);
  });

  it('prints the claims figures and fails a file acked twice or lost, in either run', () => {
    const claims = {
      files: 1000,
      processes: 2,
      consumers: 8,
      duplicates: 0,
      lost: 0,
      seconds: 60,
      killed: { files: 200, held: 4, duplicates: 0, lost: 0, recoverySeconds: 3.5 },
    };
    assert.deepEqual(summaryFailures({ ...clean, claims }), []);
    assert.match(summaryLines({ ...clean, claims }).join('\n'), /claims: 1000 files, 8 consumers on 2 processes, 0 duplicates, 0 lost/);
    assert.equal(summaryFailures({ ...clean, claims: { ...claims, duplicates: 1 } }).length, 1);
    assert.equal(summaryFailures({ ...clean, claims: { ...claims, killed: { ...claims.killed, lost: 2 } } }).length, 1);
  });
});
