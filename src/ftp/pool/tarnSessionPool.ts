import { Pool } from 'tarn';
import type { FtpSession } from '../types.js';
import { CapacityGate, isCapacitySignal } from './capacityGate.js';
import { createTimeoutError } from './poolErrors.js';

/** Backoff between create attempts after a failed create (tarn retries while someone waits). */
const CREATE_RETRY_MS = 250;
/** A QUIT that takes longer than this is cut short with destroy(). */
const QUIT_TIMEOUT_MS = 3_000;

function notYet(): never {
  throw new Error('TarnSessionPool: used before construction finished');
}

export interface TarnSessionPoolOptions {
  name: string;
  min: number;
  max: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
  capacityCooldownMs: number;
  create: (signal: AbortSignal) => Promise<FtpSession>;
  /** Is this idle session fit to lend? May talk to the server (NOOP). */
  validate: (session: FtpSession, signal: AbortSignal) => Promise<boolean>;
}

export interface TarnSessionCounts {
  idle: number;
  busy: number;
  waiting: number;
  pendingCreates: number;
  effectiveMax: number;
}

/**
 * tarn's pool with the FTP-specific policies it lacks, added through the
 * members tarn 3 declares in its typings (`used`, `free`, `pendingAcquires`,
 * `_create`, `_destroy`, `_validateResource`, `_shouldCreateMoreResources`):
 *
 * - creates are bounded by the capacity gate (a server's "too many users"),
 *   one at a time while it is limited;
 * - a create error fails the oldest waiter at once (tarn's
 *   `propagateCreateError`), except a capacity signal, which leaves waiters
 *   queued while tarn retries every CREATE_RETRY_MS or a release serves them;
 * - validation is asynchronous (tarn awaits `_validateResource`), so a stale
 *   session gets a NOOP, and a failure keeps the waiter at the head of the queue;
 * - a leased session can be destroyed, freeing its slot (`evict`);
 * - `min` sessions are opened without waiting for demand;
 * - the reaper timer does not keep the process alive.
 */
export class TarnSessionPool extends Pool<FtpSession> {
  readonly #name: string;
  readonly #acquireTimeoutMs: number;
  readonly #createSession: TarnSessionPoolOptions['create'];
  readonly #validateSession: TarnSessionPoolOptions['validate'];
  readonly #gate: CapacityGate;
  readonly #closing = new AbortController();
  /** Sessions to close with destroy() rather than QUIT. */
  readonly #condemned = new WeakSet<FtpSession>();
  /** Sessions opened to satisfy `min` rather than for a waiter. */
  readonly #prewarmed = new WeakSet<FtpSession>();
  /** Sessions already told to QUIT or destroyed. */
  readonly #gone = new WeakSet<FtpSession>();
  #warming = false;
  #lastCreateError: unknown;

  constructor(options: TarnSessionPoolOptions) {
    super({
      min: options.min,
      max: options.max,
      // Replaced below: `this` is not available inside super()'s arguments.
      create: notYet,
      destroy: notYet,
      acquireTimeoutMillis: options.acquireTimeoutMs,
      // Backstop only: #create aborts itself after acquireTimeoutMs.
      createTimeoutMillis: options.acquireTimeoutMs + 1_000,
      destroyTimeoutMillis: QUIT_TIMEOUT_MS + 1_000,
      idleTimeoutMillis: options.idleTimeoutMs,
      reapIntervalMillis: Math.max(10, Math.min(1_000, Math.floor(options.idleTimeoutMs / 2))),
      createRetryIntervalMillis: CREATE_RETRY_MS,
      // Done selectively in #createFailed.
      propagateCreateError: false,
    });
    this.#name = options.name;
    this.#acquireTimeoutMs = options.acquireTimeoutMs;
    this.#createSession = options.create;
    this.#validateSession = options.validate;
    this.#gate = new CapacityGate(options.max, options.capacityCooldownMs, () => this.kick());
    this.creator = () => this.#create();
    this.destroyer = (session: FtpSession) => this.#close(session);
  }

  counts(): TarnSessionCounts {
    return {
      idle: this.free.length,
      busy: this.used.length,
      waiting: this.pendingAcquires.length,
      pendingCreates: this.pendingCreates.length,
      effectiveMax: this.#gate.effectiveMax,
    };
  }

  /** The last create failure, until a create succeeds (the cause of an acquire timeout). */
  get lastCreateError(): unknown {
    return this.#lastCreateError;
  }

  /** Opened for `min`, so it may have gone stale before its first lease. */
  isPrewarmed(session: FtpSession): boolean {
    return this.#prewarmed.has(session);
  }

  /**
   * Take a leased session out of the pool and close it: `destroy` closes the
   * socket, `quit` says QUIT first. Frees its slot for the next waiter.
   */
  evict(session: FtpSession, how: 'destroy' | 'quit'): void {
    const index = this.used.findIndex((r) => r.resource === session);
    if (index < 0) return;
    const [resource] = this.used.splice(index, 1);
    if (how === 'destroy') {
      this.#condemned.add(session);
      // Close the socket now, not a tick later: the caller may be mid-transfer.
      this.#destroyNow(session);
    }
    void this._destroy(session);
    // tarn's destroy() waits on this deferred for every leased session.
    resource?.settle();
    this.kick();
  }

