import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dosListDialect, parseDosListLine } from '../../../../src/ftp/listing/parseDosList.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';

const utc = (iso: string): Date => new Date(iso);
const parse = (line: string): FtpEntry => {
  const entry = parseDosListLine(line);
  assert.ok(entry, `not parsed: ${JSON.stringify(line)}`);
  return entry;
};

describe('parseDosListLine', () => {
  it('reads IIS directories and files (2-digit years, 12-hour clock)', () => {
    assert.deepEqual(parse('01-02-24  03:04AM       <DIR>          dir with spaces'), {
      name: 'dir with spaces',
      type: 'directory',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:00Z'),
      modifiedAtPrecision: 'minute',
    });
    assert.deepEqual(parse('03-15-21  11:30PM              1048576 old.bin'), {
      name: 'old.bin',
      type: 'file',
      size: 1048576,
      modifiedAt: utc('2021-03-15T23:30:00Z'),
      modifiedAtPrecision: 'minute',
    });
  });

  it('reads 4-digit years and the 24-hour clock', () => {
    assert.deepEqual(parse('01-02-2023  22:00                 1234 name with spaces.txt'), {
      name: 'name with spaces.txt',
      type: 'file',
      size: 1234,
      modifiedAt: utc('2023-01-02T22:00:00Z'),
      modifiedAtPrecision: 'minute',
    });
    assert.deepEqual(parse('01-02-2023  10:00PM    1234 x').modifiedAt, utc('2023-01-02T22:00:00Z'));
  });

  it('says the date is precise to the minute, or to the second when the line has seconds', () => {
    assert.equal(parse('01-02-24  03:04AM  1 x').modifiedAtPrecision, 'minute');
    assert.equal(parse('01-02-2024  03:04:05  1 x').modifiedAtPrecision, 'second');
    assert.equal('modifiedAtPrecision' in parse('13-02-24  03:04AM  5 x'), false, 'no precision without a date');
  });

  it('maps 12 AM to midnight and 12 PM to noon', () => {
    assert.deepEqual(parse('01-02-24  12:15AM  1 x').modifiedAt, utc('2024-01-02T00:15:00Z'));
    assert.deepEqual(parse('01-02-24  12:15PM  1 x').modifiedAt, utc('2024-01-02T12:15:00Z'));
    assert.deepEqual(parse('01-02-24  12:15 pm  1 x').modifiedAt, utc('2024-01-02T12:15:00Z'));
  });

  it('pivots 2-digit years at 70', () => {
    assert.equal(parse('12-31-69  01:00AM  1 x').modifiedAt?.getUTCFullYear(), 2069);
    assert.equal(parse('01-01-70  01:00AM  1 x').modifiedAt?.getUTCFullYear(), 1970);
    assert.equal(parse('12-31-99  01:00AM  1 x').modifiedAt?.getUTCFullYear(), 1999);
  });

  it('gives a null date for impossible dates and times, but keeps the entry', () => {
    assert.deepEqual(parse('13-02-24  03:04AM  5 x'), { name: 'x', type: 'file', size: 5, modifiedAt: null });
    assert.equal(parse('02-30-24  03:04AM  5 x').modifiedAt, null);
    assert.equal(parse('01-02-24  13:04PM  5 x').modifiedAt, null);
    assert.equal(parse('01-02-24  00:04AM  5 x').modifiedAt, null);
  });

  it('keeps leading spaces in file names (one space after the size), not in directory names', () => {
    assert.equal(parse('01-02-24  03:04AM                   12  spaced').name, ' spaced');
    assert.equal(parse('01-02-24  03:04AM       <DIR>           spaced').name, 'spaced');
    assert.equal(parse('01-02-24  03:04AM                   12 trail ').name, 'trail ');
  });

  it('returns undefined for other lines', () => {
    for (const line of [
      '',
      '-rw-r--r-- 1 a b 12 Jan 02 03:04 x',
      'type=file;size=1; x',
      '01-02-24  03:04AM       <DIR>',
      '01-02-24  03:04AM                   12',
      '01-02-24  03:04AM       <FILE>     x',
      '01-02-24 x 03:04AM  12 x',
      ' Volume in drive C has no label.',
    ]) {
      assert.equal(parseDosListLine(line), undefined, JSON.stringify(line));
    }
  });

  it('has a testLine that agrees with parseLine', () => {
    assert.equal(dosListDialect.testLine('01-02-24  03:04AM       <DIR>          dir'), true);
    assert.equal(dosListDialect.testLine('-rw-r--r-- 1 a b 12 Jan 02 03:04 x'), false);
  });

  it('round-trips generated entries through an IIS line', () => {
    const name = fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('a', ' ', '1', '<', '>', 'é', '\u{1F600}', '.') });
    const when = fc
      .date({ min: utc('1970-01-01T00:00:00Z'), max: utc('2069-12-31T23:59:00Z'), noInvalidDate: true })
      .map((d) => new Date(Math.floor(d.getTime() / 60_000) * 60_000));
    fc.assert(
      fc.property(fc.boolean(), name, fc.maxSafeNat(), when, fc.boolean(), fc.boolean(), (isDir, n, size, d, fourDigits, twelveHour) => {
        const p2 = (v: number): string => String(v).padStart(2, '0');
        const year = fourDigits ? String(d.getUTCFullYear()) : p2(d.getUTCFullYear() % 100);
        const h = d.getUTCHours();
        const time = twelveHour
          ? `${p2(h % 12 === 0 ? 12 : h % 12)}:${p2(d.getUTCMinutes())}${h < 12 ? 'AM' : 'PM'}`
          : `${p2(h)}:${p2(d.getUTCMinutes())}`;
        const date = `${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}-${year}`;
        const dirName = n.trimStart() || 'x';
        const line = isDir ? `${date}  ${time}       <DIR>          ${dirName}` : `${date}  ${time} ${String(size).padStart(20)} ${n}`;
        const expected: FtpEntry = isDir
          ? { name: dirName, type: 'directory', size: null, modifiedAt: d, modifiedAtPrecision: 'minute' }
          : { name: n, type: 'file', size, modifiedAt: d, modifiedAtPrecision: 'minute' };
        assert.deepEqual(parse(line), expected);
      }),
    );
  });
});
