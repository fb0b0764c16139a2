// Runs last (file names sort): prints the figures the other reliability
// files recorded in this run, one line per section, and checks the secrets
// grep over everything they captured.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { clearFigures, collectFigures } from './summary.js';

const figures = collectFigures();

after(() => clearFigures());

test('reliability figures', () => {
  const lines: string[] = [];
  const { faults, load, hostile, peers, properties, secrets } = figures;
  if (faults) lines.push(`faults: ${faults.scenarios} scenarios, ${faults.survived} survived, ${faults.bytesLost} bytes lost`);
  if (load) {
    lines.push(
      `load: ${load.clients} clients, ${load.seconds} s, pool ${load.pool}, ${load.requests} requests, ${load.unexpectedErrors} unexpected errors, ` +
        `${load.documented503} documented 503, ${load.filesVerified} files verified, peak ${load.peakControls} control connections, RSS ${load.rssWarmMiB} → ${load.rssEndMiB} MiB`,
    );
  }
  if (hostile) lines.push(`hostile inputs: ${hostile.tried} tried, ${hostile.refused} refused, ${hostile.reachedFtp} reached the FTP server`);
  if (peers) lines.push(`hostile peers and names: ${peers.tried} tried, ${peers.tried === peers.refused ? 'all' : peers.refused} stopped`);
  if (properties) lines.push(`properties: ${properties.properties} properties, ${properties.runs} runs, ${properties.counterexamples} counterexamples`);
  if (secrets) lines.push(`secrets: ${(secrets.bytesScanned / 2 ** 20).toFixed(1)} MiB of logs, bodies and metrics grepped, ${secrets.leaks.length} credentials found`);
  console.log(['', 'reliability summary', ...lines.map((l) => `  ${l}`), ''].join('\n'));
  assert.ok(figures.files.length > 0, 'no reliability figures were recorded in this run');
  if (faults) assert.equal(faults.survived, faults.scenarios);
  if (faults) assert.equal(faults.bytesLost, 0);
  if (hostile) assert.equal(hostile.reachedFtp, 0);
  if (secrets) assert.deepEqual(secrets.leaks, []);
});
