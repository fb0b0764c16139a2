/**
 * The memory all sorted listings of this process may hold at once. A sorted
 * listing must keep every entry until the last one arrived; without a shared
 * bound, a handful of callers listing a large folder at the same time could
 * take the process past its memory limit (issue 10.4: 24 listings of 200,000
 * entries reached 2.46 GiB). Streamed listings (`?sort=none`) keep nothing
 * and take nothing from it.
 *
 * Counted in estimated bytes rather than entries (see rowBytes), so that long
 * names (a line may be 64 KiB) weigh what they cost.
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
