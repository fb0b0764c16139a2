import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMlstReply, parseMlsxLine, parseMlsxTimestamp } from '../../../../src/ftp/listing/parseMlsd.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';

const utc = (iso: string): Date => new Date(iso);

describe('parseMlsxLine', () => {
  it('reads a pure-ftpd file line', () => {
    assert.deepEqual(
      parseMlsxLine('type=file;size=12;modify=20240102030405;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=803g4a02; hello.txt'),
      { name: 'hello.txt', type: 'file', size: 12, modifiedAt: utc('2024-01-02T03:04:05Z'), modifiedAtPrecision: 'second' },
    );
  });

  it('reads a proftpd file line (facts in another order, fractional seconds)', () => {
    assert.deepEqual(
      parseMlsxLine(
        'modify=20230102030405.123;perm=adfrw;size=1048576;type=file;unique=FD01U2B;UNIX.group=1001;UNIX.mode=0644;UNIX.owner=1001; old.bin',
      ),
      { name: 'old.bin', type: 'file', size: 1048576, modifiedAt: utc('2023-01-02T03:04:05.123Z'), modifiedAtPrecision: 'second' },
    );
  });

  it('gives directories no size, even with sizd or size facts', () => {
    assert.deepEqual(parseMlsxLine('type=dir;sizd=4096;modify=20240102030405;UNIX.mode=0755; dir with spaces'), {
      name: 'dir with spaces',
      type: 'directory',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:05Z'),
      modifiedAtPrecision: 'second',
    });
    assert.equal((parseMlsxLine('type=dir;size=4096; d') as FtpEntry).size, null);
  });

  it('says the modify fact is precise to the second, and gives no precision without one', () => {
    assert.equal((parseMlsxLine('type=file;modify=20240102030405; x') as FtpEntry).modifiedAtPrecision, 'second');
    assert.equal('modifiedAtPrecision' in (parseMlsxLine('type=file;size=1; x') as FtpEntry), false);
  });

  it('returns null for cdir and pdir (they name no child)', () => {
    assert.equal(parseMlsxLine('type=cdir;sizd=4096;modify=20240102030405;UNIX.mode=0755; .'), null);
    assert.equal(parseMlsxLine('type=pdir;sizd=4096;modify=20240102030405; ..'), null);
    assert.equal(parseMlsxLine('Type=CDir; /srv/ftp'), null, 'fact names and type values are case-insensitive');
  });

  it('reads symlinks: OS.unix=symlink and OS.unix=slink:target', () => {
    assert.deepEqual(parseMlsxLine('type=OS.unix=symlink;size=9;modify=20240102030405; link'), {
      name: 'link',
      type: 'symlink',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:05Z'),
      modifiedAtPrecision: 'second',
    });
    assert.deepEqual(parseMlsxLine('type=OS.unix=slink:/srv/Hello.txt;modify=20240102030405; link'), {
      name: 'link',
      type: 'symlink',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:05Z'),
      modifiedAtPrecision: 'second',
      target: '/srv/Hello.txt',
    });
  });

  it('reads other types as unknown, keeping their size', () => {
    assert.deepEqual(parseMlsxLine('type=OS.unix=chr-1/3;size=0; null'), { name: 'null', type: 'unknown', size: 0, modifiedAt: null });
    assert.deepEqual(parseMlsxLine('size=5; no type'), { name: 'no type', type: 'unknown', size: 5, modifiedAt: null });
  });

  it('takes everything after the first space as the name, including ";", "=" and spaces', () => {
    assert.equal((parseMlsxLine('type=file;size=1; a; b=c ;d ') as FtpEntry).name, 'a; b=c ;d ');
    assert.equal((parseMlsxLine('type=file;size=1;  leading space') as FtpEntry).name, ' leading space');
  });

  it('accepts a facts list without the final ";"', () => {
    assert.equal((parseMlsxLine('type=file;size=3 x') as FtpEntry).size, 3);
  });

  it('ignores a malformed size or modify fact instead of refusing the line', () => {
    assert.deepEqual(parseMlsxLine('type=file;size=12a;modify=2024010203; x'), { name: 'x', type: 'file', size: null, modifiedAt: null });
  });

  it('returns undefined for lines that are not fact lines', () => {
    for (const line of [
      '',
      'hello.txt',
      '-rw-r--r-- 1 a b 12 Jan 02 03:04 x',
      'type=file;size=12;',
      ' no facts',
      '=file; x',
      'type=file; ',
    ]) {
      assert.equal(parseMlsxLine(line), undefined, JSON.stringify(line));
    }
  });

  it('round-trips any name, size and time through a formatted line', () => {
    const name = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', ' ', ';', '=', 'é', '-', '>', '\u{1F600}', '.') });
    fc.assert(
      fc.property(
        name,
        fc.maxSafeNat(),
        fc.date({ min: utc('1970-01-01T00:00:00Z'), max: utc('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (n, size, date) => {
          const modify = date.toISOString().replace(/[-:T]/g, '').replace('Z', '');
          const entry = parseMlsxLine(`type=file;size=${size};modify=${modify}; ${n}`);
          assert.deepEqual(entry, { name: n, type: 'file', size, modifiedAt: date, modifiedAtPrecision: 'second' });
        },
      ),
    );
  });
});

describe('parseMlstReply', () => {
  it('reads the indented fact line of a proftpd MLST reply', () => {
    const reply =
      '250-Start of list for /hello.txt\n modify=20240102030405;perm=adfrw;size=12;type=file;unique=FD01U2B; /hello.txt\n250 End of list';
    assert.deepEqual(parseMlstReply(reply), {
      name: '/hello.txt',
      type: 'file',
      size: 12,
      modifiedAt: utc('2024-01-02T03:04:05Z'),
      modifiedAtPrecision: 'second',
    });
  });

  it('reads cdir as a directory (MLST on a folder)', () => {
    const reply = '250-Begin\r\n type=cdir;sizd=4096;modify=20240102030405;UNIX.mode=0755; /dir\r\n250 End.';
    assert.deepEqual(parseMlstReply(reply), {
      name: '/dir',
      type: 'directory',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:05Z'),
      modifiedAtPrecision: 'second',
    });
  });

  it('falls back to an unindented fact line', () => {
    const reply = '250-Listing x\ntype=file;size=3; x\n250 End';
    assert.equal(parseMlstReply(reply)?.size, 3);
  });

  it('returns undefined when the reply holds no fact line', () => {
    assert.equal(parseMlstReply('250 OK'), undefined);
    assert.equal(parseMlstReply('250-Listing\n250 End'), undefined);
  });
});

describe('parseMlsxTimestamp', () => {
  it('reads YYYYMMDDHHMMSS[.sss] as UTC', () => {
    assert.deepEqual(parseMlsxTimestamp('20240229235960'), utc('2024-02-29T23:59:59Z'), 'leap second clamped');
    assert.deepEqual(parseMlsxTimestamp('20240102030405.5'), utc('2024-01-02T03:04:05.500Z'));
    assert.deepEqual(parseMlsxTimestamp('20240102030405.123456'), utc('2024-01-02T03:04:05.123Z'));
  });

  it('refuses malformed and out-of-range values', () => {
    for (const v of [
      '',
      '2024010203040',
      '20240230000000',
      '20241301000000',
      '20240102250000',
      '20240102036000',
      '2024-01-02',
      '20240102030405.',
    ]) {
      assert.equal(parseMlsxTimestamp(v), null, v);
    }
  });
});
