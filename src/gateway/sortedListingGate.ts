/**
 * Sorted listings of one folder, one at a time per pool (per server and, for
 * pass-through servers, per FTP user), and folders found too large for a
 * sorted listing remembered for a while.
 *
 * A sorted listing of a large folder is the expensive case: the FTP server
 * reads the whole folder, and the gateway holds up to `maxListEntries`
 * entries against the shared budget. When several callers ask for the same
 * one at once (a folder everyone opens, or one key repeating a request),
 * running them side by side multiplies that cost and makes them crowd each
 * other out of the budget, so that all fail. So a request waits for the one
 * running when it came; if that one found the folder too large (413), the
 * answer stands for `rememberMs` without asking the server again; otherwise
 * the ones that waited run (side by side: a small folder many open at once
 * is not made to queue). `?sort=none` is never held here.
 */
export class SortedListingGate {
  readonly #rememberMs: number;
  readonly #now: () => number;
  readonly #running = new WeakMap<object, Map<string, Promise<void>>>();
  readonly #tooLarge = new WeakMap<object, Map<string, number>>();

  constructor(rememberMs: number, now: () => number = Date.now) {
    this.#rememberMs = rememberMs;
    this.#now = now;
  }

  /** True while the folder is remembered as too large for a sorted listing. */
  isTooLarge(pool: object, path: string): boolean {
    const until = this.#tooLarge.get(pool)?.get(path);
    return until !== undefined && until > this.#now();
  }

  markTooLarge(pool: object, path: string): void {
    let folders = this.#tooLarge.get(pool);
    if (!folders) this.#tooLarge.set(pool, (folders = new Map()));
    folders.delete(path);
    // Bounded: the oldest goes first (a Map iterates in insertion order).
    if (folders.size >= MAX_REMEMBERED) folders.delete(folders.keys().next().value as string);
    folders.set(path, this.#now() + this.#rememberMs);
  }

  /**
   * Waits for the sorted listing of the folder that runs now, if any, then
   * counts this one as running; call the returned function when it is over.
   * Rejects with the signal's reason when the caller leaves while waiting.
   */
  async enter(pool: object, path: string, signal: AbortSignal): Promise<() => void> {
    let folders = this.#running.get(pool);
    if (!folders) this.#running.set(pool, (folders = new Map()));
    const running = folders.get(path);
    if (running) await untilSettled(running, signal);
    let leave!: () => void;
    const done = new Promise<void>((resolve) => (leave = resolve));
    folders.set(path, done);
    return () => {
      if (folders.get(path) === done) folders.delete(path);
      leave();
    };
  }
}

const MAX_REMEMBERED = 1_000;

function untilSettled(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.finally(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
