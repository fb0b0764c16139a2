import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dialectOrder, listDialects, systemDialects } from '../../../../src/ftp/listing/detectDialect.js';
import { createListingParser, type FtpListingParserOptions } from '../../../../src/ftp/listing/parseListing.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { splitAt } from '../../../helpers/splitAt.js';

const NOW = new Date('2026-11-25T12:20:12Z');

function parse(text: string, options: Partial<FtpListingParserOptions> = {}): { entries: FtpEntry[]; dialect: string | undefined } {
  const parser = createListingParser({ format: 'list', now: NOW, ...options });
  const entries = [...parser.push(text), ...parser.end()];
  return { entries, dialect: parser.dialect };
}

describe('systemDialects', () => {
  it('reads the SYST replies of the servers whose dialects it knows, with or without the reply code', () => {
    const cases: [string, string[]][] = [
      ['215 UNIX Type: L8', ['unix']],
      ['UNIX emulated by FileZilla', ['unix']],
      ['215 Windows_NT', ['windows', 'unix']],
      ['215 MVS is the operating system of this server. FTP Server is running on z/OS.', ['mvs', 'mvs-pds', 'jes', 'unix']],
      ['215 OS/400 is the remote operating system. The TCP/IP version is "V7R3M0".', ['os400', 'unix']],
      ['215 VMS', ['vms']],
      ['215 NETWARE Type: L8', ['netware']],
      ["215 MACOS Peter's Server", ['macos-peter', 'unix']],
      ['215 OS/2', ['os2']],
    ];
    for (const [reply, dialects] of cases) assert.deepEqual(systemDialects(reply), dialects, reply);
  });

  it('names nothing for a system it does not know', () => {
    assert.deepEqual(systemDialects(''), []);
    assert.deepEqual(systemDialects('215 Plan 9'), []);
  });

  it('names only dialects that exist', () => {
    const names = new Set(listDialects.map((d) => d.name));
    for (const reply of ['UNIX', 'Windows_NT', 'MVS', 'OS/400', 'VMS', 'NETWARE', 'MACOS Peter', 'OS/2'])
      for (const name of systemDialects(reply)) assert.ok(names.has(name), name);
  });
});

describe('dialectOrder', () => {
  it('tries the remembered dialect, then the SYST ones, then every other, each once', () => {
    const order = dialectOrder('vms', '215 Windows_NT').map((d) => d.name);
    assert.deepEqual(order.slice(0, 3), ['vms', 'windows', 'unix']);
    assert.equal(new Set(order).size, order.length);
    assert.deepEqual([...order].sort(), listDialects.map((d) => d.name).sort());
  });

  it('keeps the default order when neither says anything useful', () => {
    assert.deepEqual(dialectOrder(), listDialects);
    assert.deepEqual(dialectOrder(undefined, '215 Plan 9'), listDialects);
    assert.deepEqual(dialectOrder('no-such-dialect', ''), listDialects);
  });
});

