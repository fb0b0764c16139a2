import type { FtpEntry, FtpEntryType } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { utcTime } from './utcDate.js';

/**
 * `ls -l` style LIST lines (vsftpd, pure-ftpd, proftpd, ftp-srv, most Unix
 * servers). RFC 959 does not define LIST output (§4.1.3: "human-readable");
 * these are the shapes seen, captured on this project's test machine (see
 * test/unit/ftp/listing/parseListing.test.ts):
 *
 *   vsftpd 3.0.3:    -rw-r--r--    1 999      995            12 Nov 25 12:07 hello.txt
 *                    -rw-r--r--    1 999      995             1 Nov 02 09:08 nov2.txt
 *                    -rw-r--r--    1 999      995          1000 Mar 15  2021 old.bin
 *                    lrwxrwxrwx    1 999      995             9 Nov 25 12:07 link -> hello.txt
 *   pure-ftpd 1.0.50: -rw-r--r--    1 999        ftpgw               1 Nov  2 09:08 nov2.txt
 *   proftpd 1.3.8:   -rw-r--r--   1 ftpgw    ftpgw           1 Nov  2 09:08 nov2.txt
 *   ftp-srv 4.6.3:   -rw-r--r-- 1 1 1            1 Nov 02 09:08 nov2.txt
 *   all four:        -rw-r--r--    1 999      995             1 Nov 25 12:07  leading space.txt
 *
 * and from other servers' documented output:
 *
 *   no group:  -rw-r--r--   1 owner         12 Jan  2 03:04 a.txt      (no group column)
 *              -rw-r--r--+  1 owner group   12 Jan  2 03:04 a.txt      (ACL marker + @ .)
 *              crw-rw-rw-   1 root  root  1,   3 Jan  2 03:04 null     (device: major, minor)
 *              -rw-r--r--   1 owner group   12 2 Jan 03:04 a.txt      (day before month)
 *
 * Everything between the permissions and the size (link count, owner, group)
 * is skipped lazily, so numeric or named owners and a missing group all work:
 * the first "<size> <month> <day>" after the permissions wins. The name starts
 * after exactly one space following the time or year, so names with leading
 * spaces survive (every server above pads the date to a fixed width and puts
 * one space before the name).
 *
 * Times are read as UTC. The server's time zone is unknown to the client (LIST
 * carries none). vsftpd (`use_localtime=NO`, its default), proftpd
 * (`TimesGMT on`, its default) and ftp-srv (`moment.utc`) send UTC; pure-ftpd
 * sends the host's local time, UTC on most servers. So UTC is the best guess,
 * and it agrees with MLSD's `modify` (always UTC) on those servers.
 *
 * When the line gives a time instead of a year, `ls` means "recent": within
 * the past six months (GNU coreutils ls.c: a time stamp older than six months
 * or in the future gets a year instead). So the year is the one that makes
 * the date the most recent one not after tomorrow: a day of allowance for a
 * server whose clock or zone runs ahead, never the nearest year, which would
 * put January files into next year all through December.
 *
 * Sizes: files and unknown types keep theirs; directories (inode size) and
 * symlinks (length of the target text) get null, as in the MLSD parser.
 */

const MONTHS: ReadonlyMap<string, number> = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i + 1]),
);

const LINE_RE = new RegExp(
  [
    '^([-bcdDlps])', // 1 type
    '[-rwxsStTlL]{9}', // permission bits
    '[+@.]?', // ACL / extended attributes / SELinux marker
    '\\s+(?:.*?\\s)?', // link count, owner, group: skipped, lazily
    '(\\d+(?:,\\s*\\d+)?)', // 2 size, or "major, minor" of a device
    '\\s+(?:([A-Za-z]{3})\\s+(\\d{1,2})|(\\d{1,2})\\s+([A-Za-z]{3}))', // 3 month 4 day | 5 day 6 month
    '\\s+(?:(\\d{1,2}):(\\d{2})(?::(\\d{2}))?|(\\d{4}))', // 7 hour 8 minute 9 second | 10 year
    ' (.+)$', // 11 name (after exactly one space)
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
  const monthText = (m[3] ?? m[6]) as string;
  const day = Number(m[4] ?? m[5]);
  let name = m[11] as string;

  let type: FtpEntryType;
  if (typeChar === '-') type = 'file';
  else if (typeChar === 'd') type = 'directory';
  else if (typeChar === 'l') type = 'symlink';
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
  const month = MONTHS.get(monthText.toLowerCase());
  if (month !== undefined) {
    const year = m[10];
    const second = m[9];
    const time =
      year !== undefined
        ? utcTime(Number(year), month, day)
        : recentTime(month, day, Number(m[7]), Number(m[8]), second === undefined ? 0 : Number(second), now);
    if (time !== null) {
      entry.modifiedAt = new Date(time);
      // A year instead of a time: the file is older than six months and the line gives only its day.
      entry.modifiedAtPrecision = year !== undefined ? 'day' : second === undefined ? 'minute' : 'second';
    }
  }
  if (target !== undefined) entry.target = target;
  return entry;
}

/** How far ahead of `now` a year-less date may lie (server clock or zone ahead). */
const SKEW_MS = 24 * 60 * 60 * 1000;
/** Feb 29 recurs at most 8 years apart (2096 → 2104). */
const LOOKBACK_YEARS = 8;

/** The most recent such date not after tomorrow, as a time value (null: no such date, as Feb 30). */
function recentTime(month: number, day: number, hour: number, minute: number, second: number, now: Date): number | null {
  const latest = now.getTime() + SKEW_MS;
  const thisYear = now.getUTCFullYear();
  for (let year = thisYear + 1; year >= thisYear - LOOKBACK_YEARS; year--) {
    const time = utcTime(year, month, day, hour, minute, second);
    if (time !== null && time <= latest) return time;
  }
  return null;
}

export const unixListDialect: FtpListingDialect = {
  name: 'unix',
  testLine: (line) => TOTAL_RE.test(line) || LINE_RE.test(line),
  parseLine: parseUnixListLine,
};
