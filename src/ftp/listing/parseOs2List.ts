import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { fullYear } from './listingDates.js';
import { utcDate } from './utcDate.js';

/**
 * OS/2 LIST lines (IBM TCP/IP for OS/2; samples from Apache Commons Net's
 * OS2FTPEntryParserTest, test/fixtures/listings/commons-net/os2.txt):
 *
 *        0           DIR   12-30-97   12:32  jbrekke
 *   587823    RSA    DIR   01-08-97   13:58  OS2KRNL
 *    33280      A          02-09-97   13:49  OS2LDR
 *        0           DIR   05-19-2000 12:56  local
 *
 * size, attributes (upper-case letters, or none), `DIR` for directories,
 * month-day-year (two-digit years pivot at 70), 24-hour time, then the name
 * after a run of blanks (so leading blanks of a name cannot be told apart).
 * A directory's size (always 0) is no size.
 */
const LINE_RE = /^\s*(\d+)\s+(?:([A-Z]+)\s+)?(DIR\s+)?(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})\s+(\S.*)$/s;

export function parseOs2ListLine(line: string): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const directory = m[3] !== undefined || m[2] === 'DIR';
  const modifiedAt = utcDate(fullYear(m[6] as string), Number(m[4]), Number(m[5]), Number(m[7]), Number(m[8]));
  const entry: FtpEntry = directory
    ? { name: m[9] as string, type: 'directory', size: null, modifiedAt }
    : { name: m[9] as string, type: 'file', size: Number(m[1]), modifiedAt };
  if (modifiedAt) entry.modifiedAtPrecision = 'minute';
  return entry;
}

export const os2ListDialect: FtpListingDialect = {
  name: 'os2',
  testLine: (line) => /^\s*\d+\s/.test(line) && LINE_RE.test(line),
  parseLine: (line) => parseOs2ListLine(line),
};
