import type { FtpEntry } from '../types.js';

/**
 * What a line parser says about one listing line:
 *   - an `FtpEntry`: the line names a child;
 *   - `null`: the line is understood but names no child (MLSD `cdir`/`pdir`,
 *     `ls -l`'s `total 12`, a VMS or MVS header), so it is dropped without
 *     counting as garbage;
 *   - `undefined`: the line is not in this dialect.
 */
export type FtpListingLineResult = FtpEntry | null | undefined;

/**
 * One `LIST` dialect. The listing parser asks each dialect in turn whether it
 * recognises a line (`testLine`) and sticks with the first that does for the
 * rest of the listing, as basic-ftp does: `LIST` output is free-form (RFC 959
 * §4.1.3 only says it is "human-readable"), so a dialect is guessed once per
 * listing, not per line. `testLine` may be stricter than `parseLine` (a bare
 * PDS member name is read only once the listing is known to be one).
 */
export interface FtpListingDialect {
  /** Stable name, shown as the server's `listingDialect`: `unix`, `windows`, `vms`, ... */
  readonly name: string;
  testLine(line: string): boolean;
  /** `now` anchors dates that omit the year. */
  parseLine(line: string, now: Date): FtpListingLineResult;
  /**
   * For entries spread over several lines (VMS puts a long name on a line of
   * its own): true when `text` (the lines so far, joined by a space) is the
   * start of an entry whose rest comes on the next line.
   */
  continues?(text: string): boolean;
}
