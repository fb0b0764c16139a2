import type { FtpEntry, FtpEntryType } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { monthNumber, recentTime } from './listingDates.js';
import { utcTime } from './utcDate.js';

/**
 * `ls -l` style LIST lines (vsftpd, pure-ftpd, proftpd, ftp-srv, most Unix
 * servers, IIS in its Unix style, OS/400's IFS, z/OS UNIX). RFC 959 does not
 * define LIST output (§4.1.3: "human-readable"); these are the shapes seen,
 * captured on this project's test machine (see
 * test/unit/ftp/listing/parseListing.test.ts):
 *
 *   vsftpd 3.0.3:    -rw-r--r--    1 999      995            12 Nov 25 12:07 hello.txt
 *                    -rw-r--r--    1 999      995          1000 Mar 15  2021 old.bin
 *                    lrwxrwxrwx    1 999      995             9 Nov 25 12:07 link -> hello.txt
 *   pure-ftpd 1.0.50: -rw-r--r--    1 999        ftpgw               1 Nov  2 09:08 nov2.txt
 *   proftpd 1.3.8:   -rw-r--r--   1 ftpgw    ftpgw           1 Nov  2 09:08 nov2.txt
 *   ftp-srv 4.6.3:   -rw-r--r-- 1 1 1            1 Nov 02 09:08 nov2.txt
 *   all four:        -rw-r--r--    1 999      995             1 Nov 25 12:07  leading space.txt
 *
 * and the shapes Apache Commons Net's UnixFTPEntryParserTest collects
 * (test/fixtures/listings/commons-net/unix.txt):
 *
 *   no group:     -rw-r--r--   1 1        3518644 May 25 12:12 std
 *   ACL marker:   drwxr-x---+1464 chrism   chrism     41472 Feb 25 13:17 20090225   (+ @ . and no space)
 *   device:       crw-------   1 root     sys      109,767 Jul  2  2004 pci@1c,600000:devctl
 *   spaces:       drwx------ 4 maxm Domain Users 512 Oct 2 10:59 .metadata
 *   day first:    -rw-r--r--   1 owner group   12 2 Jan 03:04 a.txt
 *   localized:    -rw-r--r--   1 owner group   12 Mär  2 03:04 a.txt     (de, fr, it, es, ... see listingDates)
 *   CJK:          -rw-rw---- 1 ep1adm sapsys 0 8月 17日 20:10 caerrinf     (also "6月 3日 2003年", "3月 2 15:13")
 *   ISO (ls --time-style=long-iso / full-iso):
 *                 -rw-r-----   1 neeme neeme   346 2005-04-08 11:22 services.vsp
 *                 -rw-r--r--   1 a b 1 2005-04-08 11:22:33.123456789 +0200 x
 *
 * Everything between the permissions and the size (link count, owner, group)
 * is skipped lazily, so numeric, spaced or missing ones all work (MacOS
 * Peter's `folder` column too): the first "<size> <date>" wins. The name starts after exactly one space
 * following the time or year, so names with leading spaces survive (every
 * server above pads the date to a fixed width and puts one space before the
 * name).
 *
 * Times are read as UTC. The server's time zone is unknown to the client (LIST
 * carries none; full-iso's offset, when present, is applied). vsftpd
 * (`use_localtime=NO`, its default), proftpd (`TimesGMT on`, its default) and
 * ftp-srv (`moment.utc`) send UTC; pure-ftpd sends the host's local time, UTC
 * on most servers. So UTC is the best guess, and it agrees with MLSD's
 * `modify` (always UTC) on those servers. A date without a year is the most
 * recent one not after tomorrow (listingDates.recentTime).
 *
 * Types: `-` and `f` are files, `d` directories, `l` and z/OS's external link
 * `e` symlinks; devices, pipes, sockets, doors and whiteouts are `unknown`.
 * Sizes: files and unknown types keep theirs; directories (inode size) and
 * symlinks (length of the target text) get null, as in the MLSD parser; a
 * device's "major, minor" is no size.
 */

