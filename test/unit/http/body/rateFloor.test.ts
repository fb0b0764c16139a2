// RateFloor (src/http/body/rateFloor.ts): the windowed-rate rule behind
// limits.bodyIdleMs and limits.sendIdleMs. A floor that must trip serves as
// the clock for the ones that must not, so no case waits on a fixed sleep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RateFloor } from '../../../../src/http/body/rateFloor.js';

const WINDOW_MS = 40;

// The floor's timer is unref'd (it never keeps a process up): these cases keep the loop alive themselves.
let keepAlive: NodeJS.Timeout;
before(() => {
  keepAlive = setInterval(() => undefined, 1000);
});
after(() => clearInterval(keepAlive));

function floor(options: { bytes?: () => number; waiting?: () => boolean; minBytesPerSec?: number }): { floor: RateFloor; tripped: Promise<{ windowBytes: number; windowMs: number }> } {
  let resolve!: (v: { windowBytes: number; windowMs: number }) => void;
  const tripped = new Promise<{ windowBytes: number; windowMs: number }>((r) => (resolve = r));
  const f = new RateFloor({
    windowMs: WINDOW_MS,
    minBytesPerSec: options.minBytesPerSec ?? 1000,
    bytes: options.bytes ?? (() => 0),
    waiting: options.waiting ?? (() => true),
    onSlow: (slow) => resolve(slow),
  });
  return { floor: f, tripped };
}

test('nothing at all while waiting on the peer trips after a whole window, once', async () => {
  const f = floor({});
  const slow = await f.tripped;
  assert.equal(slow.windowBytes, 0);
  assert.ok(slow.windowMs >= WINDOW_MS - 1);
  assert.equal(f.floor.tripped, true);
});

test('a minimum of 0 bytes/s still trips on nothing at all', async () => {
  const f = floor({ minBytesPerSec: 0 });
  assert.equal((await f.tripped).windowBytes, 0);
});

test('windows in which the peer is not waited on are never judged; enough bytes are never too slow', async () => {
  const idle = floor({ waiting: () => false });
  let total = 0;
  const feeder = setInterval(() => (total += 100), 5);
  const fed = floor({ bytes: () => total });
  try {
    // Two windows of a floor that must trip: the others saw them too.
    await floor({}).tripped;
    await floor({}).tripped;
    assert.equal(idle.floor.tripped, false);
    assert.equal(fed.floor.tripped, false);
  } finally {
    clearInterval(feeder);
    idle.floor.stop();
    fed.floor.stop();
  }
});

test('a trickle below the floor trips', async () => {
  let total = 0;
  const feeder = setInterval(() => (total += 1), 5);
  try {
    const slow = await floor({ bytes: () => total, minBytesPerSec: 10_000 }).tripped;
    assert.ok(slow.windowBytes < (10_000 * slow.windowMs) / 1000);
  } finally {
    clearInterval(feeder);
  }
});
