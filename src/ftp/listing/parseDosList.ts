import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { utcDate } from './utcDate.js';

/**
 * MS-DOS style LIST lines, as IIS sends them by default ("MS-DOS" directory
 * listing style):
 *
 *   01-02-23  10:00AM       <DIR>          sub dir
 *   01-02-23  10:00AM                  689 iisstart.htm
 *   01-02-2023  10:00PM                1234 name with spaces.txt   (FourDigitYears)
 *   01-02-2023  22:00                  1234 a.txt                  (24-hour clock)
 *
 * The date is always month-day-year. Two-digit years pivot at 70 (70-99 →
 * 19xx, 00-69 → 20xx). Times are read as UTC for the same reason as in
 * parseUnixList: the listing carries no zone.
 *
 * A file's size field is right-aligned and followed by exactly one space, so
 * a file name keeps leading spaces. `<DIR>` is left-aligned in a padded field,
 * so padding and leading spaces of a directory name cannot be told apart: the
 * name of a directory is taken from the first non-space character. Directory
 * sizes are null (the listing has none).
 */

// The optional AM/PM carries its own leading blanks: a "\s*" next to the
// "\s+" would let a long run of blanks be split two ways (quadratic backtracking).
const LINE_RE =
  /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?\s+(?:<DIR>\s+(\S.*)|(\d+) (.+))$/s;

export function parseDosListLine(line: string): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const [month, day, yearText, hourText, minute] = [Number(m[1]), Number(m[2]), m[3] as string, Number(m[4]), Number(m[5])];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  let year = Number(yearText);
  if (yearText.length === 2) year += year < 70 ? 2000 : 1900;
  let hour = hourText;
  const meridiem = m[7]?.toUpperCase();
  if (meridiem !== undefined) {
    // 12h clock: 12:xxAM is just past midnight, 12:xxPM just past noon.
    if (hour < 1 || hour > 12)
      hour = 99; // invalid → modifiedAt null
    else if (meridiem === 'AM') hour = hour === 12 ? 0 : hour;
    else hour = hour === 12 ? 12 : hour + 12;
  }
  const modifiedAt = utcDate(year, month, day, hour, minute, second);
  const entry: FtpEntry =
    m[8] !== undefined
      ? { name: m[8], type: 'directory', size: null, modifiedAt }
      : { name: m[10] as string, type: 'file', size: Number(m[9]), modifiedAt };
  if (modifiedAt) entry.modifiedAtPrecision = m[6] === undefined ? 'minute' : 'second';
  return entry;
}

export const dosListDialect: FtpListingDialect = {
  name: 'windows',
  testLine: (line) => /^\d/.test(line) && LINE_RE.test(line),
  parseLine: (line) => parseDosListLine(line),
};