// Latin letters with their accents (Latin-1 and Latin Extended): every month name of listingDates.
const MONTH = '([A-Za-z\\u00C0-\\u024F]{3,5}\\.?)';
const LINE_RE = new RegExp(
  [
    '^([-bcdDlpsefmSw])', // 1 type
    '(?:[r-][w-][xsStTlL-]){3}', // permission bits
    '(?:[+@.]?\\s+|\\+(?=\\d))', // ACL / extended attributes / SELinux marker (a link count may follow a "+" unspaced)
    '(?:.*?\\s)?', // link count, owner, group: skipped, lazily
    '(\\d+(?:,\\s*\\d+)?)', // 2 size, or "major, minor" of a device
    '\\s+(?:',
    `${MONTH}\\s+(\\d{1,2})`, // 3 month 4 day
    `|(\\d{1,2})\\s+${MONTH}`, // 5 day 6 month
    '|(\\d{1,2})\u6708\\s*(\\d{1,2})\u65e5?', // 7 month 8 day (CJK: 8月 17日)
    '|(\\d{4})-(\\d{2})-(\\d{2})', // 9 year 10 month 11 day (ISO)
    ')',
    '\\s+(?:(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?(?:\\s+([+-])(\\d{2})(\\d{2}))?|(\\d{4})\u5e74?)', // 12 h 13 min 14 s 15-17 zone | 18 year
    ' (.+)$', // 19 name (after exactly one space)
  ].join(''),
  // dotAll: a name may hold any character but the LF that ended the line.
  's',
);

const TOTAL_RE = /^total\s+\d+$/i;

export function parseUnixListLine(line: string, now: Date = new Date()): FtpListingLineResult {
  if (TOTAL_RE.test(line)) return null;
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const typeChar = m[1] as string;
  const sizeText = m[2] as string;
  let name = m[19] as string;

  let type: FtpEntryType;
  if (typeChar === '-' || typeChar === 'f') type = 'file';
  else if (typeChar === 'd') type = 'directory';
  else if (typeChar === 'l' || typeChar === 'e') type = 'symlink';
  else type = 'unknown';

  let target: string | undefined;
  if (type === 'symlink') {
    // "name -> target"; a name holding " -> " itself cannot be told apart, the first arrow wins.
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }

  const size = (type === 'file' || type === 'unknown') && /^\d+$/.test(sizeText) ? Number(sizeText) : null;
  const entry: FtpEntry = { name, type, size, modifiedAt: null };
  setDate(entry, m, now);
  if (target !== undefined) entry.target = target;
  return entry;
}

function setDate(entry: FtpEntry, m: RegExpExecArray, now: Date): void {
  const monthText = m[3] ?? m[6];
  const month = monthText !== undefined ? monthNumber(monthText) : Number(m[7] ?? m[10]);
  if (month === undefined) return;
  const day = Number(m[4] ?? m[5] ?? m[8] ?? m[11]);
  const yearText = m[9] ?? m[18];
  const [hour, minute, second] = [Number(m[12]), Number(m[13]), m[14] === undefined ? 0 : Number(m[14])];
  let time: number | null;
  if (m[12] === undefined) time = utcTime(Number(yearText), month, day);
  else if (yearText === undefined) time = recentTime(month, day, hour, minute, second, now);
  else {
    time = utcTime(Number(yearText), month, day, hour, minute, second);
    // full-iso: "+0200" means two hours ahead of UTC.
    if (time !== null && m[15] !== undefined) time -= (m[15] === '-' ? -1 : 1) * (Number(m[16]) * 60 + Number(m[17])) * 60_000;
  }
  if (time === null) return;
  entry.modifiedAt = new Date(time);
  // A year instead of a time: the file is older than six months and the line gives only its day.
  entry.modifiedAtPrecision = m[12] === undefined ? 'day' : m[14] === undefined ? 'minute' : 'second';
}

export const unixListDialect: FtpListingDialect = {
  name: 'unix',
  // The type and first permission letters first: sniffing tries every dialect on each line until one fits.
  testLine: (line) => (/^[-bcdDlpsefmSw][r-][w-]/.test(line) && LINE_RE.test(line)) || TOTAL_RE.test(line),
  parseLine: parseUnixListLine,
};
