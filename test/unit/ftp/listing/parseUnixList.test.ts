import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseUnixListLine, unixListDialect } from '../../../../src/ftp/listing/parseUnixList.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';

const utc = (iso: string): Date => new Date(iso);
const NOW = utc('2024-03-10T12:00:00Z');
const parse = (line: string, now: Date = NOW): FtpEntry => {
  const entry = parseUnixListLine(line, now);
  assert.ok(entry, `not parsed: ${JSON.stringify(line)}`);
  return entry;
};

describe('parseUnixListLine', () => {
  it('reads vsftpd lines (numeric owners, zero-padded day)', () => {
    assert.deepEqual(parse('-rw-r--r--    1 1001     1001           12 Jan 02 03:04 hello.txt'), {
      name: 'hello.txt',
      type: 'file',
      size: 12,
      modifiedAt: utc('2024-01-02T03:04:00Z'),
      modifiedAtPrecision: 'minute',
    });
    assert.deepEqual(parse('drwxr-xr-x    2 1001     1001         4096 Mar 15  2021 dir with spaces'), {
      name: 'dir with spaces',
      type: 'directory',
      size: null,
      modifiedAt: utc('2021-03-15T00:00:00Z'),
      modifiedAtPrecision: 'day',
    });
  });

  it('reads pure-ftpd, proftpd and ftp-srv column layouts', () => {
    const expected = {
      name: 'a b.txt',
      type: 'file',
      size: 1048576,
      modifiedAt: utc('2024-01-02T03:04:00Z'),
      modifiedAtPrecision: 'minute',
    };
    assert.deepEqual(parse('-rw-r--r--    1 gw         gw            1048576 Jan  2 03:04 a b.txt'), expected);
    assert.deepEqual(parse('-rw-r--r--   1 gw       gw        1048576 Jan  2 03:04 a b.txt'), expected);
    assert.deepEqual(parse('-rw-r--r-- 1 1001 1001      1048576 Jan 02 03:04 a b.txt'), expected);
  });

  it('reads a line without a group column, and with owner names holding digits', () => {
    assert.equal(parse('-rw-r--r--   1 owner         12 Jan  2 03:04 x').size, 12);
    assert.equal(parse('-rw-r--r--   1 user1 group2 12 Jan  2 03:04 x').size, 12);
    assert.equal(parse('-rw-r--r--   1 1000 1000 12 Jan  2 03:04 x').size, 12);
  });

  it('reads ACL, extended-attribute and SELinux markers after the permissions', () => {
    for (const marker of ['+', '@', '.']) assert.equal(parse(`-rw-r--r--${marker}  1 a b 12 Jan  2 03:04 x`).name, 'x');
  });

  it('reads symlinks with their target', () => {
    assert.deepEqual(parse('lrwxrwxrwx    1 1001     1001            9 Jan 02 03:04 my link -> hello world.txt'), {
      name: 'my link',
      type: 'symlink',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:00Z'),
      modifiedAtPrecision: 'minute',
      target: 'hello world.txt',
    });
    assert.equal(parse('lrwxrwxrwx 1 a b 9 Jan 02 03:04 noarrow').target, undefined);
  });

  it('keeps " -> " in names of entries that are not symlinks', () => {
    assert.equal(parse('-rw-r--r-- 1 a b 1 Jan 02 03:04 a -> b').name, 'a -> b');
  });

  it('reads device files (major, minor) as unknown without a size, and other types as unknown', () => {
    assert.deepEqual(parse('crw-rw-rw-   1 root  root  1,   3 Jan  2 03:04 null'), {
      name: 'null',
      type: 'unknown',
      size: null,
      modifiedAt: utc('2024-01-02T03:04:00Z'),
      modifiedAtPrecision: 'minute',
    });
    assert.equal(parse('brw-rw----   1 root  disk  8,0 Jan  2 03:04 sda').type, 'unknown');
    assert.deepEqual(parse('prw-r--r--   1 a b 0 Jan  2 03:04 fifo').size, 0);
    assert.equal(parse('srwxrwxrwx   1 a b 0 Jan  2 03:04 sock').type, 'unknown');
  });

  it('reads sticky, setuid and setgid bits', () => {
    assert.equal(parse('drwxrwxrwt   2 a b 4096 Jan  2 03:04 tmp').type, 'directory');
    assert.equal(parse('-rwsr-sr-x   1 a b 10 Jan  2 03:04 su').size, 10);
    assert.equal(parse('-rwSr-Sr-T   1 a b 10 Jan  2 03:04 caps').size, 10);
  });

  it('reads the day before the month', () => {
    assert.deepEqual(parse('-rw-r--r-- 1 a b 12 2 Jan 03:04 x').modifiedAt, utc('2024-01-02T03:04:00Z'));
  });

  it('reads times with seconds', () => {
    assert.deepEqual(parse('-rw-r--r-- 1 a b 12 Jan 2 03:04:05 x').modifiedAt, utc('2024-01-02T03:04:05Z'));
  });

  it('keeps leading and trailing spaces of names (one space separates date and name)', () => {
    assert.equal(parse('-rw-r--r-- 1 a b 12 Jan 02 03:04   three').name, '  three');
    assert.equal(parse('-rw-r--r-- 1 a b 12 Jan 02  2020  one').name, ' one');
    assert.equal(parse('-rw-r--r-- 1 a b 12 Jan 02 03:04 trail ').name, 'trail ');
  });

  it('does not mistake numbers in the name for the size or date', () => {
    assert.deepEqual(parse('-rw-r--r-- 1 a b 7 Feb 03 04:05 12 Jan 02 03:04 x'), {
      name: '12 Jan 02 03:04 x',
      type: 'file',
      size: 7,
      modifiedAt: utc('2024-02-03T04:05:00Z'),
      modifiedAtPrecision: 'minute',
    });
  });

  it('reads a time-only date as the most recent one not after tomorrow (ls: within the past six months)', () => {
    const line = (date: string, now: Date = NOW): Date | null => parse(`-rw-r--r-- 1 a b 1 ${date} x`, now).modifiedAt;
    assert.deepEqual(line('Mar 10 11:00'), utc('2024-03-10T11:00:00Z'));
    assert.deepEqual(line('Mar 11 11:00'), utc('2024-03-11T11:00:00Z'), 'a little ahead (server clock or zone ahead): this year');
    assert.deepEqual(line('Mar 11 12:00'), utc('2024-03-11T12:00:00Z'), 'exactly one day ahead: still this year');
    assert.deepEqual(line('Mar 11 12:01'), utc('2023-03-11T12:01:00Z'), 'more than a day ahead: last year');
    assert.deepEqual(line('Sep 01 00:00'), utc('2023-09-01T00:00:00Z'), 'never months in the future');
    assert.deepEqual(line('Dec 31 23:59'), utc('2023-12-31T23:59:00Z'));
  });

  it('reads year-less dates across New Year, with the clock injected', () => {
    const line = (date: string, now: string): Date | null => parse(`-rw-r--r-- 1 a b 1 ${date} x`, utc(now)).modifiedAt;
    assert.deepEqual(line('Dec 31 23:59', '2027-01-01T00:30:00Z'), utc('2026-12-31T23:59:00Z'), 'last night, seen just after midnight');
    assert.deepEqual(
      line('Jan 02 03:04', '2026-12-06T10:00:00Z'),
      utc('2026-01-02T03:04:00Z'),
      'in December a January date is this year, not next',
    );
    assert.deepEqual(
      line('Jan 01 01:00', '2026-12-31T23:30:00Z'),
      utc('2027-01-01T01:00:00Z'),
      'tomorrow (clock skew) crosses into next year',
    );
    assert.deepEqual(line('Jan 02 01:00', '2026-12-31T23:30:00Z'), utc('2026-01-02T01:00:00Z'), 'two days ahead is last January');
    assert.deepEqual(line('Dec 31 23:59', '2026-12-31T12:00:00Z'), utc('2026-12-31T23:59:00Z'), 'later today');
  });

  it('reads Feb 29 without a year as the most recent leap day not after tomorrow', () => {
    const line = (now: string): Date | null => parse('-rw-r--r-- 1 a b 1 Feb 29 10:00 x', utc(now)).modifiedAt;
    assert.deepEqual(line('2025-01-10T00:00:00Z'), utc('2024-02-29T10:00:00Z'));
    assert.deepEqual(line('2025-06-01T00:00:00Z'), utc('2024-02-29T10:00:00Z'));
    assert.deepEqual(line('2027-12-31T00:00:00Z'), utc('2024-02-29T10:00:00Z'), 'no leap day since 2024');
    assert.deepEqual(line('2028-02-27T12:00:00Z'), utc('2024-02-29T10:00:00Z'), '2028-02-29 is still more than a day ahead');
    assert.deepEqual(line('2028-02-28T12:00:00Z'), utc('2028-02-29T10:00:00Z'), 'tomorrow');
    assert.deepEqual(line('2028-03-01T00:00:00Z'), utc('2028-02-29T10:00:00Z'));
    assert.deepEqual(line('2104-01-01T00:00:00Z'), utc('2096-02-29T10:00:00Z'), '2100 is no leap year: eight years back');
    assert.deepEqual(parse('-rw-r--r-- 1 a b 1 Feb 28 10:00 x', utc('2028-03-01T00:00:00Z')).modifiedAt, utc('2028-02-28T10:00:00Z'));
  });

  it('gives null dates for impossible or unknown ones', () => {
    assert.equal(parse('-rw-r--r-- 1 a b 1 Feb 29  2023 x').modifiedAt, null);
    assert.equal(parse('-rw-r--r-- 1 a b 1 Feb 30 10:00 x').modifiedAt, null);
    assert.equal(parse('-rw-r--r-- 1 a b 1 Foo 10 10:00 x').modifiedAt, null);
    assert.equal(parse('-rw-r--r-- 1 a b 1 Jan 10 25:00 x').modifiedAt, null);
  });

  it('says how precise the date is: a year line gives only the day (not a time of midnight), a time the minute or second', () => {
    const at = (date: string): { [K in 'modifiedAt' | 'modifiedAtPrecision']: FtpEntry[K] } => {
      const { modifiedAt, modifiedAtPrecision } = parse(`-rw-r--r-- 1 a b 1 ${date} x`);
      return { modifiedAt, modifiedAtPrecision };
    };
    assert.deepEqual(at('Mar 15  2021'), { modifiedAt: utc('2021-03-15T00:00:00Z'), modifiedAtPrecision: 'day' });
    assert.deepEqual(at('Jan 02 03:04'), { modifiedAt: utc('2024-01-02T03:04:00Z'), modifiedAtPrecision: 'minute' });
    assert.deepEqual(at('Jan 02 03:04:05'), { modifiedAt: utc('2024-01-02T03:04:05Z'), modifiedAtPrecision: 'second' });
    assert.equal('modifiedAtPrecision' in parse('-rw-r--r-- 1 a b 1 Feb 30 10:00 x'), false, 'no precision without a date');
  });

  it('reads month names in any case', () => {
    assert.deepEqual(parse('-rw-r--r-- 1 a b 1 JAN 02 03:04 x').modifiedAt, utc('2024-01-02T03:04:00Z'));
  });

  it('returns null for "total N" and undefined for other lines', () => {
    assert.equal(parseUnixListLine('total 12', NOW), null);
    assert.equal(parseUnixListLine('TOTAL 0', NOW), null);
    for (const line of [
      '',
      'hello.txt',
      'type=file;size=1; x',
      '01-02-24  03:04AM       <DIR>          dir',
      '-rw-r--r-- 1 a b 12 Jan 02 03:04',
      '-rw-r--r-- 1 a b 12 Jan 02 03:04 ',
      'xrw-r--r-- 1 a b 12 Jan 02 03:04 x',
      '-rw-r--r-- 1 a b twelve Jan 02 03:04 x',
    ]) {
      assert.equal(parseUnixListLine(line, NOW), undefined, JSON.stringify(line));
    }
  });

  it('has a testLine that agrees with parseLine', () => {
    assert.equal(unixListDialect.testLine('-rw-r--r-- 1 a b 12 Jan 02 03:04 x'), true);
    assert.equal(unixListDialect.testLine('total 4'), true);
    assert.equal(unixListDialect.testLine('01-02-24  03:04AM       <DIR>          dir'), false);
  });

  it('reads the shapes Commons Net collects: ISO dates (with a zone), CJK dates, z/OS external links, a count glued to the ACL marker', () => {
    assert.deepEqual(parse('-rw-r-----   1 neeme neeme   346 2005-04-08 11:22 services.vsp'), {
      name: 'services.vsp',
      type: 'file',
      size: 346,
      modifiedAt: utc('2005-04-08T11:22:00Z'),
      modifiedAtPrecision: 'minute',
    });
    const fullIso = parse('-rw-r--r-- 1 a b 5 2024-03-01 10:20:30.123456789 +0200 x');
    assert.deepEqual([fullIso.modifiedAt, fullIso.modifiedAtPrecision, fullIso.name], [utc('2024-03-01T08:20:30Z'), 'second', 'x']);
    assert.deepEqual(parse('-rw-r--r-- 1 a b 5 2024-03-01 10:20:30 -0130 x').modifiedAt, utc('2024-03-01T11:50:30Z'));
    assert.deepEqual(parse('-rw-rw---- 1 ep1adm sapsys 0 8\u6708 17\u65e5 20:10 caerrinf').modifiedAt, utc('2023-08-17T20:10:00Z'));
    assert.deepEqual(parse('-rw-rw---- 1 ep1adm sapsys 0 6\u6708 3\u65e5 2003\u5e74 a b.csv').name, 'a b.csv');
    assert.deepEqual(parse('-rwxr-xr-x 2 user group 4096 3\u6708 2 15:13 zxbox').modifiedAt, utc('2024-03-02T15:13:00Z'));
    const external = parse('erwxrwxrwx 1 a b 8 Jan 02 03:04 ext -> /u/target');
    assert.deepEqual([external.type, external.target], ['symlink', '/u/target']);
    assert.equal(parse('frw-r--r-- 1 a b 8 Jan 02 03:04 f').type, 'file');
    const acl = parse('drwxr-x---+1464 chrism   chrism     41472 Feb 25 13:17 20090225');
    assert.deepEqual([acl.name, acl.type], ['20090225', 'directory']);
  });

  it('reads month names in the locales of Commons Net, and not a permission letter out of place', () => {
    const month = (name: string): number | undefined => parse(`-rw-r--r-- 1 a b 1 ${name} 2 2020 x`).modifiedAt?.getUTCMonth();
    assert.deepEqual(
      ['Mär', 'mrt', 'févr.', 'janv.', 'ene', 'gen', 'ago', 'out', 'Okt', 'dic', 'maj', 'mei'].map(month),
      [2, 2, 1, 0, 0, 0, 7, 9, 9, 11, 4, 4],
    );
    assert.deepEqual(parse('-rw-r--r-- 1 a b 1 22 déc 2002 fr').modifiedAt, utc('2002-12-22T00:00:00Z'));
    assert.equal(parseUnixListLine('dxrwr-xr-x   2 root     root         4096 Aug 24  2001 zxjdbc', NOW), undefined);
  });

  it('round-trips generated entries through an ls -l line', () => {
    const name = fc.string({
      minLength: 1,
      maxLength: 30,
      unit: fc.constantFrom('a', ' ', '1', 'J', '-', '>', ':', 'é', '\u{1F600}', '\r', '\t'),
    });
    const recent = fc.integer({ min: -360 * 24 * 60, max: 24 * 60 }).map((minutes) => new Date(NOW.getTime() + minutes * 60_000));
    const old = fc
      .date({ min: utc('1970-01-01T00:00:00Z'), max: utc('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())));
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    fc.assert(
      fc.property(
        fc.constantFrom('-', 'd', 'l'),
        name,
        fc.maxSafeNat(),
        fc.oneof(
          recent.map((d) => ({ d, recent: true })),
          old.map((d) => ({ d, recent: false })),
        ),
        fc.constantFrom('1000', 'gw', 'ftp user'),
        (typeChar, n, size, { d, recent }, owner) => {
          const day = String(d.getUTCDate()).padStart(2, ' ');
          const tail = recent
            ? `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
            : ` ${d.getUTCFullYear()}`;
          const target = typeChar === 'l' ? ' -> target' : '';
          const nameOk = typeChar === 'l' ? n.replaceAll('>', '') || 'x' : n;
          const line = `${typeChar}rw-r--r--    1 ${owner}     ${owner}   ${size} ${months[d.getUTCMonth()]} ${day} ${tail} ${nameOk}${target}`;
          const entry = parse(line);
          const type = typeChar === '-' ? 'file' : typeChar === 'd' ? 'directory' : 'symlink';
          const expected: FtpEntry = {
            name: nameOk,
            type,
            size: type === 'file' ? size : null,
            modifiedAt: d,
            modifiedAtPrecision: recent ? 'minute' : 'day',
          };
          if (type === 'symlink') expected.target = 'target';
          assert.deepEqual(entry, expected);
        },
      ),
    );
  });
});
