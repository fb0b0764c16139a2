import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FtpError } from '../../../../src/ftp/errors.js';
import { createListingParser, parseListingLines, type FtpListingParserOptions } from '../../../../src/ftp/listing/parseListing.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { splitAt } from '../../../helpers/splitAt.js';

const utc = (iso: string): Date => new Date(iso);
const NOW = utc('2026-11-25T12:10:00Z');

/**
 * Listings captured by the author from the real servers on this machine
 * (vsftpd 3.0.3, pure-ftpd 1.0.50, proftpd 1.3.8, ftp-srv 4.6.3; TYPE A, one
 * folder with a leading-space name, a name with ";" and "=", a symlink, a
 * non-ASCII name, an old file and one dated Nov 2). IIS is written from its
 * documented format. Captured fixture files are tested in parseListing.fixtures.test.ts.
 */
const SAMPLES: Record<string, { format: 'mlsd' | 'list'; text: string }> = {
  'vsftpd LIST': {
    format: 'list',
    text: '-rw-r--r--    1 999      995             1 Nov 25 12:07  leading space.txt\r\ndrwxr-xr-x    2 999      995          4096 Nov 25 12:07 dir with spaces\r\n-rw-r--r--    1 999      995            12 Nov 25 12:07 hello.txt\r\nlrwxrwxrwx    1 999      995             9 Nov 25 12:07 link -> hello.txt\r\n-rw-r--r--    1 999      995             1 Nov 02 09:08 nov2.txt\r\n-rw-r--r--    1 999      995          1000 Mar 15  2021 old.bin\r\n-rw-r--r--    1 999      995             3 Nov 25 12:07 semi;colon=x.txt\r\n-rw-r--r--    1 999      995             4 Nov 25 12:07 \u00fcn\u00efcode \u65e5\u672c.txt\r\n',
  },
  'pure-ftpd LIST': {
    format: 'list',
    text: '-rw-r--r--    1 999        ftpgw               1 Nov 25 12:07  leading space.txt\r\ndrwxr-xr-x    2 999        ftpgw            4096 Nov 25 12:07 dir with spaces\r\n-rw-r--r--    1 999        ftpgw              12 Nov 25 12:07 hello.txt\r\nlrwxrwxrwx    1 999        ftpgw               9 Nov 25 12:07 link -> hello.txt\r\n-rw-r--r--    1 999        ftpgw               1 Nov  2 09:08 nov2.txt\r\n-rw-r--r--    1 999        ftpgw            1000 Mar 15  2021 old.bin\r\n-rw-r--r--    1 999        ftpgw               3 Nov 25 12:07 semi;colon=x.txt\r\n-rw-r--r--    1 999        ftpgw               4 Nov 25 12:07 \u00fcn\u00efcode \u65e5\u672c.txt\r\n',
  },
  'proftpd LIST': {
    format: 'list',
    text: '-rw-r--r--   1 ftpgw    ftpgw           1 Nov 25 12:07  leading space.txt\r\ndrwxr-xr-x   2 ftpgw    ftpgw        4096 Nov 25 12:07 dir with spaces\r\n-rw-r--r--   1 ftpgw    ftpgw          12 Nov 25 12:07 hello.txt\r\nlrwxrwxrwx   1 ftpgw    ftpgw           9 Nov 25 12:07 link -> hello.txt\r\n-rw-r--r--   1 ftpgw    ftpgw           1 Nov  2 09:08 nov2.txt\r\n-rw-r--r--   1 ftpgw    ftpgw        1000 Mar 15  2021 old.bin\r\n-rw-r--r--   1 ftpgw    ftpgw           3 Nov 25 12:07 semi;colon=x.txt\r\n-rw-r--r--   1 ftpgw    ftpgw           4 Nov 25 12:07 \u00fcn\u00efcode \u65e5\u672c.txt\r\n',
  },
  // ftp-srv follows symlinks (the link is listed as the file it points to).
  'ftp-srv LIST': {
    format: 'list',
    text: '-rw-r--r-- 1 1 1            1 Nov 25 12:07  leading space.txt\r\ndrwxr-xr-x 1 1 1         4096 Nov 25 12:07 dir with spaces\r\n-rw-r--r-- 1 1 1           12 Nov 25 12:07 hello.txt\r\n-rw-r--r-- 1 1 1           12 Nov 25 12:07 link\r\n-rw-r--r-- 1 1 1            1 Nov 02 09:08 nov2.txt\r\n-rw-r--r-- 1 1 1         1000 Mar 15  2021 old.bin\r\n-rw-r--r-- 1 1 1            3 Nov 25 12:07 semi;colon=x.txt\r\n-rw-r--r-- 1 1 1            4 Nov 25 12:07 \u00fcn\u00efcode \u65e5\u672c.txt\r\n',
  },
  // pure-ftpd sends "OS.unix=slink:" with an empty target, and cdir/pdir.
  'pure-ftpd MLSD': {
    format: 'mlsd',
    text: 'type=file;size=1;modify=20261102090800;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c284; nov2.txt\r\ntype=file;size=4;modify=20261125120738;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c263; \u00fcn\u00efcode \u65e5\u672c.txt\r\ntype=cdir;sizd=4096;modify=20261125120738;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c0e3; .\r\ntype=OS.unix=slink:;size=9;modify=20261125120738;UNIX.mode=0777;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c2a2; link\r\ntype=file;size=12;modify=20261125120738;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c231; hello.txt\r\ntype=pdir;sizd=4096;modify=20261125120738;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c0e3; ..\r\ntype=file;size=1;modify=20261125120738;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c24b;  leading space.txt\r\ntype=file;size=3;modify=20261125120738;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c251; semi;colon=x.txt\r\ntype=dir;sizd=4096;modify=20261125120738;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c293; dir with spaces\r\ntype=file;size=1000;modify=20210315100000;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c278; old.bin\r\n',
  },
  'proftpd MLSD': {
    format: 'mlsd',
    text: 'modify=20261102090800;perm=adfrw;size=1;type=file;unique=FE00U20C251;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw; nov2.txt\r\nmodify=20261125120738;perm=adfrw;size=4;type=file;unique=FE00U20C231;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw; \u00fcn\u00efcode \u65e5\u672c.txt\r\nmodify=20261125120738;perm=flcdmpe;type=cdir;unique=FE00U20C0E3;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpgw; .\r\nmodify=20261125120738;perm=adfrw;size=9;type=OS.unix=symlink;unique=FE00U20C206;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0777;UNIX.owner=999;UNIX.ownername=ftpgw; link\r\nmodify=20261125120738;perm=adfrw;size=12;type=file;unique=FE00U20C206;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw; hello.txt\r\nmodify=20261125120738;perm=flcdmpe;type=pdir;unique=FE00U20C0E3;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpgw; ..\r\nmodify=20261125120738;perm=adfrw;size=1;type=file;unique=FE00U20C215;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw;  leading space.txt\r\nmodify=20261125120738;perm=adfrw;size=3;type=file;unique=FE00U20C224;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw; semi;colon=x.txt\r\nmodify=20261125120738;perm=flcdmpe;type=dir;unique=FE00U20C263;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpgw; dir with spaces\r\nmodify=20210315100000;perm=adfrw;size=1000;type=file;unique=FE00U20C24B;UNIX.group=995;UNIX.groupname=ftpgw;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpgw; old.bin\r\n',
  },
  'IIS DOS LIST': {
    format: 'list',
    text:
      '11-25-26  12:07PM                    1  leading space.txt\r\n' +
      '11-25-26  12:07PM       <DIR>          dir with spaces\r\n' +
      '11-25-26  12:07PM                   12 hello.txt\r\n' +
      '11-02-26  09:08AM                    1 nov2.txt\r\n' +
      '03-15-21  12:00AM                 1000 old.bin\r\n' +
      '11-25-26  12:07PM                    3 semi;colon=x.txt\r\n' +
      '11-25-26  12:07PM                    4 \u00fcn\u00efcode \u65e5\u672c.txt\r\n',
  },
};

