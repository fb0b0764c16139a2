import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { byTypeThenName, listingRow, rowBytes } from '../../../../src/http/body/listingRows.js';
import { entryJson } from '../../../../src/http/body/listingWriter.js';

describe('listing rows', () => {
  const e = (name: string, type: FtpEntry['type'] = 'file'): FtpEntry => ({ name, type, size: 1, modifiedAt: null });

  it("hold the entry's JSON and sort directories first, then by name", () => {
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
