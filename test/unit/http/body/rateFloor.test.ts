// RateFloor (src/http/body/rateFloor.ts): the windowed-rate rule behind
// limits.bodyIdleMs and limits.sendIdleMs. The floors run on node:test's mock
// timers, with Date.now as their clock: the test moves time and the bytes
// itself, so no case waits, and no case depends on how busy the machine is.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RateFloor } from '../../../../src/http/body/rateFloor.js';

const WINDOW_MS = 40;
/** The step in which time moves, and in which a feeder adds its bytes. */
const STEP_MS = 5;

type Slow = { windowBytes: number; windowMs: number };

function mockClock(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
}

function floor(options: { bytes?: () => number; waiting?: () => boolean; minBytesPerSec?: number }): { floor: RateFloor; slow: Slow[] } {
  const slow: Slow[] = [];
  const f = new RateFloor({
    windowMs: WINDOW_MS,
    minBytesPerSec: options.minBytesPerSec ?? 1000,
    bytes: options.bytes ?? (() => 0),
    waiting: options.waiting ?? (() => true),
    onSlow: (s) => slow.push(s),
    now: () => Date.now(),
  });
  return { floor: f, slow };
}

/** Moves the clock by `ms` in steps, calling `feed` before each step. */
function advance(t: TestContext, ms: number, feed: () => void = () => undefined): void {
  for (let elapsed = 0; elapsed < ms; elapsed += STEP_MS) {
    feed();
    t.mock.timers.tick(STEP_MS);
  }
}

test('nothing at all while waiting on the peer trips after a whole window, once', (t) => {
  mockClock(t);
  const f = floor({});
  advance(t, WINDOW_MS - STEP_MS);
  assert.equal(f.floor.tripped, false, 'tripped before a whole window');
  advance(t, 10 * WINDOW_MS);
  assert.equal(f.slow.length, 1);
  const [slow] = f.slow;
  assert.equal(slow?.windowBytes, 0);
  assert.ok((slow?.windowMs ?? 0) >= WINDOW_MS - 1);
  assert.equal(f.floor.tripped, true);
});

test('a minimum of 0 bytes/s still trips on nothing at all', (t) => {
  mockClock(t);
  const f = floor({ minBytesPerSec: 0 });
  advance(t, 2 * WINDOW_MS);
  assert.equal(f.slow[0]?.windowBytes, 0);
});

test('windows in which the peer is not waited on are never judged; enough bytes are never too slow', (t) => {
  mockClock(t);
  const idle = floor({ waiting: () => false });
  let total = 0;
  const fed = floor({ bytes: () => total });
  const control = floor({});
  try {
    // Many windows, in which a floor that must trip did.
    advance(t, 10 * WINDOW_MS, () => (total += 100));
    assert.equal(control.floor.tripped, true);
    assert.equal(idle.floor.tripped, false);
    assert.equal(fed.floor.tripped, false);
  } finally {
    idle.floor.stop();
    fed.floor.stop();
  }
});

test('a trickle below the floor trips', (t) => {
  mockClock(t);
  let total = 0;
  const f = floor({ bytes: () => total, minBytesPerSec: 10_000 });
  advance(t, 10 * WINDOW_MS, () => (total += 1));
  const [slow] = f.slow;
  assert.ok(slow, 'tripped');
  assert.ok(slow.windowBytes > 0, 'a trickle, not nothing');
  assert.ok(slow.windowBytes < (10_000 * slow.windowMs) / 1000);
});