/** By name, what every sample must yield (LIST times have minutes only, MLSD seconds). */
function expectedFor(label: string): Map<string, { type: FtpEntry['type']; size: number | null; modifiedAt: string; target?: string }> {
  const mlsd = label.includes('MLSD');
  const t = (listTime: string, mlsdTime: string): string => (mlsd ? mlsdTime : listTime);
  const recent = t('2026-11-25T12:07:00Z', '2026-11-25T12:07:38Z');
  const rows: [string, FtpEntry['type'], number | null, string, string?][] = [
    [' leading space.txt', 'file', 1, recent],
    ['dir with spaces', 'directory', null, recent],
    ['hello.txt', 'file', 12, recent],
    ['nov2.txt', 'file', 1, t('2026-11-02T09:08:00Z', '2026-11-02T09:08:00Z')],
    ['old.bin', 'file', 1000, t('2021-03-15T00:00:00Z', '2021-03-15T10:00:00Z')],
    ['semi;colon=x.txt', 'file', 3, recent],
    ['\u00fcn\u00efcode \u65e5\u672c.txt', 'file', 4, recent],
  ];
  // IIS has no symlinks; ftp-srv lists the file a link points to; MLSD names no target here.
  if (label.startsWith('ftp-srv')) rows.push(['link', 'file', 12, recent]);
  else if (label.startsWith('IIS')) {
    // no link row
  } else if (mlsd) rows.push(['link', 'symlink', null, recent]);
  else rows.push(['link', 'symlink', null, recent, 'hello.txt']);
  return new Map(rows.map(([name, type, size, modifiedAt, target]) => [name, { type, size, modifiedAt, ...(target ? { target } : {}) }]));
}

