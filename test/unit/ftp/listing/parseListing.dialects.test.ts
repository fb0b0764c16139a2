import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createListingParser, type FtpListingParserOptions } from '../../../../src/ftp/listing/parseListing.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { splitAt } from '../../../helpers/splitAt.js';

/**
 * Every LIST dialect, from the listings in test/fixtures/listings/dialects
 * (see its README for where each line comes from). Each is parsed whole,
 * byte by byte and in random byte splits, through a streaming UTF-8 decoder
 * and the streaming parser as the client does, with no SYST and no memory of
 * the server (the dialect is sniffed), then with the server's SYST reply:
 * every line must be read, and the entries, their types, sizes, dates and
 * precisions must be the ones below, whatever the chunking.
 */
const DIR = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'listings', 'dialects');
/** LIST dates without a year are read relative to this. */
const NOW = new Date('2026-11-25T12:20:12Z');

type Row = [
  name: string,
  type: FtpEntry['type'],
  size: number | null,
  modifiedAt: string | null,
  precision?: FtpEntry['modifiedAtPrecision'],
  target?: string,
];

interface Case {
  dialect: string;
  system: string;
  rows: Row[];
}

const CASES: Record<string, Case> = {
  'unix.txt': {
    dialect: 'unix',
    system: 'UNIX Type: L8',
    rows: [
      ['JB3-TES1.gz', 'file', 21, '2026-08-08T14:14:00Z', 'minute'],
      ['zxjdbc', 'directory', null, '2001-08-24T00:00:00Z', 'day'],
      ['prog', 'directory', null, '2026-01-29T23:32:00Z', 'minute'],
      ['macros', 'symlink', null, '2026-03-02T18:06:00Z', 'minute', './../../global/macros/.'],
      ['zxJDBC-1.2.3.zip', 'file', 119926, '2000-08-22T00:00:00Z', 'day'],
      ['kmem', 'unknown', null, '2026-01-30T11:42:00Z', 'minute'],
      ['pci@1c,600000:devctl', 'unknown', null, '2004-07-02T00:00:00Z', 'day'],
      ['zxJDBC-1.2.4.zip', 'unknown', 126552, '2001-01-22T00:00:00Z', 'day'],
      ['testSuidExec2', 'file', 0, '2026-03-25T00:23:00Z', 'minute'],
      ['testACL', 'directory', null, '2026-01-10T13:09:00Z', 'minute'],
      ['20090225', 'directory', null, '2026-02-25T13:17:00Z', 'minute'],
      ['std', 'file', 3518644, '2026-05-25T12:12:00Z', 'minute'],
      ['zxJDBC-1.2.4.tar.gz', 'file', 83853, '2001-01-22T00:00:00Z', 'day'],
      ['bloplab 7 cd1.img', 'file', 816026400, '2008-10-05T00:00:00Z', 'day'],
      ['\u8a66\u9a13\u30d5\u30a1\u30a4\u30eb.csv', 'file', 0, '2003-06-03T00:00:00Z', 'day'],
      ['caerrinf', 'file', 0, '2026-08-17T20:10:00Z', 'minute'],
      ['zxbox', 'file', 4096, '2026-03-02T15:13:00Z', 'minute'],
      ['services.vsp', 'file', 346, '2005-04-08T11:22:00Z', 'minute'],
      ['  spaced', 'directory', null, '2026-03-02T15:13:00Z', 'minute'],
      ['test 1999 abc.pdf', 'file', 12414535, '2026-03-17T11:07:00Z', 'minute'],
      ['testSticky', 'file', 0, '2026-03-25T08:20:00Z', 'minute'],
    ],
  },
  'unix-localized.txt': {
    dialect: 'unix',
    system: 'UNIX Type: L8',
    rows: [
      ['de.txt', 'file', 12, '2026-03-03T10:00:00Z', 'minute'],
      ['de-alt.txt', 'file', 12, '2019-10-24T00:00:00Z', 'day'],
      ['fr.txt', 'file', 12, '2026-02-03T10:00:00Z', 'minute'],
      ['fr-daymonth.txt', 'file', 12, '2002-12-22T00:00:00Z', 'day'],
      ['nl.txt', 'file', 12, '2026-03-03T10:00:00Z', 'minute'],
      ['it.txt', 'file', 12, '2020-06-14T00:00:00Z', 'day'],
      ['es.txt', 'file', 12, '2026-01-05T10:00:00Z', 'minute'],
      ['pt.txt', 'file', 12, '2021-10-01T00:00:00Z', 'day'],
      ['sv.txt', 'file', 12, '2026-05-17T10:00:00Z', 'minute'],
      ['no.txt', 'file', 12, '2018-12-31T00:00:00Z', 'day'],
    ],
  },
  'windows.txt': {
    dialect: 'windows',
    system: 'Windows_NT',
    rows: [
      ['$LDR$', 'file', 143712, '1995-05-26T10:57:00Z', 'minute'],
      ['.bash_history', 'file', 681, '1997-05-20T15:31:00Z', 'minute'],
      ['absoft2', 'directory', null, '1996-12-05T17:03:00Z', 'minute'],
      ['123xyz', 'directory', null, '1996-12-03T06:38:00Z', 'minute'],
      ['$LDR$ 4digit', 'file', 143712, '1995-05-26T10:57:00Z', 'minute'],
      ['absoft2 24h', 'directory', null, '1996-12-05T17:03:00Z', 'minute'],
      ['Control Panel.lnk', 'file', 23, '2010-09-13T13:08:00Z', 'minute'],
      ['10 years and under', 'file', 5000000000, '1997-05-22T00:08:00Z', 'minute'],
      ['10 years and under dir', 'directory', null, '1996-12-03T18:38:00Z', 'minute'],
    ],
  },
  'mlsx.txt': {
    dialect: 'mlsd',
    system: 'UNIX Type: L8',
    rows: [
      ['HEADER.html', 'file', 431, '2013-03-03T21:07:32Z', 'second'],
      ['README.html', 'file', 1880, '2013-06-11T17:27:48Z', 'second'],
      ['binaries', 'directory', null, '2014-10-22T06:51:02Z', 'second'],
      ['source', 'directory', null, '2014-10-22T06:51:02.999Z', 'second'],
    ],
  },
  'os2.txt': {
    dialect: 'os2',
    system: 'OS/2',
    rows: [
      ['jbrekke', 'directory', null, '1997-12-30T12:32:00Z', 'minute'],
      ['OS2KRNL', 'directory', null, '1997-01-08T13:58:00Z', 'minute'],
      ['OS2LDR', 'file', 33280, '1997-02-09T13:49:00Z', 'minute'],
      ['Maintenance Desktop', 'directory', null, '1997-05-12T16:52:00Z', 'minute'],
      ['POPUPLOG.OS2', 'file', 149473, '1998-11-17T16:07:00Z', 'minute'],
      ['local', 'directory', null, '2000-05-19T12:56:00Z', 'minute'],
    ],
  },
  'os400.txt': {
    dialect: 'os400',
    system: 'OS/400 is the remote operating system. The TCP/IP version is "V7R3M0".',
    rows: [
      // 04/03/18 could be year-month-day, month-day-year or day-month-year: no date rather than a guessed one.
      ['einladung.zip', 'file', 4019, null],
      ['dir1', 'directory', null, null],
      ['AUDWRK0204232015114625.PDF', 'file', 9069, '2015-05-20T15:36:52Z', 'second'],
      ['file with space.txt', 'file', 3, null],
      ['RPGUNIT.SAVF', 'file', 16347136, '2013-06-29T15:45:09Z', 'second'],
      ['RUCALLTST.MBR', 'file', null, null],
      ['BPTFSAVF', 'unknown', 5263360, null],
    ],
  },
  'mvs.txt': {
    dialect: 'mvs',
    system: 'MVS is the operating system of this server. FTP Server is running on z/OS.',
    rows: [
      ['INCOMING.RPTBM023.D061704', 'file', null, null],
      ['INCOMING.RPTBM024.D061704', 'directory', null, null],
      ['INCOMING.RPTBM025.D061704', 'directory', null, null],
      ['file3.I', 'file', null, null],
      ['INCOMING.FIN.D170630.T160630', 'file', null, null],
      ['NAME', 'directory', null, null],
      ['NAME2', 'directory', null, null],
      ['NAME3', 'unknown', null, null],
      ['NAME4', 'unknown', null, null],
    ],
  },
  'mvs-pds.txt': {
    dialect: 'mvs-pds',
    system: 'MVS is the operating system of this server. FTP Server is running on z/OS.',
    rows: [
      ['SAVE03', 'file', null, '2002-10-11T09:37:00Z', 'minute'],
      ['SAVE04', 'file', null, null],
      ['TBSHELF1', 'file', null, '2002-10-11T09:37:00Z', 'minute'],
      ['TBTOOL', 'file', null, '2004-11-26T19:54:00Z', 'minute'],
    ],
  },
  'jes.txt': {
    dialect: 'jes',
    system: 'MVS is the operating system of this server. FTP Server is running on z/OS.',
    rows: [
      ['JOB01906', 'file', null, null],
      ['TSU01830', 'file', null, null],
      ['JOB01907', 'unknown', null, null],
    ],
  },
  'jes1.txt': {
    dialect: 'jes',
    system: 'MVS is the operating system of this server. FTP Server is running on z/OS.',
    rows: [
      ['JOB01906', 'file', null, null],
      ['JOB01907', 'unknown', null, null],
    ],
  },
  'vms.txt': {
    dialect: 'vms',
    system: 'VMS',
    rows: [
      ['1-JUN.LIS;1', 'file', null, '1998-06-02T07:32:04Z', 'second'],
      ['3-JUN.LIS;4', 'file', null, '1998-06-07T07:32:04Z', 'second'],
      ['3-JUN.LIS;2', 'file', null, '1998-06-04T07:32:04Z', 'second'],
      ['DATA.DIR', 'directory', null, '1998-06-02T07:32:04Z', 'second'],
      ['UCX$REXECD_STARTUP.LOG;1098', 'file', null, '2003-02-24T13:17:24Z', 'second'],
      ['UNZIP_AND_ATTACH_FILES.COM;12', 'file', null, '2002-07-24T14:35:40Z', 'second'],
      ['FREEWARE40.DIR', 'directory', null, '1999-02-16T10:01:46Z', 'second'],
      ['ALLOCMISS.COM;1', 'file', null, '1996-08-15T14:10:38Z', 'second'],
      ['1-JUN.LIS;5', 'file', null, '1998-06-02T07:32:04Z', 'second'],
    ],
  },
  'netware.txt': {
    dialect: 'netware',
    system: 'NETWARE Type: L8',
    rows: [
      ['SYS', 'directory', null, '2026-04-13T23:52:00Z', 'minute'],
      ['_ADMIN', 'directory', null, '2026-02-22T17:32:00Z', 'minute'],
      ['Executive Summary.doc', 'file', 19968, '2026-03-12T15:20:00Z', 'minute'],
      ['Favorites', 'directory', null, '2005-11-24T00:00:00Z', 'day'],
    ],
  },
  'macos-peter.txt': {
    dialect: 'macos-peter',
    system: "MACOS Peter's Server",
    rows: [
      ['09.jpg', 'file', 81975, '2010-07-22T00:00:00Z', 'day'],
      ['Alias_to_Steak', 'directory', null, '2026-01-04T14:51:00Z', 'minute'],
      ['Filename with whitespace.jpg', 'file', 127671, '2026-07-22T14:51:00Z', 'minute'],
      ['presentation03.jpg', 'file', 108767, '2010-07-22T00:00:00Z', 'day'],
      ['Twitter_Avatar.png', 'file', 12713, '2009-07-08T00:00:00Z', 'day'],
    ],
  },
  'enterprise-unix.txt': {
    dialect: 'enterprise-unix',
    system: 'UNIX Type: L8',
    rows: [
      ['QUADTEST', 'file', 41, '2026-08-12T13:56:00Z', 'minute'],
      ['QUADTEST2', 'file', 41, '2026-08-12T13:56:00Z', 'minute'],
      ['QUADTEST3', 'file', 41, '2014-04-01T00:00:00Z', 'day'],
    ],
  },
};

