import type { FtpEntryType } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';

/**
 * z/OS (MVS) data set lists: what `LIST` answers for a data set prefix
 * (samples from Apache Commons Net's MVSFTPEntryParserTest,
 * test/fixtures/listings/commons-net/mvs.txt):
 *
 *   Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname
 *   SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704
 *   SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704
 *   PEX26F 3390   2017/07/03  115807  FB   29600 29600  PS    INCOMING.FIN.D170630.T160630   (Ext and Used run together)
 *   Migrated                                                  HLQ.DATASET.NAME
 *   ARCIVE Not Direct Access Device                           KJ.IOP998.ERROR.PL.UNITTEST
 *
 * Dsorg `PS` (sequential) is a file; `PO` and `PO-E` (partitioned: a PDS or
 * PDSE, whose members are listed after CWD into it; see parseMvsPdsList) are
 * directories; any other organisation (VSAM, direct access) and migrated or
 * archived data sets, whose organisation the list does not show, are
 * `unknown`. The list gives no size in bytes (tracks and blocks only) and no
 * modification time ("Referred" is the last access day), so both are null.
 * Under z/OS UNIX the same server lists directories `ls -l` style
 * (parseUnixList).
 */
const HEADER_RE = /^\s*Volume\s+Unit\s+Referred\s+Ext\s+Used\s+Recfm\s+Lrecl\s+BlkSz\s+Dsorg\s+Dsname\s*$/i;
const LINE_RE =
  /^\S+\s+\S+\s+(?:\d{4}\/\d{2}\/\d{2}|\*\*NONE\*\*)\s+\d+\s+(?:\d+\s+)?[A-Z?]+\s+\d+\s+\d+\s+([A-Z][A-Z-]*|\?+)\s+([^\s.][^\s]*)\s*$/;
const OFFLINE_RE = /^(?:Migrated|ARCIVE\s+Not Direct Access Device)\s+(\S+)\s*$/;

export function parseMvsListLine(line: string): FtpListingLineResult {
  if (HEADER_RE.test(line)) return null;
  const m = LINE_RE.exec(line);
  if (m) {
    const dsorg = m[1] as string;
    const type: FtpEntryType = dsorg === 'PS' ? 'file' : dsorg === 'PO' || dsorg === 'PO-E' ? 'directory' : 'unknown';
    return { name: m[2] as string, type, size: null, modifiedAt: null };
  }
  const offline = OFFLINE_RE.exec(line);
  if (offline) return { name: offline[1] as string, type: 'unknown', size: null, modifiedAt: null };
  return undefined;
}

export const mvsListDialect: FtpListingDialect = {
  name: 'mvs',
  testLine: (line) =>
    (line.includes('/') || line.includes('**NONE**') || /^(?:\s*Volume|Migrated|ARCIVE)\s/.test(line)) &&
    parseMvsListLine(line) !== undefined,
  parseLine: (line) => parseMvsListLine(line),
};