  /** Serve waiters and top up to `min` after a slot opened. */
  kick(): void {
    if (this.destroyed) return;
    this.#ensureMin();
    this._tryAcquireOrCreate();
    // tarn starts one create per event; when a slot opens, start all that fit.
    while (this.free.length === 0 && this._shouldCreateMoreResources()) this._doCreate();
  }

  /**
   * Stop lending: fail every waiter with `reason`, abort connects in flight,
   * QUIT idle sessions now; leased ones are closed as they are evicted.
   * Resolves when all are closed.
   */
  async shutdown(reason: Error): Promise<void> {
    const drained = this.destroy();
    this.#gate.dispose();
    this.#closing.abort(reason);
    for (const waiter of [...this.pendingAcquires, ...this.pendingValidations]) waiter.reject(reason);
    for (const idle of this.free.splice(0)) {
      idle.settle();
      void this._destroy(idle.resource);
    }
    await drained;
  }

  override _shouldCreateMoreResources(): boolean {
    return super._shouldCreateMoreResources() && this.#roomToCreate();
  }

  override async _validateResource(session: FtpSession): Promise<boolean> {
    // If the waiter gives up mid-NOOP, tarn destroys the session: the control
    // connection then has a reply outstanding, so it must not get a QUIT.
    this.#condemned.add(session);
    let ok = false;
    try {
      ok = await this.#validateSession(session, this.#closing.signal);
    } catch {
      ok = false;
    }
    if (ok) this.#condemned.delete(session);
    return ok;
  }

  override _create(): ReturnType<Pool<FtpSession>['_create']> {
    const pending = super._create();
    pending.promise.then(
      // tarn lends the new session but starts no further create; while the
      // gate held creates back, waiters behind need this one to get theirs.
      () => this.kick(),
      // Failures: tarn retries after CREATE_RETRY_MS while someone waits (and
      // nobody waits on a warm-up: the next demand retries).
      () => undefined,
    );
    return pending;
  }

  override _startReaping(): void {
    super._startReaping();
    this.interval?.unref();
  }

  #roomToCreate(): boolean {
    const open = this.used.length + this.free.length;
    const creating = this.pendingCreates.length;
    if (open + creating >= this.#gate.effectiveMax) return false;
    // "Don't hammer the server": while it says it is full, probe one at a time.
    return !(this.#gate.limited && creating > 0);
  }

  #ensureMin(): void {
    while (
      !this.destroyed &&
      this.used.length + this.free.length + this.pendingCreates.length < this.min &&
      this.#roomToCreate()
    ) {
      // tarn calls the creator synchronously from _create(), so #create sees the flag.
      this.#warming = true;
      try {
        this._create();
      } finally {
        this.#warming = false;
      }
    }
  }

  async #create(): Promise<FtpSession> {
    const warm = this.#warming;
    const controller = new AbortController();
    const onClosing = (): void => controller.abort(this.#closing.signal.reason);
    this.#closing.signal.addEventListener('abort', onClosing, { once: true });
    const timer = setTimeout(
      () => controller.abort(createTimeoutError(this.#name, this.#acquireTimeoutMs)),
      this.#acquireTimeoutMs,
    );
    timer.unref();
    try {
      const session = await this.#createSession(controller.signal);
      if (controller.signal.aborted) {
        session.destroy();
        throw controller.signal.reason;
      }
      this.#lastCreateError = undefined;
      if (warm) this.#prewarmed.add(session);
      return session;
    } catch (err) {
      this.#lastCreateError = err;
      // A connect we aborted (timeout, close) is nobody's answer: waiters time out on their own.
      if (!controller.signal.aborted) this.#createFailed(err);
      throw err;
    } finally {
      clearTimeout(timer);
      this.#closing.signal.removeEventListener('abort', onClosing);
    }
  }

  #createFailed(err: unknown): void {
    if (isCapacitySignal(err)) {
      // Waiters stay queued: a release serves them, or tarn's retry after CREATE_RETRY_MS.
      this.#gate.refused(this.used.length + this.free.length);
      return;
    }
    // Auth refused, connection refused...: waiting will not help the oldest waiter.
    this.pendingAcquires[0]?.reject(err instanceof Error ? err : new Error(String(err)));
  }

  /** tarn's destroyer: QUIT when the session is in a known state, else destroy(). Once per session. */
  async #close(session: FtpSession): Promise<void> {
    if (this.#condemned.has(session) || !session.usable) {
      this.#destroyNow(session);
      return;
    }
    if (this.#gone.has(session)) return;
    this.#gone.add(session);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), QUIT_TIMEOUT_MS);
      timer.unref();
    });
    const quit = session.quit().then(
      () => false,
      () => false,
    );
    if (await Promise.race([quit, timedOut])) session.destroy();
    clearTimeout(timer);
  }

  #destroyNow(session: FtpSession): void {
    if (this.#gone.has(session)) return;
    this.#gone.add(session);
    session.destroy();
  }
}
