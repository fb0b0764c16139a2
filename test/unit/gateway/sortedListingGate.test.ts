import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SortedListingGate } from '../../../src/gateway/sortedListingGate.js';

/** True when `promise` has settled by the time pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe('SortedListingGate', () => {
  const signal = new AbortController().signal;

  it('lets a second sorted listing of a folder in once the first is over, and any other folder or pool at once', async () => {
    const gate = new SortedListingGate(1_000);
    const pool = {};
    const leaveFirst = await gate.enter(pool, '/a', signal);
    const second = gate.enter(pool, '/a', signal);
    assert.equal(await settled(second), false, 'waits while /a is listed');
    assert.equal(await settled(gate.enter(pool, '/b', signal)), true, 'another folder');
    assert.equal(await settled(gate.enter({}, '/a', signal)), true, 'another pool (server or FTP user)');
    leaveFirst();
    assert.equal(await settled(second), true);
  });

  it('lets every request that waited on one listing in together, not one after another', async () => {
    const gate = new SortedListingGate(1_000);
    const pool = {};
    const leave = await gate.enter(pool, '/a', signal);
    const waiting = [gate.enter(pool, '/a', signal), gate.enter(pool, '/a', signal), gate.enter(pool, '/a', signal)];
    leave();
    for (const w of waiting) assert.equal(await settled(w), true);
  });

  it('stops waiting when the caller leaves', async () => {
    const gate = new SortedListingGate(1_000);
    const pool = {};
    await gate.enter(pool, '/a', signal);
    const left = new AbortController();
    const waiting = gate.enter(pool, '/a', left.signal);
    left.abort(new Error('client disconnected'));
    await assert.rejects(waiting, /client disconnected/);
  });

  it('remembers a folder found too large for rememberMs, per pool', () => {
    let now = 0;
    const gate = new SortedListingGate(30_000, () => now);
    const pool = {};
    gate.markTooLarge(pool, '/big');
    assert.equal(gate.isTooLarge(pool, '/big'), true);
    assert.equal(gate.isTooLarge(pool, '/other'), false);
    assert.equal(gate.isTooLarge({}, '/big'), false, 'another FTP user may see another folder');
    now = 29_999;
    assert.equal(gate.isTooLarge(pool, '/big'), true);
    now = 30_000;
    assert.equal(gate.isTooLarge(pool, '/big'), false, 'asked again after a while: the folder may have shrunk');
  });

  it('remembers a bounded number of folders, dropping the oldest', () => {
    const gate = new SortedListingGate(30_000, () => 0);
    const pool = {};
    for (let i = 0; i <= 1_000; i++) gate.markTooLarge(pool, `/f${i}`);
    assert.equal(gate.isTooLarge(pool, '/f0'), false);
    assert.equal(gate.isTooLarge(pool, '/f1'), true);
    assert.equal(gate.isTooLarge(pool, '/f1000'), true);
  });
});
