import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { ListingBudget } from '../../../../src/gateway/listingBudget.js';
import { byTypeThenName, listingRow, rowBytes } from '../../../../src/http/body/listingRows.js';
import { directoryEntry, entryJson } from '../../../../src/http/body/listingWriter.js';

describe('entryJson', () => {
  it('writes exactly JSON.stringify of the directory entry, for any entry', () => {
    const entry: fc.Arbitrary<FtpEntry> = fc.record(
      {
        name: fc.string({ unit: 'binary', maxLength: 20 }),
        type: fc.constantFrom('file', 'directory', 'symlink', 'unknown'),
        size: fc.oneof(fc.constant(null), fc.maxSafeNat(), fc.constantFrom(Infinity, Number.NaN, 1e25, -0)),
        modifiedAt: fc.oneof(fc.constant(null), fc.date({ noInvalidDate: false })),
        modifiedAtPrecision: fc.constantFrom('second', 'minute', 'day'),
        target: fc.string({ maxLength: 5 }),
        raw: fc.string({ unit: 'binary', maxLength: 20 }),
      },
      { requiredKeys: ['name', 'type', 'size', 'modifiedAt'] },
    );
    fc.assert(
      fc.property(entry, (e) => {
        const text = entryJson(e);
        assert.equal(text, JSON.stringify(directoryEntry(e)));
        JSON.parse(text);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('ListingBudget', () => {
  it('grants what fits, refuses what does not (taking nothing), and takes back what was released', () => {
    const budget = new ListingBudget(1000);
    assert.equal(budget.reserve(600), true);
    assert.equal(budget.reserve(500), false);
    assert.equal(budget.used, 600);
    assert.equal(budget.reserve(400), true);
    budget.release(600);
    assert.equal(budget.reserve(500), true);
    assert.equal(budget.used, 900);
  });

});

describe('listing rows', () => {
  const e = (name: string, type: FtpEntry['type'] = 'file'): FtpEntry => ({ name, type, size: 1, modifiedAt: null });

  it('hold the entry\'s JSON and sort directories first, then by name', () => {
    const rows = [e('b'), e('z', 'directory'), e('a'), e('A', 'directory'), e('a b', 'symlink')].map(listingRow);
    assert.deepEqual(
      rows.sort(byTypeThenName).map((r) => r.name),
      ['A', 'z', 'a', 'a b', 'b'],
    );
    assert.equal(listingRow(e('x"y')).json, entryJson(e('x"y')));
  });

  it('weigh what they hold: a long name costs more, a name beyond Latin-1 twice as much per character', () => {
    assert.ok(rowBytes(listingRow(e('a'.repeat(1000)))) - rowBytes(listingRow(e('a'))) >= 2 * 999);
    assert.ok(rowBytes(listingRow(e('\u65e5'.repeat(1000)))) >= 2 * rowBytes(listingRow(e('a'.repeat(1000)))) - 300);
  });
});
