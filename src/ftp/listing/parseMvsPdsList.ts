import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { utcDate } from './utcDate.js';

/**
 * z/OS partitioned data set (PDS, PDSE) member lists: what `LIST` answers
 * inside a PDS (samples from Apache Commons Net's MVSFTPEntryParserTest,
 * test/fixtures/listings/commons-net/mvs-pds.txt):
 *
 *    Name     VV.MM   Created       Changed      Size  Init   Mod   Id
 *   TBSHELF   01.03 2002/09/12 2002/10/11 09:37    11    11     0 KIL001
 *   SAVE04                                                              (no ISPF statistics)
 *
 * and load libraries, whose header is ` Name     Size     TTR   Alias-of AC ...`.
 * Every member is a file; "Changed" is its modification time (to the minute,
 * or the second when shown). Size counts lines, not bytes: no size. A line
 * holding a member name alone is read only once the listing is known to be a
 * member list (its header, or a line with statistics, came first): on its
 * own, one word could be anything.
 */
const HEADER_RE = /^\s*Name\s+(?:VV\.MM\s+Created\s+Changed\s+Size\s+Init\s+Mod\s+Id|Size\s+TTR\b.*)\s*$/i;
const STATS_RE =
  /^\s*([A-Z0-9@#$][A-Z0-9@#$-]{0,7})\s+\d{2}\.\d{2}\s+\d{4}\/\d{2}\/\d{2}\s+(\d{4})\/(\d{2})\/(\d{2})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+\d+\s+\d+\s+\d+\s+\S+\s*$/i;
const NAME_RE = /^\s*([A-Z0-9@#$][A-Z0-9@#$-]{0,7})(?:\s.*)?$/is;

function parse(line: string, bareNames: boolean): FtpListingLineResult {
  if (HEADER_RE.test(line)) return null;
  const m = STATS_RE.exec(line);
  if (m) {
    const second = m[7] === undefined ? 0 : Number(m[7]);
    const modifiedAt = utcDate(Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), second);
    const entry: FtpEntry = { name: m[1] as string, type: 'file', size: null, modifiedAt };
    if (modifiedAt) entry.modifiedAtPrecision = m[7] === undefined ? 'minute' : 'second';
    return entry;
  }
  const bare = bareNames ? NAME_RE.exec(line) : null;
  return bare ? { name: bare[1] as string, type: 'file', size: null, modifiedAt: null } : undefined;
}

export const mvsPdsListDialect: FtpListingDialect = {
  name: 'mvs-pds',
  testLine: (line) => /^\s*(?:Name\s|\S{1,8}\s+\d{2}\.\d{2}\s)/i.test(line) && parse(line, false) !== undefined,
  parseLine: (line) => parse(line, true),
};
