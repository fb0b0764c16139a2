// A short run of scripts/load.ts (the full run is 200 clients × 60 s:
// `npx tsx scripts/load.ts --duration 60 --concurrency 200 --pool 8`).
// LOAD_DURATION / LOAD_CONCURRENCY / LOAD_POOL / LOAD_WARMUP override it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFailures, loadSummaryLine, runLoad } from '../../scripts/load.js';
import { serverSkip } from '../helpers/requireServers.js';
import { recordFigures } from './summary.js';

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

describe('load through the gateway to vsftpd', serverSkip('vsftpd'), () => {
  test('mixed requests: no unexpected error, every file verified, pool bounded and idle again, no RSS growth, no secret in the output', async () => {
    const result = await runLoad({
      durationSec: env('LOAD_DURATION', 10),
      concurrency: env('LOAD_CONCURRENCY', 50),
      pool: env('LOAD_POOL', 8),
      warmupSec: env('LOAD_WARMUP', 8),
    });
    console.log(loadSummaryLine(result));
    recordFigures('load', {
      load: {
        clients: result.clients,
        seconds: result.seconds,
        pool: result.pool,
        requests: result.requests,
        unexpectedErrors: result.unexpectedErrors,
        documented503: result.documented503,
        filesVerified: result.filesVerified,
        peakControls: result.peakControls,
        rssWarmMiB: Math.round(result.rssWarm / 2 ** 20),
        rssEndMiB: Math.round(result.rssEnd / 2 ** 20),
      },
      secrets: { bytesScanned: result.secretsScanned, leaks: result.leaks },
    });
    assert.ok(result.requests > 0);
    assert.ok(result.secretsScanned > 0, 'the gateway output and bodies were scanned');
    assert.deepEqual(loadFailures(result), []);
  });
});
