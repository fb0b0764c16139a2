/**
 * The one rule behind `limits.bodyIdleMs`/`bodyMinBytesPerSec` (uploads) and
 * `limits.sendIdleMs`/`sendMinBytesPerSec` (downloads, listings): a transfer
 * that moves fewer than `minBytesPerSec` over any `windowMs` window (or
 * nothing at all) while it waits on its peer is too slow, and `onSlow` runs
 * once.
 *
 * Only time spent waiting on the peer counts, as with nginx's
 * client_body_timeout and send_timeout: a window in which the gateway was
 * the one not moving (the FTP server slow to accept or to send, a session
 * still being set up) is no fault of the caller. `waiting()` is sampled on
 * every tick; a tick that sees the peer not waited on starts a new window.
 *
 * The meter is fed the running total by polling `bytes()`, so it costs
 * nothing per chunk, and its timer is unref'd: it never keeps the process up.
 */
export interface RateFloorOptions {
  windowMs: number;
  minBytesPerSec: number;
  /** Bytes moved so far (a running total). */
  bytes(): number;
  /** True while the transfer is held up by its peer (not by the gateway or the FTP server). */
  waiting(): boolean;
  /** The window's figures when it tripped. */
  onSlow(slow: { windowBytes: number; windowMs: number; bytes: number }): void;
  /** The clock, in ms (default performance.now; tests pass Date.now, which mock timers move). */
  now?: () => number;
}

/** Samples per window: the window slides in steps of a quarter. */
const STEPS = 4;
const MIN_TICK_MS = 10;

export class RateFloor {
  readonly #o: RateFloorOptions;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  /** The oldest sample is the start of the window being judged. */
  #samples: Array<{ at: number; total: number }>;
  #tripped = false;

  constructor(options: RateFloorOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#samples = [{ at: this.#now(), total: options.bytes() }];
    this.#timer = setInterval(() => this.#tick(), Math.max(MIN_TICK_MS, Math.floor(options.windowMs / STEPS)));
    this.#timer.unref();
  }

  get tripped(): boolean {
    return this.#tripped;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    // Once means once, whatever the timer does after stop() (Node 20's mock
    // timers still run an interval cleared from inside its own callback).
    if (this.#tripped) return;
    const at = this.#now();
    const total = this.#o.bytes();
    if (!this.#o.waiting()) {
      this.#samples = [{ at, total }];
      return;
    }
    this.#samples.push({ at, total });
    // Keep the newest sample that is at least a window old as the start.
    while (this.#samples.length > 1 && at - (this.#samples[1] as { at: number }).at >= this.#o.windowMs) this.#samples.shift();
    const first = this.#samples[0] as { at: number; total: number };
    const elapsed = at - first.at;
    if (elapsed < this.#o.windowMs) return;
    const moved = total - first.total;
    if (moved > 0 && moved >= (this.#o.minBytesPerSec * elapsed) / 1000) return;
    this.#tripped = true;
    this.stop();
    this.#o.onSlow({ windowBytes: moved, windowMs: Math.round(elapsed), bytes: total });
  }
}
