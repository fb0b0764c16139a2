import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { directoryEntry, entryJson } from '../../../../src/http/body/listingWriter.js';
import { binaryUnit } from '../../../helpers/arbitraries.js';

describe('entryJson', () => {
  it('writes exactly JSON.stringify of the directory entry, for any entry', () => {
    const entry: fc.Arbitrary<FtpEntry> = fc.record(
      {
        name: fc.string({ unit: binaryUnit, maxLength: 20 }),
        type: fc.constantFrom('file', 'directory', 'symlink', 'unknown'),
        size: fc.oneof(fc.constant(null), fc.maxSafeNat(), fc.constantFrom(Infinity, Number.NaN, 1e25, -0)),
        modifiedAt: fc.oneof(fc.constant(null), fc.date({ noInvalidDate: false })),
        modifiedAtPrecision: fc.constantFrom('second', 'minute', 'day'),
        target: fc.string({ maxLength: 5 }),
        raw: fc.string({ unit: binaryUnit, maxLength: 20 }),
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