function expectedEntries(rows: readonly Row[]): FtpEntry[] {
  return rows.map(([name, type, size, modifiedAt, precision, target]) => {
    const entry: FtpEntry = { name, type, size, modifiedAt: modifiedAt === null ? null : new Date(modifiedAt) };
    if (precision !== undefined) entry.modifiedAtPrecision = precision;
    if (target !== undefined) entry.target = target;
    return entry;
  });
}

/** Bytes off the data connection → streaming UTF-8 decoder → streaming listing parser; the dialect it settled on. */
function parseChunks(
  chunks: readonly Uint8Array[],
  options: Partial<FtpListingParserOptions> = {},
): { entries: FtpEntry[]; dialect: string | undefined } {
  const parser = createListingParser({
    format: 'list',
    now: NOW,
    onUnknownLine: (l) => assert.fail(`unknown line ${JSON.stringify(l)}`),
    ...options,
  });
  const decoder = new StringDecoder('utf8');
  const entries = chunks.flatMap((c) => parser.push(decoder.write(Buffer.from(c))));
  entries.push(...parser.push(decoder.end()), ...parser.end());
  return { entries, dialect: parser.dialect };
}

describe('LIST dialects, from their fixtures', () => {
  it('has a case for every fixture, and a fixture for every case', () => {
    assert.deepEqual(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.txt'))
        .sort(),
      Object.keys(CASES).sort(),
    );
  });

  for (const [file, { dialect, system, rows }] of Object.entries(CASES)) {
    const bytes = readFileSync(join(DIR, file));
    const expected = { entries: expectedEntries(rows), dialect };

    it(`${file}: sniffed as ${dialect}; every entry read, whole, byte by byte and in random splits alike`, () => {
      assert.deepEqual(parseChunks([bytes]), expected);
      assert.deepEqual(parseChunks(Array.from(bytes, (b) => Uint8Array.of(b))), expected);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
          assert.deepEqual(parseChunks(splitAt(bytes, points)), expected);
        }),
        { numRuns: 100 },
      );
    });

    it(`${file}: read the same with the server's SYST reply (${JSON.stringify(system)}) or its remembered dialect`, () => {
      assert.deepEqual(parseChunks([bytes], { system }), expected);
      assert.deepEqual(parseChunks([bytes], { dialect }), expected);
      // A dialect remembered from another listing of the server does not stop this one being sniffed
      // (but Unix, remembered, reads Peter's lines itself, to the same entries).
      const other = dialect === 'unix' ? 'vms' : 'unix';
      const remembered = parseChunks([bytes], { dialect: other });
      assert.deepEqual(remembered, dialect === 'macos-peter' ? { ...expected, dialect: 'unix' } : expected);
    });
  }
});
