// The lease a `claim: true` webhook delivery holds its claim with: derived
// from the watch's retry settings, so that no sweep returns the file while
// the replica that claimed it is still within its attempts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { claimLeaseMs, retryDelayMs } from '../../../../src/gateway/webhooks/webhookWatches.js';

const MAX_TIMER_MS = 2_147_483_647;

describe('claimLeaseMs', () => {
  test('every attempt timing out, the doubling waits between them, and a 60 s margin', () => {
    assert.equal(claimLeaseMs({ retries: 0, retryBaseMs: 1000, timeoutMs: 10_000 }), 10_000 + 60_000);
    // 4 attempts of 10 s, waits of 1 + 2 + 4 s.
    assert.equal(claimLeaseMs({ retries: 3, retryBaseMs: 1000, timeoutMs: 10_000 }), 40_000 + 7_000 + 60_000);
  });

  test('a watch that retries for longer than the old fixed 300 s gets a lease longer than its retries', () => {
    const watch = { retries: 5, retryBaseMs: 10_000, timeoutMs: 30_000 };
    let worst = 0;
    for (let attempt = 0; attempt <= watch.retries; attempt++) worst += watch.timeoutMs + (attempt > 0 ? retryDelayMs(watch, attempt) : 0);
    assert.equal(worst, 490_000);
    assert.ok(claimLeaseMs(watch) > worst);
  });

  test('a wait is capped at what a timer holds (a longer one would fire at once), and the lease stays a safe integer', () => {
    const watch = { retries: 20, retryBaseMs: MAX_TIMER_MS, timeoutMs: MAX_TIMER_MS };
    assert.equal(retryDelayMs(watch, 20), MAX_TIMER_MS);
    assert.equal(retryDelayMs({ retryBaseMs: 5_000 }, 20), MAX_TIMER_MS);
    assert.equal(retryDelayMs({ retryBaseMs: 100 }, 3), 400);
    assert.ok(Number.isSafeInteger(claimLeaseMs(watch)));
  });
});