function byName(entries: FtpEntry[]): Map<string, { type: FtpEntry['type']; size: number | null; modifiedAt: string; target?: string }> {
  return new Map(
    entries.map((e) => [
      e.name,
      {
        type: e.type,
        size: e.size,
        modifiedAt: e.modifiedAt?.toISOString().replace('.000Z', 'Z') ?? 'null',
        ...(e.target ? { target: e.target } : {}),
      },
    ]),
  );
}

function parseChunks(chunks: readonly string[], options: FtpListingParserOptions): FtpEntry[] {
  const parser = createListingParser(options);
  const out = chunks.flatMap((c) => parser.push(c));
  out.push(...parser.end());
  return out;
}

const isParseError = (err: unknown): boolean => err instanceof FtpError && err.code === 'FTP_PARSE' && err.category === 'protocol';

describe('parseListingLines', () => {
  for (const [label, { format, text }] of Object.entries(SAMPLES)) {
    it(`reads a ${label} listing, dropping . and .. (cdir, pdir)`, () => {
      const entries = parseListingLines(text.split('\n'), { format, now: NOW, onUnknownLine: (l) => assert.fail(`unknown line ${l}`) });
      assert.equal(entries.length, expectedFor(label).size, 'no duplicates, nothing dropped');
      assert.deepEqual(byName(entries), expectedFor(label));
    });
  }

  it('keeps a line it cannot read as an unknown entry with the line as raw, in place, counting it', () => {
    const unknown: string[] = [];
    const lines = ['-rw-r--r-- 1 a b 12 Jan 02 03:04 a', 'garbage line', '', '-rw-r--r-- 1 a b 13 Jan 02 03:04 b'];
    const entries = parseListingLines(lines, { format: 'list', now: NOW, onUnknownLine: (l) => unknown.push(l) });
    assert.deepEqual(
      entries.map((e) => e.name),
      ['a', 'garbage line', 'b'],
    );
    assert.deepEqual(entries[1], { name: 'garbage line', type: 'unknown', size: null, modifiedAt: null, raw: 'garbage line' });
    assert.equal(entries[0]?.raw, undefined, 'only unread lines carry raw');
    assert.deepEqual(unknown, ['garbage line']);
  });

  it('keeps the dialect of the first recognised line: a DOS line in a Unix listing is unknown', () => {
    const parser = createListingParser({ format: 'list', now: NOW });
    const out = parser.push('junk first\n-rw-r--r-- 1 a b 12 Jan 02 03:04 a\n01-02-24  03:04AM                   12 dos\n');
    out.push(...parser.end());
    assert.deepEqual(
      out.map((e) => [e.name, e.type]),
      [
        ['junk first', 'unknown'],
        ['a', 'file'],
        ['01-02-24  03:04AM                   12 dos', 'unknown'],
      ],
    );
    assert.equal(parser.dialect, 'unix');
    assert.equal(parser.unknownLines, 2);
  });

  it('reads a listing no line of which parses as unknown entries, never as an error or as empty', () => {
    const raw = (entries: FtpEntry[]): Array<string | undefined> =>
      entries.map((e) => (e.type === 'unknown' && e.size === null && e.modifiedAt === null ? e.raw : 'not unknown'));
    assert.deepEqual(raw(parseListingLines(['hello', 'world'], { format: 'list' })), ['hello', 'world']);
    assert.deepEqual(raw(parseListingLines(['-rw-r--r-- 1 a b 12 Jan 02 03:04 x'], { format: 'mlsd' })), [
      '-rw-r--r-- 1 a b 12 Jan 02 03:04 x',
    ]);
    assert.deepEqual(parseListingLines(['.', '..'], { format: 'list' }), [], '. and .. are never listed, whatever the dialect');
  });

  it('accepts empty listings: nothing, blank lines, "total 0", or only cdir/pdir', () => {
    assert.deepEqual(parseListingLines([], { format: 'list' }), []);
    assert.deepEqual(parseListingLines(['', '  ', '\r'], { format: 'list' }), []);
    assert.deepEqual(parseListingLines(['total 0'], { format: 'list' }), []);
    assert.deepEqual(parseListingLines(['type=cdir; .', 'type=pdir; ..'], { format: 'mlsd' }), []);
  });

  it('strips a CR left on lines', () => {
    assert.equal(parseListingLines(['type=file;size=1; a\r'], { format: 'mlsd' })[0]?.name, 'a');
  });
});