describe('choosing a listing dialect', () => {
  // A MacOS Peter line is also an `ls -l` line (forks read as link count and owner).
  const peter = '-rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg\r\n';

  it('lets SYST decide a line two dialects read', () => {
    assert.equal(parse(peter, { system: '215 UNIX Type: L8' }).dialect, 'unix');
    assert.equal(parse(peter, { system: "215 MACOS Peter's Server" }).dialect, 'macos-peter');
    assert.equal(parse(peter).dialect, 'macos-peter', 'sniffed: the forks add up to the size');
    assert.equal(parse('-rw-r--r--   1 1        3518644 May 25 12:12 std\r\n').dialect, 'unix', 'forks that do not add up are not Peter');
  });

  it('sniffs the dialect from the lines when SYST names none', () => {
    const vms = 'Directory USER1:[TEMP]\r\n\r\nA.;2  18/18  1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED,RWED,RWED,RE)\r\n';
    for (const system of [undefined, '', '215 Plan 9', '215 UNIX Type: L8']) {
      const { entries, dialect } = parse(vms, system === undefined ? {} : { system });
      assert.equal(dialect, 'vms', String(system));
      assert.deepEqual(
        entries.map((e) => e.name),
        ['A.;2'],
      );
    }
  });

  it('falls back to sniffing when the remembered dialect cannot read the listing (z/OS: a member list, then a data set list)', () => {
    const datasets =
      'Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname\r\nSAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    A.B\r\n';
    const { entries, dialect } = parse(datasets, { dialect: 'mvs-pds', system: '215 MVS is the operating system of this server.' });
    assert.equal(dialect, 'mvs');
    assert.deepEqual(entries, [{ name: 'A.B', type: 'file', size: null, modifiedAt: null }]);
    assert.equal(parse('total 0\r\n-rw-r--r-- 1 a b 1 Jan 02 03:04 x\r\n', { dialect: 'mvs' }).dialect, 'unix', 'z/OS UNIX directories');
  });

  it('keeps a line the chosen dialect cannot read as unknown with raw, even when another dialect could read it', () => {
    const text =
      'Directory USER1:[TEMP]\r\n-rw-r--r-- 1 a b 12 Jan 02 03:04 unix\r\nA.;2  18/18  1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED,RWED,RWED,RE)\r\n';
    const { entries, dialect } = parse(text);
    assert.equal(dialect, 'vms');
    assert.deepEqual(entries[0], {
      name: '-rw-r--r-- 1 a b 12 Jan 02 03:04 unix',
      type: 'unknown',
      size: null,
      modifiedAt: null,
      raw: '-rw-r--r-- 1 a b 12 Jan 02 03:04 unix',
    });
    assert.equal(entries[1]?.name, 'A.;2');
  });

  it('reads a PDS member without statistics only once the listing is known to be a member list', () => {
    assert.equal(parse('SAVE04\r\n').entries[0]?.type, 'unknown', 'a word alone is no member');
    const members = ' Name     VV.MM   Created       Changed      Size  Init   Mod   Id\r\nSAVE04\r\n';
    assert.deepEqual(parse(members).entries, [{ name: 'SAVE04', type: 'file', size: null, modifiedAt: null }]);
  });
});

describe('VMS entries over two lines', () => {
  const first = 'UCX$REXECD_STARTUP.LOG;1098';
  const rest = '                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)';
  const whole = 'A.;2                    18/18          1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED,RWED,RWED,RE)';

  it('joins a name on its own line with the line after it, however the text is split', () => {
    const text = `Directory X:[Y]\r\n${first}\r\n${rest}\r\n${whole}\r\n`;
    const expected = parse(text);
    assert.deepEqual(
      expected.entries.map((e) => [e.name, e.modifiedAt?.toISOString()]),
      [
        ['UCX$REXECD_STARTUP.LOG;1098', '2003-02-24T13:17:24.000Z'],
        ['A.;2', '1998-07-01T08:43:20.000Z'],
      ],
    );
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (points) => {
        const parser = createListingParser({ format: 'list', now: NOW });
        const entries = splitAt(text, points).flatMap((c) => parser.push(c));
        entries.push(...parser.end());
        assert.deepEqual(entries, expected.entries);
      }),
    );
  });

  it('keeps a name whose rest never comes as unknown: at the end, or before another entry', () => {
    const unknown = (line: string): FtpEntry => ({ name: line, type: 'unknown', size: null, modifiedAt: null, raw: line });
    assert.deepEqual(parse(`Directory X:[Y]\r\n${first}\r\n`).entries, [unknown(first)]);
    assert.deepEqual(parse(`Directory X:[Y]\r\n${first}`).entries, [unknown(first)], 'no line end after it');
    const { entries } = parse(`Directory X:[Y]\r\n${first}\r\n${whole}\r\n`);
    assert.deepEqual(entries[0], unknown(first));
    assert.equal(entries[1]?.name, 'A.;2');
  });
});

