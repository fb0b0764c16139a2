import type { FtpSession } from '../types.js';

/** One loan of a pooled session. See FtpLease in ftpPool.ts. */
export class PoolLease {
  readonly session: FtpSession;
  readonly fresh: boolean;
  readonly #onRelease: (session: FtpSession) => void;
  readonly #onDestroy: (session: FtpSession) => void;
  #settled = false;

  constructor(session: FtpSession, fresh: boolean, onRelease: (session: FtpSession) => void, onDestroy: (session: FtpSession) => void) {
    this.session = session;
    this.fresh = fresh;
    this.#onRelease = onRelease;
    this.#onDestroy = onDestroy;
  }

  release(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#onRelease(this.session);
  }

  destroy(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#onDestroy(this.session);
  }
}
