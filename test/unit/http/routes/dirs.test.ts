import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sortEntries } from '../../../../src/http/routes/dirs.js';

describe('sortEntries', () => {
  test('directories first, then by name; no . and ..; ISO dates', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const out = sortEntries([
      { name: 'b.txt', type: 'file', size: 1, modifiedAt: d },
      { name: '..', type: 'directory', size: null, modifiedAt: null },
      { name: 'z', type: 'directory', size: null, modifiedAt: null },
      { name: '.', type: 'directory', size: null, modifiedAt: null },
      { name: 'a.txt', type: 'symlink', size: null, modifiedAt: null },
      { name: 'A', type: 'directory', size: null, modifiedAt: new Date(NaN) },
    ]);
    assert.deepEqual(
      out.map((e) => e.name),
      ['A', 'z', 'a.txt', 'b.txt'],
    );
    assert.equal(out[3]?.modifiedAt, '2024-01-02T03:04:05.000Z');
    assert.equal(out[0]?.modifiedAt, null);
  });
});
