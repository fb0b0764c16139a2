import { isFtpError } from '../errors.js';

/**
 * Servers cap concurrent sessions and say so when a new one connects or logs
 * in. RFC 959 §4.2 gives 421 ("Service not available, closing control
 * connection"); some servers answer the login with 530 instead. Texts seen:
 *   vsftpd:    "421 There are too many connected users, please try later."
 *              "421 There are too many connections from your internet address."
 *   pure-ftpd: "421 10 users (the maximum) are already logged in, sorry"
 *              "421 Too many connections (2) from this IP"
 *   proftpd:   "530 Sorry, the maximum number of clients (3) from your host are already connected."
 *              "530 Sorry, the maximum number of allowed clients (10) are already connected."
 * A 530 without such words is a wrong password and must fail at once.
 */
const CAPACITY_530 = /too many|connections|limit|maximum number|already connected/i;

/** True when a failed connect/login means "the server is full", not "you may not". */
export function isCapacitySignal(err: unknown): boolean {
  if (!isFtpError(err)) return false;
  if (err.ftpCode === 421) return true;
  return err.ftpCode === 530 && CAPACITY_530.test(err.ftpMessage ?? err.message);
}

/**
 * Remembers that the server refused another session: for `cooldownMs` the pool
 * may hold no more sessions than it had open when it was refused (at least 1),
 * then the configured max applies again and `onRestore` runs so waiters can
 * get the slots back.
 */
export class CapacityGate {
  readonly #max: number;
  readonly #cooldownMs: number;
  readonly #onRestore: () => void;
  #limit: number | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(max: number, cooldownMs: number, onRestore: () => void) {
    this.#max = max;
    this.#cooldownMs = cooldownMs;
    this.#onRestore = onRestore;
  }

  get effectiveMax(): number {
    return this.#limit ?? this.#max;
  }

  /** True while in the capacity state (creates are throttled to one at a time). */
  get limited(): boolean {
    return this.#limit !== undefined;
  }

  /** The server refused a new session while `open` sessions were up. Restarts the cooldown. */
  refused(open: number): void {
    this.#limit = Math.min(this.#max, Math.max(1, open));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#limit = undefined;
      this.#onRestore();
    }, this.#cooldownMs);
    // A cooldown alone must not keep the process alive.
    this.#timer.unref();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
