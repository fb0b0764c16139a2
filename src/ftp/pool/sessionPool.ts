import type { FtpSession } from '../types.js';
import { CapacityGate, isCapacitySignal } from './capacityGate.js';
import { createTimeoutError, poolAbortedError, poolTimeoutError } from './poolErrors.js';

/** Backoff between create attempts after a failed create, while someone waits: a down server is not hammered. */
const CREATE_RETRY_MS = 250;
/** A QUIT that takes longer than this is cut short with destroy(). */
const QUIT_TIMEOUT_MS = 3_000;

export interface SessionPoolOptions {
  name: string;
  min: number;
  max: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
  capacityCooldownMs: number;
  create: (signal: AbortSignal) => Promise<FtpSession>;
  /** True: lend this idle session as it is. False: ask `validate` first. */
  ready: (session: FtpSession) => boolean;
  /** Is this idle session fit to lend? May talk to the server (NOOP); `signal` fires when the waiter gives up. */
  validate: (session: FtpSession, signal: AbortSignal) => Promise<boolean>;
  /** The server refused one more session for capacity while `open` were up. */
  onCapacityRefused?: ((open: number) => void) | undefined;
}

export interface SessionCounts {
  idle: number;
  busy: number;
  waiting: number;
  pendingCreates: number;
  effectiveMax: number;
}

/** One acquire, queued or holding a session under check. Settles once (#serve or #fail). */
interface Waiter {
  readonly resolve: (session: FtpSession) => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  settled: boolean;
  /** Armed only when the acquire has to wait. */
  deadline?: NodeJS.Timeout;
  onAbort?: () => void;
  /** Made for a check (NOOP): aborted when the acquire ends without a session. */
  gone?: AbortController;
}

/**
 * The mechanism under FtpPool, after undici's pool-base: waiters are served
 * first come, first served; idle sessions are lent most recently used first
 * (a stack), so spare ones age and the reaper closes them down to `min`.
 * Creates start only for waiters nobody else will serve, bounded by the
 * capacity gate (a server's "too many users": one probe at a time). A session
 * idle for a while is checked (`validate`) before it is lent; one that fails
 * the check is destroyed and its waiter goes back to the head of the queue.
 * No timer of the pool keeps the process alive, except a waiter's deadline
 * while its acquire is pending.
 */
export class SessionPool {
  readonly #name: string;
  readonly #min: number;
  readonly #idleTimeoutMs: number;
  readonly #acquireTimeoutMs: number;
  readonly #createSession: SessionPoolOptions['create'];
  readonly #ready: SessionPoolOptions['ready'];
  readonly #validate: SessionPoolOptions['validate'];
  readonly #onCapacityRefused: SessionPoolOptions['onCapacityRefused'];
  readonly #gate: CapacityGate;
  readonly #waiters: Waiter[] = [];
  /** Bottom is the least recently used: what the reaper closes first. */
  readonly #idle: Array<{ session: FtpSession; since: number }> = [];
  /** Lent, or under check for a waiter. */
  readonly #busy = new Set<FtpSession>();
  readonly #checking = new Set<Waiter>();
  /** Sessions opened to satisfy `min` rather than for a waiter. */
  readonly #prewarmed = new WeakSet<FtpSession>();
  /** Aborts connects in flight when the pool closes. */
  readonly #shutdown = new AbortController();
  #creating = 0;
  #quitting = 0;
  #lastCreateError: unknown;
  #reaper: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;

