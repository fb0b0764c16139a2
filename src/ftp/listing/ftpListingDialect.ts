import type { FtpEntry } from '../types.js';

/**
 * What a line parser says about one listing line:
 *   - an `FtpEntry`: the line names a child;
 *   - `null`: the line is understood but names no child (MLSD `cdir`/`pdir`,
 *     `ls -l`'s `total 12`), so it is dropped without counting as garbage;
 *   - `undefined`: the line is not in this dialect.
 */
export type FtpListingLineResult = FtpEntry | null | undefined;

/**
 * One `LIST` dialect. The listing parser asks each dialect in order whether it
 * recognises a line (`testLine`) and sticks with the first that does, as
 * basic-ftp does: `LIST` output is free-form (RFC 959 §4.1.3 only says it is
 * "human-readable"), so a dialect is guessed once per listing, not per line.
 */
export interface FtpListingDialect {
  readonly name: string;
  testLine(line: string): boolean;
  /** `now` anchors dates that omit the year. */
  parseLine(line: string, now: Date): FtpListingLineResult;
}