describe('lines Apache Commons Net rejects', () => {
  // From the bad samples of Commons Net's parser tests (test/fixtures/listings/dialects/README.md).
  const bad: Record<string, string[]> = {
    unix: [
      'zrwxr-xr-x   2 root     root         4096 Mar  2 15:13 zxbox',
      'dxrwr-xr-x   2 root     root         4096 Aug 24  2001 zxjdbc',
      '-rw-r--r--   1 14       staff       80284 Aug 22  zxJDBC-1.2.3.tar.gz',
      '-rw-r--r--   1 14       staff      119:26 Aug 22  2000 zxJDBC-1.2.3.zip',
      '-rw-r--r--   1 root     root       190144 2001-04-27 zxJDBC-2.0.1b1.zip',
    ],
    windows: ['     0           DIR   05-19-97   12:56  local'],
    os2: [
      '                 DIR   12-30-97   12:32  jbrekke',
      '     0    rsa    DIR   11-25-97   09:42  junk',
      '     0           dir   05-12-97   16:44  LANGUAGE',
      '587823    RSA    DIR   Jan-08-97   13:58  OS2KRNL',
      ' 33280      A          1997-02-03  13:49  OS2LDR',
      '12-05-96  05:03PM       <DIR>          absoft2',
    ],
    os400: [
      'PEP              4019 04/03/18 18:58:16 STMF       einladung.zip',
      'PEP               422 03/24 14:06:26 *STMF      readme',
      'PEP USR         36864 04/03/24 14:06:34 *DIR       dir1/',
      'PEP             3686404/03/24 14:06:47 *DIR       zdir2/',
      'QPGMR          135168 04/03/18 13:18:19 *FILE',
      'QPGMR                 04/03/18 13:18:19 *FILE      RPGUNITC1.FILE',
      'QPGMR                                   *MEM       ',
      'QPGMR          135168 04/03/18 13:18:19 *MEM       RPGUNITC1.FILE/RUCALLTST.MBR',
      'QPGMR USR                               *MEM       RPGUNITC1.FILE/RUCALLTST.MBR',
    ],
    vms: [
      '1-JUN.LIS;2              9/9           JUN-2-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)',
      '1-JUN.LIS;2              a/9           2-JUN-98 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,)',
      'DATA.DIR; 1              1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (,RWED,RWED,RE)',
      '120196.TXT;1           118/126        14-APR-1997 12:45:27 PM  [GROUP,OWNER]    (RWED,,RWED,RE)',
      '30CHARBAR.TXT;1         11/18          2-JUN-1998 08:38:42  [GROUP-1,OWNER]    (RWED,RWED,RWED,RE)',
      'A.;2                    18/18          1-JUL-1998 08:43:20  [GROUP,OWNER]    (RWED2,RWED,RWED,RE)',
    ],
    netware: [
      'a [-----F--] SCION_SYS                         512 Apr 13 23:52 SYS',
      'd [----AF--]          0                        512 10-04-2001 _ADMIN',
    ],
    'macos-peter': ['drwxr-xr-x    123       folder        0 Jan  4 14:49 Steak'],
    'enterprise-unix': [
      'zrwxr-xr-x   2 root     root         4096 Mar  2 15:13 zxbox',
      'drwxr-xr-x   2 root     root         4096 Aug 26  201O zztpp',
    ],
    mvs: ['MigratedP201.$FTXPBI1.$CF2ITB.$AAB0402.I', 'PSMLC133902005/04/041VB2799427998PSfile1.I', 'file2.O'],
  };
  for (const [name, lines] of Object.entries(bad)) {
    it(`${name} does not read them`, () => {
      const dialect = listDialects.find((d) => d.name === name);
      assert.ok(dialect);
      for (const line of lines) {
        assert.equal(dialect.testLine(line), false, line);
        assert.equal(dialect.parseLine(line, NOW), undefined, line);
      }
    });
  }
});
