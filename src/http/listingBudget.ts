import type { FtpEntry } from '../ftp/index.js';

/**
 * The memory all sorted listings of this process may hold at once. A sorted
 * listing must keep every entry until the last one arrived; without a shared
 * bound, a handful of callers listing a large folder at the same time could
 * take the process past its memory limit (issue 10.4: 24 listings of 200,000
 * entries reached 2.46 GiB). Streamed listings (`?sort=none`) keep nothing
 * and take nothing from it.
 *
 * Counted in estimated bytes rather than entries, so that long names (a line
 * may be 64 KiB) weigh what they cost.
 */
export class ListingBudget {
  readonly #limit: number;
  #used = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Bytes held by sorted listings now. */
  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` when they fit, else takes nothing and returns false. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.#limit) return false;
    this.#used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/**
 * What one parsed entry costs on the heap, measured with Node 20 on LIST lines
 * of vsftpd (about 325 bytes for a 15-character name): the entry object and
 * its Date, its strings, and the rest of its line, which the name (a slice of
 * the decoded chunk) keeps alive. Erring high keeps the budget a bound.
 */
const ENTRY_OVERHEAD_BYTES = 256 + 64;

export function entryBytes(entry: FtpEntry): number {
  // An unknown entry's name and raw are the same string.
  return ENTRY_OVERHEAD_BYTES + 2 * (entry.name.length + (entry.target?.length ?? 0));
}