  constructor(options: SessionPoolOptions) {
    this.#name = options.name;
    this.#min = options.min;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#acquireTimeoutMs = options.acquireTimeoutMs;
    this.#createSession = options.create;
    this.#ready = options.ready;
    this.#validate = options.validate;
    this.#onCapacityRefused = options.onCapacityRefused;
    this.#gate = new CapacityGate(options.max, options.capacityCooldownMs, () => this.#dispatch());
    // Open the `min` sessions after construction, not inside it.
    if (this.#min > 0) queueMicrotask(() => this.#dispatch());
  }

  counts(): SessionCounts {
    return {
      idle: this.#idle.length,
      busy: this.#busy.size,
      waiting: this.#waiters.length,
      pendingCreates: this.#creating,
      effectiveMax: this.#gate.effectiveMax,
    };
  }

  /** Opened for `min`, so it may have gone stale before its first lease. */
  isPrewarmed(session: FtpSession): boolean {
    return this.#prewarmed.has(session);
  }

  /** A session within `acquireTimeoutMs`, else FTP_POOL_TIMEOUT (its cause: the last create failure, if any). */
  acquire(signal?: AbortSignal): Promise<FtpSession> {
    if (this.#closed) return Promise.reject(this.#shutdown.signal.reason as Error);
    if (signal?.aborted) return Promise.reject(poolAbortedError(this.#name, signal.reason));
    return new Promise<FtpSession>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, settled: false };
      this.#waiters.push(waiter);
      this.#dispatch();
      if (waiter.settled) return;
      waiter.deadline = setTimeout(
        () => this.#fail(waiter, poolTimeoutError(this.#name, this.#acquireTimeoutMs, this.#lastCreateError)),
        this.#acquireTimeoutMs,
      );
      waiter.onAbort = () => this.#fail(waiter, poolAbortedError(this.#name, signal?.reason));
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  /** Back to the idle stack if the pool is open and the session usable; else closed (QUIT if usable). */
  release(session: FtpSession): void {
    if (!this.#busy.delete(session)) return;
    if (this.#closed || !session.usable) this.#close(session);
    else this.#pushIdle(session);
    this.#dispatch();
  }

  /** Destroy a leased session now (the caller may be mid-transfer) and free its slot. */
  evict(session: FtpSession): void {
    if (!this.#busy.delete(session)) return;
    this.#close(session, true);
    this.#dispatch();
  }

  /**
   * Stop lending: fail every waiter with `reason`, abort connects in flight,
   * QUIT idle sessions now; leased ones are closed as they come back.
   * Resolves when all are closed. Call once.
   */
  close(reason: Error): Promise<void> {
    this.#shutdown.abort(reason);
    this.#gate.dispose();
    clearInterval(this.#reaper);
    clearTimeout(this.#retry);
    for (const waiter of [...this.#waiters, ...this.#checking]) this.#fail(waiter, reason);
    for (const { session } of this.#idle.splice(0)) this.#close(session);
    return new Promise((resolve) => {
      this.#drained = resolve;
      this.#dispatch();
    });
  }

  get #closed(): boolean {
    return this.#shutdown.signal.aborted;
  }

  get #open(): number {
    return this.#busy.size + this.#idle.length;
  }

  /** Called after every change of state: lend idle sessions, start the creates that fit, or finish a close. */
  #dispatch(): void {
    if (this.#closed) {
      if (this.#open + this.#creating + this.#quitting === 0) this.#drained?.();
      return;
    }
    while (this.#open + this.#creating < this.#min && this.#roomToCreate()) void this.#create(true);
    while (this.#waiters.length > 0 && this.#idle.length > 0) {
      const waiter = this.#waiters.shift() as Waiter;
      const { session } = this.#idle.pop() as { session: FtpSession };
      this.#busy.add(session);
      if (this.#ready(session)) this.#serve(waiter, session);
      else void this.#check(session, waiter);
    }
    while (this.#idle.length === 0 && this.#creating < this.#waiters.length && this.#roomToCreate()) {
      void this.#create(false);
    }
  }

  #roomToCreate(): boolean {
    if (this.#open + this.#creating >= this.#gate.effectiveMax) return false;
    // "Don't hammer the server": while it says it is full, probe one at a time.
    return !(this.#gate.limited && this.#creating > 0);
  }

  /** False when the waiter had already given up: the session is still the pool's. */
  #serve(waiter: Waiter, session: FtpSession): boolean {
    if (!this.#settle(waiter)) return false;
    waiter.resolve(session);
    return true;
  }

  #fail(waiter: Waiter, err: Error): void {
    if (!this.#settle(waiter)) return;
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
    waiter.gone?.abort(err);
    waiter.reject(err);
  }

  #settle(waiter: Waiter): boolean {
    if (waiter.settled) return false;
    waiter.settled = true;
    clearTimeout(waiter.deadline);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  /** Ask the server whether an idle session still works before lending it; `session` is counted busy meanwhile. */
  async #check(session: FtpSession, waiter: Waiter): Promise<void> {
    this.#checking.add(waiter);
    const gone = (waiter.gone = new AbortController()).signal;
    // A waiter that gives up mid-check does not wait for a NOOP that may hang.
    const gaveUp = new Promise<false>((resolve) => gone.addEventListener('abort', () => resolve(false)));
    const ok = await Promise.race([this.#validate(session, gone), gaveUp]).catch(() => false);
    this.#checking.delete(waiter);
    if (ok && this.#serve(waiter, session)) return;
    this.#busy.delete(session);
    if (!ok) {
      // A NOOP may still be outstanding: the connection's state is unknown, so no QUIT.
      this.#close(session, true);
      if (!waiter.settled) this.#waiters.unshift(waiter);
    } else if (this.#closed) {
      this.#close(session);
    } else {
      this.#pushIdle(session);
    }
    this.#dispatch();
  }

  async #create(warm: boolean): Promise<void> {
    this.#creating++;
    const attempt = new AbortController();
    const onShutdown = (): void => attempt.abort(this.#shutdown.signal.reason);
    this.#shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    // A connect is not tied to one waiter: it has its own deadline.
    const timer = setTimeout(() => attempt.abort(createTimeoutError(this.#name, this.#acquireTimeoutMs)), this.#acquireTimeoutMs);
    timer.unref();
    let failed = false;
    try {
      const session = await this.#createSession(attempt.signal);
      if (attempt.signal.aborted) {
        session.destroy();
        throw attempt.signal.reason;
      }
      this.#lastCreateError = undefined;
      if (warm) this.#prewarmed.add(session);
      this.#pushIdle(session);
    } catch (err) {
      failed = true;
      this.#lastCreateError = err;
      // A connect we aborted (deadline, close) is nobody's answer: waiters time out on their own.
      if (!attempt.signal.aborted) this.#createFailed(err);
    } finally {
      this.#creating--;
      clearTimeout(timer);
      this.#shutdown.signal.removeEventListener('abort', onShutdown);
    }
    // After a failure only the retry timer starts creates, never a tight loop.
    if (failed && !this.#closed) this.#scheduleRetry();
    else this.#dispatch();
  }

  #createFailed(err: unknown): void {
    if (isCapacitySignal(err)) {
      // Waiters stay queued: a release serves them, or the retry after CREATE_RETRY_MS.
      this.#gate.refused(this.#open);
      this.#onCapacityRefused?.(this.#open);
      return;
    }
    // Auth refused, connection refused...: waiting will not help the oldest waiter.
    const oldest = this.#waiters[0];
    if (oldest) this.#fail(oldest, err instanceof Error ? err : new Error(String(err)));
  }

  #scheduleRetry(): void {
    if (this.#retry !== undefined || this.#waiters.length === 0) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#dispatch();
    }, CREATE_RETRY_MS);
    // The waiters' deadlines keep the process alive while anyone waits.
    this.#retry.unref();
  }

  #pushIdle(session: FtpSession): void {
    this.#idle.push({ session, since: Date.now() });
    if (this.#reaper !== undefined) return;
    const every = Math.max(10, Math.min(1_000, Math.floor(this.#idleTimeoutMs / 2)));
    this.#reaper = setInterval(() => this.#reap(), every);
    this.#reaper.unref();
  }

  /** Close sessions idle for idleTimeoutMs, oldest first, keeping `min` open. */
  #reap(): void {
    const now = Date.now();
    let spare = this.#open - this.#min;
    while (spare > 0 && this.#idle.length > 0 && now - (this.#idle[0]?.since ?? now) >= this.#idleTimeoutMs) {
      const { session } = this.#idle.shift() as { session: FtpSession };
      this.#close(session);
      spare--;
    }
    if (this.#idle.length === 0) {
      clearInterval(this.#reaper);
      this.#reaper = undefined;
    }
  }

  /** QUIT when the session is in a known state, else (or when `destroy`) close the socket now. */
  #close(session: FtpSession, destroy = false): void {
    if (destroy || !session.usable) {
      session.destroy();
      return;
    }
    // Counted until done: close() resolves after the last QUIT.
    this.#quitting++;
    let late: NodeJS.Timeout | undefined;
    const cutShort = new Promise<void>((resolve) => {
      late = setTimeout(() => {
        session.destroy();
        resolve();
      }, QUIT_TIMEOUT_MS).unref();
    });
    void Promise.race([session.quit().catch(() => undefined), cutShort]).then(() => {
      clearTimeout(late);
      this.#quitting--;
      this.#dispatch();
    });
  }
}
