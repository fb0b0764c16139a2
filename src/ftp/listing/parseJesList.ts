import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';

/**
 * z/OS JES spool lists: what `LIST` answers after `SITE FILETYPE=JES`
 * (samples from Apache Commons Net's MVSFTPEntryParserTest and its
 * MVSFTPEntryParser documentation, test/fixtures/listings/commons-net/jes.txt):
 *
 *   JES interface level 1:  IBMUSER1  JOB01906  OUTPUT    3 Spool Files
 *   JES interface level 2:  JOBNAME  JOBID    OWNER    STATUS CLASS
 *                           IBMUSER2 JOB01906 IBMUSER  OUTPUT A        RC=0000 3 spool files
 *                           IBMUSER  TSU01830 IBMUSER  OUTPUT TSU      ABEND=522 3 spool files
 *
 * Each job is named by its job id, which is what `RETR` takes. A job whose
 * output is ready (`OUTPUT`) is a file; one still queued, held or running
 * (`INPUT`, `HELD`, `ACTIVE`) is `unknown`: there is nothing to read yet. No
 * sizes or dates. The spool-file table that `LIST JOBnnnnn` adds under a job
 * is left to the caller as unknown lines.
 */
const JOB_ID = '((?:JOB|TSU|STC)\\d{5}|[JTS]\\d{7})';
const STATUS = '(OUTPUT|INPUT|ACTIVE|HELD)';
const LEVEL1_RE = new RegExp(`^\\S+\\s+${JOB_ID}\\s+${STATUS}\\s+\\d+\\s+Spool\\s+Files\\s*$`, 'i');
const LEVEL2_HEADER_RE = /^JOBNAME\s+JOBID\s+OWNER\s+STATUS\s+CLASS\s*$/i;
const LEVEL2_RE = new RegExp(`^\\S+\\s+${JOB_ID}\\s+\\S+\\s+${STATUS}\\s+\\S+(?:\\s.*)?$`, 'is');
const COUNT_RE = /^\s*\d+\s+spool\s+files?\s*$/i;

export function parseJesListLine(line: string): FtpListingLineResult {
  if (LEVEL2_HEADER_RE.test(line) || COUNT_RE.test(line)) return null;
  const m = LEVEL1_RE.exec(line) ?? LEVEL2_RE.exec(line);
  if (!m) return undefined;
  const ready = (m[2] as string).toUpperCase() === 'OUTPUT';
  return { name: (m[1] as string).toUpperCase(), type: ready ? 'file' : 'unknown', size: null, modifiedAt: null };
}

export const jesListDialect: FtpListingDialect = {
  name: 'jes',
  testLine: (line) => /(?:JOB|TSU|STC|[JTS]\d\d)\d{5}|JOBNAME|spool/i.test(line) && parseJesListLine(line) !== undefined,
  parseLine: (line) => parseJesListLine(line),
};
