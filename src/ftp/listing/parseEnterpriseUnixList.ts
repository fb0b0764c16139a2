import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { monthNumber, recentTime } from './listingDates.js';
import { utcTime } from './utcDate.js';

/**
 * "Enterprise Unix" LIST lines, as Apache Commons Net's
 * EnterpriseUnixFTPEntryParser reads them (samples from its test,
 * test/fixtures/listings/commons-net/enterprise-unix.txt):
 *
 *   -C--E-----FTP B QUA1I1      18128       41 Aug 12 13:56 QUADTEST
 *   -C--E-----FTP A QUA1I1      18128       41 Apr 1 2014 QUADTEST3
 *
 * Ten upper-case attribute letters or dashes (never Unix permission bits),
 * a class, owner, group, size, an English `ls` date and the name after one
 * space. Commons Net reads every entry as a file; so does this.
 */
const LINE_RE = /^[-A-Z]{10}\S*\s+\S+\s+(\S+)\s+(\d+)\s+(\d+)\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(?:([01]\d|2[0-3]):([0-5]\d)|(\d{4})) (.+)$/s;

export function parseEnterpriseUnixListLine(line: string, now: Date = new Date()): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const month = monthNumber(m[4] as string);
  if (month === undefined) return undefined;
  const entry: FtpEntry = { name: m[9] as string, type: 'file', size: Number(m[3]), modifiedAt: null };
  const day = Number(m[5]);
  const time = m[8] !== undefined ? utcTime(Number(m[8]), month, day) : recentTime(month, day, Number(m[6]), Number(m[7]), 0, now);
  if (time !== null) {
    entry.modifiedAt = new Date(time);
    entry.modifiedAtPrecision = m[8] !== undefined ? 'day' : 'minute';
  }
  return entry;
}

export const enterpriseUnixListDialect: FtpListingDialect = {
  name: 'enterprise-unix',
  testLine: (line) => /^[-A-Z]{10}/.test(line) && parseEnterpriseUnixListLine(line) !== undefined,
  parseLine: parseEnterpriseUnixListLine,
};
