import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { setLsDate } from './listingDates.js';

/**
 * Novell NetWare LIST lines (samples from Apache Commons Net's
 * NetwareFTPEntryParserTest, test/fixtures/listings/commons-net/netware.txt):
 *
 *   d [-----F--] SCION_SYS                         512 Apr 13 23:52 SYS
 *   - [RWCEAFMS] rwinston                        19968 Mar 12 15:20 Executive Summary.doc
 *   d [RWCEAFMS] rwinston                          512 Nov 24  2005 Favorites
 *
 * `d` or `-`, the trustee rights in brackets, owner, size, then an `ls`
 * style date (a time for recent files, else a year; read as in
 * parseUnixList) and the name after one space. A directory's size is no size.
 */
const LINE_RE =
  /^([d-])\s+\[([-A-Z]+)\]\s+(\S+)\s+(\d+)\s+([A-Za-z\u00C0-\u024F]{3,5}\.?)\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4})) (.+)$/s;

export function parseNetwareListLine(line: string, now: Date = new Date()): FtpListingLineResult {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const entry: FtpEntry =
    m[1] === 'd'
      ? { name: m[10] as string, type: 'directory', size: null, modifiedAt: null }
      : { name: m[10] as string, type: 'file', size: Number(m[4]), modifiedAt: null };
  setLsDate(entry, m.slice(5, 10), now);
  return entry;
}

export const netwareListDialect: FtpListingDialect = {
  name: 'netware',
  testLine: (line) => /^[d-] +\[/.test(line) && LINE_RE.test(line),
  parseLine: parseNetwareListLine,
};
