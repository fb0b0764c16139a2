// The statistics the benchmark's verdicts rest on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, percentile } from '../../../bench/stats.js';

describe('bench stats', () => {
  it('median of odd and even counts, without reordering the input', () => {
    const runs = [3, 1, 2];
    assert.equal(median(runs), 2);
    assert.deepEqual(runs, [3, 1, 2]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
  });
});
