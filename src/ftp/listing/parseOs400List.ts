import type { FtpEntry, FtpEntryType } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { fullYear } from './listingDates.js';
import { utcTime } from './utcDate.js';

/**
 * OS/400 (IBM i) LIST lines in the server's own format (LISTFMT 0; with
 * LISTFMT 1 it speaks `ls -l`, read by parseUnixList). IBM documents it as
 * "owner size date time type name" (IBM i 7.2 Knowledge Center, "File and
 * directory entries in IBM i format": `BAILEYSE 5263360 06/11/97 12:27:39
 * *FILE BPTFSAVF`); samples from Apache Commons Net's OS400FTPEntryParserTest
 * and OS400FTPEntryParserAdditionalTest (test/fixtures/listings/commons-net/os400.txt):
 *
 *   PEP              4019 04/03/18 18:58:16 *STMF      einladung.zip
 *   PEP             36864 04/03/24 14:06:34 *DIR       dir1/
 *   QPGMR        16347136 29.06.13 15:45:09 *FILE      RPGUNIT.SAVF
 *   QPGMR                                   *MEM       RPGUNITC1.FILE/RUCALLTST.MBR
 *
 * Object types: `*DIR`, `*LIB`, `*FLR` (folder) and `*DDIR` hold others:
 * directories. `*STMF`, `*DSTMF`, `*DOC`, `*MEM` (a member: no size, no date)
 * and a save file (`*FILE` named `.SAVF`) are files. A `*FILE` named
 * `.FILE` is a database file, which holds members: a directory. A `*FILE`
 * named without its suffix (NAMEFMT 0) may be either, and every other type
 * (`*PGM`, `*CMD`, ...) is neither: `unknown`, with its size. The name is its last path segment, without the
 * `/` some servers put after directories.
 *
 * The date is in the server job's date format, with its separators (IBM: "the
 * format that is defined for the server job"), which the listing does not
 * name: `04/03/18` is 2004-03-18, 2018-04-03 or 2018-03-04. A dotted date is
 * day.month.year (European formats); otherwise each order (year-month-day,
 * month-day-year, day-month-year) is tried, orders giving no date or one
 * more than a day ahead are dropped, and the line gets a date only when what
 * remains agrees. An ambiguous line has none, never a guessed one.
 */
// The owner is blank for anonymous sessions (IBM), so a line may start with blanks.
const LINE_RE =
  /^(?:(\S+)\s+|\s+)(?:(\d+)\s+)?(?:(\d{2,4})([/.-])(\d{2})[/.-](\d{2,4})\s+(\d{2})[:.](\d{2})[:.](\d{2})\s+)?(\*[A-Z]+)\s+(\S.*)$/s;

const DIRECTORY_TYPES = new Set(['*DIR', '*LIB', '*FLR', '*DDIR']);
const FILE_TYPES = new Set(['*STMF', '*DSTMF', '*DOC', '*MEM']);

export function parseOs400ListLine(line: string, now: Date = new Date()): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const objectType = m[10] as string;
  const dated = m[3] !== undefined;
  // A member has neither size nor date; anything else has both.
  if (objectType === '*MEM' ? dated || m[2] !== undefined : !dated || m[2] === undefined) return undefined;
  let path = (m[11] as string).trimEnd();
  if (path.endsWith('/')) path = path.slice(0, -1);
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === '') return undefined;

  let type: FtpEntryType;
  if (DIRECTORY_TYPES.has(objectType)) type = 'directory';
  else if (FILE_TYPES.has(objectType)) type = 'file';
  else if (objectType === '*FILE') type = /\.SAVF$/i.test(name) ? 'file' : /\.FILE$/i.test(name) ? 'directory' : 'unknown';
  else type = 'unknown';

  const entry: FtpEntry = { name, type, size: type !== 'directory' && m[2] !== undefined ? Number(m[2]) : null, modifiedAt: null };
  if (dated) {
    const time = jobDate(m, now);
    if (time !== null) {
      entry.modifiedAt = new Date(time);
      entry.modifiedAtPrecision = 'second';
    }
  }
  return entry;
}

const SKEW_MS = 24 * 60 * 60 * 1000;

/** The date when the line's fields allow one reading only (see above), else null. */
function jobDate(m: RegExpExecArray, now: Date): number | null {
  const [a, separator, b, c] = [m[3] as string, m[4] as string, m[5] as string, m[6] as string];
  const [hour, minute, second] = [Number(m[7]), Number(m[8]), Number(m[9])];
  const at = (year: string, month: string, day: string): number | null =>
    utcTime(fullYear(year), Number(month), Number(day), hour, minute, second);
  let readings: (number | null)[];
  if (a.length === 4) readings = [at(a, b, c)];
  else if (c.length === 4) readings = separator === '.' ? [at(c, b, a)] : [at(c, a, b), at(c, b, a)];
  else if (separator === '.') readings = [at(c, b, a)];
  else readings = [at(a, b, c), at(c, a, b), at(c, b, a)];
  const latest = now.getTime() + SKEW_MS;
  const possible = new Set(readings.filter((t): t is number => t !== null && t <= latest));
  return possible.size === 1 ? ([...possible][0] as number) : null;
}

export const os400ListDialect: FtpListingDialect = {
  name: 'os400',
  testLine: (line) => line.includes(' *') && parseOs400ListLine(line) !== undefined,
  parseLine: parseOs400ListLine,
};
