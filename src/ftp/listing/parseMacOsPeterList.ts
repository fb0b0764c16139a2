import type { FtpEntry, FtpEntryType } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { setLsDate } from './listingDates.js';

/**
 * Peter's FTP server for classic MacOS (SYST `MACOS Peter's Server`; samples
 * from Apache Commons Net's MacOsPeterFTPEntryParserTest,
 * test/fixtures/listings/commons-net/macos-peter.txt):
 *
 *   -rw-r--r--    54149       27826    81975 Jul 22  2010 09.jpg
 *   drwxr-xr-x               folder        0 Jan  4 14:51 Alias_to_Steak
 *
 * `ls`-like, but where `ls` has link count, owner and group a file shows its
 * resource fork size, data fork size and their sum (the size), and a folder
 * the word `folder`. The parseUnixList reading of such a line gives the same
 * entry, so what this dialect adds is knowing the server: a line is taken as
 * Peter's when sniffed only if the two forks add up to the size (a Unix line
 * with a numeric owner and no group, "1 1 3518644", does not).
 */
const LINE_RE =
  /^([-dl])(?:[r-][w-][xsStTlL-]){3}\+?\s+(?:folder|(\d+)\s+(\d+))\s+(\d+)\s+([A-Za-z\u00C0-\u024F]{3,5}\.?)\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4})) (.+)$/s;

export function parseMacOsPeterListLine(line: string, now: Date = new Date()): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const type: FtpEntryType = m[1] === 'd' ? 'directory' : m[1] === 'l' ? 'symlink' : 'file';
  let name = m[10] as string;
  let target: string | undefined;
  const arrow = type === 'symlink' ? name.indexOf(' -> ') : -1;
  if (arrow > 0) {
    target = name.slice(arrow + 4);
    name = name.slice(0, arrow);
  }
  const entry: FtpEntry = { name, type, size: type === 'file' ? Number(m[4]) : null, modifiedAt: null };
  setLsDate(entry, m.slice(5, 10), now);
  if (target !== undefined) entry.target = target;
  return entry;
}

function isPeterLine(line: string): boolean {
  const m = LINE_RE.exec(line);
  return m !== null && (m[2] === undefined || Number(m[2]) + Number(m[3]) === Number(m[4]));
}

export const macOsPeterListDialect: FtpListingDialect = {
  name: 'macos-peter',
  testLine: (line) => /^[-dl][r-][w-]/.test(line) && isPeterLine(line),
  parseLine: parseMacOsPeterListLine,
};
