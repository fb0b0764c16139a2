import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FtpError } from '../../src/ftp/errors.js';
import { createListingParser, parseListingLines, type FtpListingParserOptions } from '../../src/ftp/listing/parseListing.js';
import type { FtpEntry } from '../../src/ftp/types.js';

const utc = (iso: string): Date => new Date(iso);
const NOW = utc('2024-03-10T12:00:00Z');

/** Samples written from the servers' formats (captured fixtures are tested in listingFixtures.test.ts). */
const SAMPLES: Record<string, { format: 'mlsd' | 'list'; text: string }> = {
  'vsftpd LIST': {
    format: 'list',
    text:
      'drwxr-xr-x    2 1001     1001         4096 Jan 02 03:04 dir with spaces\r\n' +
      '-rw-r--r--    1 1001     1001           12 Jan 02 03:04 hello.txt\r\n' +
      'lrwxrwxrwx    1 1001     1001            9 Jan 02 03:04 link -> hello.txt\r\n' +
      '-rw-r--r--    1 1001     1001      1048576 Mar 15  2021 old.bin\r\n',
  },
  'proftpd LIST': {
    format: 'list',
    text:
      'total 1032\r\n' +
      'drwxr-xr-x   2 gw       gw           4096 Jan  2 03:04 dir with spaces\r\n' +
      '-rw-r--r--   1 gw       gw             12 Jan  2 03:04 hello.txt\r\n' +
      'lrwxrwxrwx   1 gw       gw              9 Jan  2 03:04 link -> hello.txt\r\n' +
      '-rw-r--r--   1 gw       gw        1048576 Mar 15  2021 old.bin\r\n',
  },
  'pure-ftpd LIST (with . and ..)': {
    format: 'list',
    text:
      'drwxr-xr-x    3 1001       1001             4096 Jan  2 03:04 .\r\n' +
      'drwxr-xr-x    3 1001       1001             4096 Jan  2 03:04 ..\r\n' +
      'drwxr-xr-x    2 1001       1001             4096 Jan  2 03:04 dir with spaces\r\n' +
      '-rw-r--r--    1 1001       1001               12 Jan  2 03:04 hello.txt\r\n' +
      'lrwxrwxrwx    1 1001       1001                9 Jan  2 03:04 link -> hello.txt\r\n' +
      '-rw-r--r--    1 1001       1001          1048576 Mar 15  2021 old.bin\r\n',
  },
  'ftp-srv LIST (LF only)': {
    format: 'list',
    text:
      'drwxr-xr-x 1 1001 1001         4096 Jan 02 03:04 dir with spaces\n' +
      '-rw-r--r-- 1 1001 1001           12 Jan 02 03:04 hello.txt\n' +
      'lrwxrwxrwx 1 1001 1001            9 Jan 02 03:04 link -> hello.txt\n' +
      '-rw-r--r-- 1 1001 1001      1048576 Mar 15  2021 old.bin\n',
  },
  'pure-ftpd MLSD': {
    format: 'mlsd',
    text:
      'type=cdir;sizd=4096;modify=20240102030400;UNIX.mode=0755;UNIX.uid=1001;UNIX.gid=1001;unique=803g4a01; .\r\n' +
      'type=pdir;sizd=4096;modify=20240102030400;UNIX.mode=0755;UNIX.uid=0;UNIX.gid=0;unique=803g2; ..\r\n' +
      'type=dir;sizd=4096;modify=20240102030400;UNIX.mode=0755;UNIX.uid=1001;UNIX.gid=1001;unique=803g4a03; dir with spaces\r\n' +
      'type=file;size=12;modify=20240102030400;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=803g4a02; hello.txt\r\n' +
      'type=OS.unix=slink:hello.txt;modify=20240102030400; link\r\n' +
      'type=file;size=1048576;modify=20210315000000;UNIX.mode=0644; old.bin\r\n',
  },
  'proftpd MLSD': {
    format: 'mlsd',
    text:
      'modify=20240102030400;perm=flcdmpe;type=cdir;unique=FD01U2A;UNIX.group=1001;UNIX.mode=0755;UNIX.owner=1001; .\r\n' +
      'modify=20240102030400;perm=flcdmpe;type=pdir;unique=FD01U2;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; ..\r\n' +
      'modify=20240102030400;perm=flcdmpe;type=dir;unique=FD01U2C;UNIX.group=1001;UNIX.mode=0755;UNIX.owner=1001; dir with spaces\r\n' +
      'modify=20240102030400;perm=adfrw;size=12;type=file;unique=FD01U2B;UNIX.group=1001;UNIX.mode=0644;UNIX.owner=1001; hello.txt\r\n' +
      'modify=20240102030400;perm=adfrw;type=OS.unix=slink:hello.txt;unique=FD01U2D; link\r\n' +
      'modify=20210315000000;perm=adfrw;size=1048576;type=file;unique=FD01U2E;UNIX.mode=0644; old.bin\r\n',
  },
  'IIS DOS LIST': {
    format: 'list',
    text:
      '01-02-24  03:04AM       <DIR>          dir with spaces\r\n' +
      '01-02-24  03:04AM                   12 hello.txt\r\n' +
      '03-15-21  12:00AM              1048576 old.bin\r\n',
  },
};