describe('createListingParser', () => {
  for (const [label, { format, text }] of Object.entries(SAMPLES)) {
    const expected = parseListingLines(text.split('\n'), { format, now: NOW });
    it(`reads ${label} whole, byte by byte, at every split point and in random splits`, () => {
      const options = { format, now: NOW };
      assert.deepEqual(parseChunks([text], options), expected);
      assert.deepEqual(parseChunks([...text], options), expected);
      for (let k = 0; k <= text.length; k++) assert.deepEqual(parseChunks([text.slice(0, k), text.slice(k)], options), expected);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
          assert.deepEqual(parseChunks(splitAt(text, points), options), expected);
        }),
      );
    });
  }

  it('reads a last line without a line end at end()', () => {
    const parser = createListingParser({ format: 'mlsd' });
    assert.deepEqual(parser.push('type=file;size=1; a\r\ntype=file;size=2; b'), [{ name: 'a', type: 'file', size: 1, modifiedAt: null }]);
    assert.deepEqual(parser.end(), [{ name: 'b', type: 'file', size: 2, modifiedAt: null }]);
    assert.deepEqual(parser.end(), [], 'end() twice is harmless');
    assert.equal(parser.dialect, 'mlsd');
  });

  it('emits entries as their lines complete', () => {
    const parser = createListingParser({ format: 'mlsd' });
    assert.deepEqual(parser.push('type=file;size=1; a'), []);
    assert.equal(parser.push('\r\ntype=file;size=2; b\r').length, 1);
    assert.equal(parser.push('\n').length, 1);
    assert.deepEqual(parser.end(), []);
  });

  it('gives unknown entries as their lines complete, the last one at end()', () => {
    const parser = createListingParser({ format: 'list' });
    assert.deepEqual(
      parser.push('no\r\nlisting\r\nhere').map((e) => e.raw),
      ['no', 'listing'],
    );
    assert.deepEqual(
      parser.end().map((e) => e.raw),
      ['here'],
    );
  });

  it('refuses a line over the cap (64 KiB by default), whole or in pieces', () => {
    const long = `type=file;size=1; ${'x'.repeat(64 * 1024)}\r\n`;
    assert.throws(() => parseChunks([long], { format: 'mlsd' }), isParseError);
    const parser = createListingParser({ format: 'mlsd' });
    assert.throws(() => {
      for (let i = 0; i < long.length; i += 1000) parser.push(long.slice(i, i + 1000));
    }, isParseError);
    const fits = `type=file;size=1; ${'x'.repeat(64 * 1024 - 18)}\r\n`;
    assert.equal(parseChunks([fits], { format: 'mlsd' })[0]?.name.length, 64 * 1024 - 18);
  });

  it('reaches the same verdict under a line cap for any split (entries or FTP_PARSE)', () => {
    const line = fc.string({ maxLength: 12, unit: fc.constantFrom('a', ' ') }).map((n) => `type=file;size=1; x${n}`);
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom('\r\n', '\n'),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 15, max: 35 }),
        (lines, eol, points, max) => {
          const text = lines.map((l) => l + eol).join('');
          const options = { format: 'mlsd' as const, maxLineLength: max };
          const verdict = (chunks: string[]): FtpEntry[] | 'FTP_PARSE' => {
            try {
              return parseChunks(chunks, options);
            } catch (err) {
              if (isParseError(err)) return 'FTP_PARSE';
              throw err;
            }
          };
          const whole = verdict([text]);
          assert.deepEqual(verdict(splitAt(text, points)), whole);
          assert.deepEqual(verdict([...text]), whole);
        },
      ),
    );
  });
});
