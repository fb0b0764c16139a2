import type { FtpSession } from '../types.js';
import { PoolLease } from './poolLease.js';
import { SessionPool } from './sessionPool.js';
import { isDeadConnection, poolAbortedError, poolClosedError } from './poolErrors.js';

export interface FtpPoolOptions {
  /** For errors and diagnostics. */
  name: string;
  /** Connect and log in. Abort the attempt when `signal` fires (pool closing, create timeout). */
  create: (signal: AbortSignal) => Promise<FtpSession>;
  max: number;
  /** Sessions kept open even when idle (default 0). */
  min?: number;
  /** Idle sessions above `min` are closed with QUIT after this (default 60 000). */
  idleTimeoutMs?: number;
  /** Deadline of one acquire, including connecting and NOOP checks (default 10 000). */
  acquireTimeoutMs?: number;
  /** A session idle at least this long gets a NOOP before it is lent (default 5 000). */
  validateAfterIdleMs?: number;
  /** After the server refuses a session for capacity, hold no more than were open for this long (default 30 000). */
  capacityCooldownMs?: number;
  /** Told when the server refuses a session for capacity (421, or a 530 saying so) while `open` sessions were up: the server profile's session limit. */
  onCapacityRefused?: (open: number) => void;
}

export interface FtpPoolStats {
  max: number;
  /** `max`, or less while the server has said it is full (capacity cooldown). */
  effectiveMax: number;
  /** Open sessions: idle + busy. */
  size: number;
  idle: number;
  /** Lent, or being checked (NOOP) before being lent. */
  busy: number;
  /** Acquires queued for a session. */
  waiting: number;
  /** Connects (with login) in progress. */
  pendingCreates: number;
}

export interface FtpLease {
  readonly session: FtpSession;
  /** Connected for this lease: never lent before and not a pre-opened `min` session. */
  readonly fresh: boolean;
  /** Back to the pool if `session.usable`, else destroyed. Idempotent; no-op after destroy(). */
  release(): void;
  /** Destroy the session and free its slot. Idempotent; no-op after release(). */
  destroy(): void;
}

export interface FtpPoolUseOptions {
  signal?: AbortSignal;
  /** Retry once on a new session when a reused one turns out dead (default true). */
  retry?: boolean;
}

/**
 * A pool of logged-in FTP sessions for one server (the queueing is
 * SessionPool's). Waiters are served first come, first served; reused
 * sessions are most recently used first, so spare ones idle out.
 */
export class FtpPool {
  readonly #name: string;
  readonly #max: number;
  readonly #store: SessionPool;
  /** Sessions lent at least once: their next lease is not fresh. */
  readonly #lent = new WeakSet<FtpSession>();
  #closed: Promise<void> | undefined;

  constructor(options: FtpPoolOptions) {
    const min = options.min ?? 0;
    const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    const acquireTimeoutMs = options.acquireTimeoutMs ?? 10_000;
    const validateAfterIdleMs = options.validateAfterIdleMs ?? 5_000;
    const capacityCooldownMs = options.capacityCooldownMs ?? 30_000;
    checkInteger('max', options.max, 1);
    checkInteger('min', min, 0);
    if (min > options.max) throw new RangeError(`FtpPool: min (${min}) exceeds max (${options.max})`);
    checkInteger('idleTimeoutMs', idleTimeoutMs, 1);
    checkInteger('acquireTimeoutMs', acquireTimeoutMs, 1);
    checkInteger('validateAfterIdleMs', validateAfterIdleMs, 0);
    checkInteger('capacityCooldownMs', capacityCooldownMs, 1);

    this.#name = options.name;
    this.#max = options.max;
    this.#store = new SessionPool({
      name: options.name,
      min,
      max: options.max,
      idleTimeoutMs,
      acquireTimeoutMs,
      capacityCooldownMs,
      create: options.create,
      onCapacityRefused: options.onCapacityRefused,
      // A server may have dropped a quiet session (vsftpd: "421 Timeout." after idle_session_timeout).
      ready: (session) => session.usable && Date.now() - session.lastActivity < validateAfterIdleMs,
      validate: async (session, signal) => {
        if (!session.usable) return false;
        await session.noop(signal);
        return session.usable;
      },
    });
  }

  async acquire(signal?: AbortSignal): Promise<FtpLease> {
    if (this.#closed) throw poolClosedError(this.#name);
    if (signal?.aborted) throw poolAbortedError(this.#name, signal.reason);

    const session = await this.#store.acquire(signal);
    if (signal?.aborted) {
      // Aborted between the session's arrival and this continuation.
      this.#store.release(session);
      throw poolAbortedError(this.#name, signal.reason);
    }
    const fresh = !this.#lent.has(session) && !this.#store.isPrewarmed(session);
    this.#lent.add(session);
    session.resetCounters();
    return new PoolLease(
      session,
      fresh,
      (s) => this.#store.release(s),
      (s) => this.#store.evict(s),
    );
  }

  /**
   * Acquire, run `fn`, release: the session goes back when it is `usable`
   * and is destroyed otherwise, whatever `fn` returned or threw (a session
   * left out of step destroys itself; the error says nothing the session
   * does not). When a reused session was dead before anything moved (closed
   * connection or 421, no data bytes), `fn` runs once more on another session.
   */
  async use<T>(fn: (session: FtpSession, lease: FtpLease) => Promise<T>, options: FtpPoolUseOptions = {}): Promise<T> {
    const { signal, retry = true } = options;
    for (let attempt = 0; ; attempt++) {
      const lease = await this.acquire(signal);
      try {
        const result = await fn(lease.session, lease);
        lease.release();
        return result;
      } catch (err) {
        lease.release();
        const again =
          retry &&
          attempt === 0 &&
          !lease.fresh &&
          lease.session.bytesSinceReset === 0 &&
          isDeadConnection(err) &&
          !signal?.aborted &&
          !this.#closed;
        if (!again) throw err;
      }
    }
  }

  stats(): FtpPoolStats {
    const c = this.#store.counts();
    return {
      max: this.#max,
      effectiveMax: c.effectiveMax,
      size: c.idle + c.busy,
      idle: c.idle,
      busy: c.busy,
      waiting: c.waiting,
      pendingCreates: c.pendingCreates,
    };
  }

  /**
   * Stop lending: new and waiting acquires fail with FTP_POOL_CLOSED. Idle
   * sessions get QUIT now, leased ones when released (destroy() still
   * destroys). Resolves when every session is closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#store.close(poolClosedError(this.#name));
    return this.#closed;
  }
}

function checkInteger(name: string, value: number, least: number): void {
  if (!Number.isInteger(value) || value < least) {
    throw new RangeError(`FtpPool: ${name} must be an integer >= ${least}, got ${String(value)}`);
  }
}