const EXPECTED: FtpEntry[] = [
  { name: 'dir with spaces', type: 'directory', size: null, modifiedAt: utc('2024-01-02T03:04:00Z') },
  { name: 'hello.txt', type: 'file', size: 12, modifiedAt: utc('2024-01-02T03:04:00Z') },
  { name: 'link', type: 'symlink', size: null, modifiedAt: utc('2024-01-02T03:04:00Z'), target: 'hello.txt' },
  { name: 'old.bin', type: 'file', size: 1048576, modifiedAt: utc('2021-03-15T00:00:00Z') },
];
const EXPECTED_DOS = EXPECTED.filter((e) => e.type !== 'symlink');

function parseChunks(chunks: readonly string[], options: FtpListingParserOptions): FtpEntry[] {
  const parser = createListingParser(options);
  const out = chunks.flatMap((c) => parser.push(c));
  out.push(...parser.end());
  return out;
}

function splitAt(text: string, points: readonly number[]): string[] {
  const cuts = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(text.slice(from, cut));
    from = cut;
  }
  out.push(text.slice(from));
  return out;
}

const isParseError = (err: unknown): boolean => err instanceof FtpError && err.code === 'FTP_PARSE' && err.category === 'protocol';

describe('parseListingLines', () => {
  for (const [label, { format, text }] of Object.entries(SAMPLES)) {
    it(`reads a ${label} listing, dropping . and ..`, () => {
      const expected = label.startsWith('IIS') ? EXPECTED_DOS : EXPECTED;
      assert.deepEqual(parseListingLines(text.split('\n'), { format, now: NOW }), expected);
    });
  }

  it('skips lines it cannot read, counting them', () => {
    const skipped: string[] = [];
    const lines = ['-rw-r--r-- 1 a b 12 Jan 02 03:04 a', 'garbage line', '', '-rw-r--r-- 1 a b 13 Jan 02 03:04 b'];
    const entries = parseListingLines(lines, { format: 'list', now: NOW, onSkippedLine: (l) => skipped.push(l) });
    assert.deepEqual(
      entries.map((e) => e.name),
      ['a', 'b'],
    );
    assert.deepEqual(skipped, ['garbage line']);
  });

  it('keeps the dialect of the first recognised line: a DOS line in a Unix listing is skipped', () => {
    const parser = createListingParser({ format: 'list', now: NOW });
    const out = parser.push('junk first\n-rw-r--r-- 1 a b 12 Jan 02 03:04 a\n01-02-24  03:04AM                   12 dos\n');
    out.push(...parser.end());
    assert.deepEqual(
      out.map((e) => e.name),
      ['a'],
    );
    assert.equal(parser.dialect, 'unix');
    assert.equal(parser.skipped, 2);
  });

  it('throws FTP_PARSE when no line of a non-empty listing parses', () => {
    assert.throws(() => parseListingLines(['hello', 'world'], { format: 'list' }), isParseError);
    assert.throws(() => parseListingLines(['-rw-r--r-- 1 a b 12 Jan 02 03:04 x'], { format: 'mlsd' }), isParseError);
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
    const expected = label.startsWith('IIS') ? EXPECTED_DOS : EXPECTED;
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

  it('throws FTP_PARSE at end() when nothing parsed', () => {
    const parser = createListingParser({ format: 'list' });
    assert.deepEqual(parser.push('no\r\nlisting\r\nhere'), []);
    assert.throws(() => parser.end(), isParseError);
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
      fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom('\r\n', '\n'), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 15, max: 35 }), (lines, eol, points, max) => {
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
      }),
    );
  });
});
