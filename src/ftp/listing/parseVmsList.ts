import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { monthNumber } from './listingDates.js';
import { utcDate } from './utcDate.js';

/**
 * OpenVMS `DIRECTORY/SIZE/DATE/OWNER/PROTECTION` style LIST output (MultiNet,
 * TCPware, HP TCP/IP Services; samples from Apache Commons Net's
 * VMSFTPEntryParserTest, test/fixtures/listings/commons-net/vms.txt):
 *
 *   Directory USER1:[TEMP]
 *
 *   1-JUN.LIS;1              9/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)
 *   DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [TRANSLATED]     (,RWED,RWED,RE)
 *   UCX$REXECD_STARTUP.LOG;1098
 *                            4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)
 *
 *   Total of 3 files, 14/33 blocks.
 *
 * A name too long for its column ends its line, and the entry goes on on the
 * next one (`continues`). Every file name carries its version (`;1`), and a
 * file may be listed in several versions: a file keeps its version in its
 * name, so each entry names exactly one file that `RETR` fetches as listed
 * (`NAME.EXT` alone would fetch the newest). A directory (`.DIR`) has one
 * version and is named without it, as Commons Net names it.
 *
 * Sizes are in blocks of 512 bytes, used/allocated: an upper bound, not the
 * size in bytes, so `size` is null. Dates are day-month-year with English
 * month names, to the second.
 */
const ENTRY_RE =
  /^(\S+?);(\d+)\s+(\d+)(?:\/\d+)?\s+(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s+\[[\w$]+(?:,[\w$]+)?\]?\s*\([A-Za-z]*,[A-Za-z]*,[A-Za-z]*,[A-Za-z]*\)\s*$/;
const HEADER_RE = /^(?:Directory\s+\S+|(?:Grand\s+)?Total\s+of\s+\d+\s+(?:files?|directories)\b.*|Total\s+\d+\s+files?\b.*)$/i;
/** The start of an entry whose rest is on the next line: the name alone, or up to the owner. */
const PARTIAL_RE = /^\S+;\d+(?:\s+\d+(?:\/\d+)?\s+\S+\s+\S+(?:\s+\[[^\]()]*\]?)?)?\s*$/;

export function parseVmsListLine(line: string): FtpListingLineResult {
  if (HEADER_RE.test(line)) return null;
  const m = ENTRY_RE.exec(line);
  if (!m) return undefined;
  const base = m[1] as string;
  const directory = /\.DIR$/i.test(base);
  const entry: FtpEntry = {
    name: directory ? base : `${base};${m[2]}`,
    type: directory ? 'directory' : 'file',
    size: null,
    modifiedAt: null,
  };
  const month = monthNumber(m[5] as string);
  const modifiedAt =
    month === undefined
      ? null
      : utcDate(Number(m[6]), month, Number(m[4]), Number(m[7]), Number(m[8]), m[9] === undefined ? 0 : Number(m[9]));
  if (modifiedAt) {
    entry.modifiedAt = modifiedAt;
    entry.modifiedAtPrecision = m[9] === undefined ? 'minute' : 'second';
  }
  return entry;
}

export const vmsListDialect: FtpListingDialect = {
  name: 'vms',
  testLine: (line) =>
    (line.includes(';') || /^(?:Directory|Total|Grand)\s/i.test(line)) && (parseVmsListLine(line) !== undefined || PARTIAL_RE.test(line)),
  parseLine: (line) => parseVmsListLine(line),
  continues: (text) => PARTIAL_RE.test(text),
};
