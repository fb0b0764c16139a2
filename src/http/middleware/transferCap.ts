import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Config } from '../../config/index.js';
import { HttpError } from '../httpError.js';
import { presentedKey } from './auth.js';

/**
 * `limits.maxTransfersPerKey`: how many operations one caller may run at once
 * on one server. What is counted is what can starve others: every operation
 * while it holds (or waits for) a pooled FTP session — downloads, HEAD,
 * uploads, listings, deletes, mkdir, move — taken in `withSession`, so the
 * answer (429) comes before any session is. A caller is its API key (as a
 * digest: keys are not kept around), or with auth off its address: unverified
 * keys would let anyone pick a fresh identity per request.
 */
export const RETRY_AFTER_SECONDS = 1;

export class TransferCap {
  readonly #max: number | null;
  readonly #keyed: boolean;
  readonly #inFlight = new Map<string, number>();

  constructor(max: number | null, auth: Config['auth']) {
    this.#max = max;
    this.#keyed = !auth.disabled && auth.apiKeys.length > 0;
  }

  /** Counts one more operation of this caller on `server`; throws 429 over the cap. Returns its release (idempotent). */
  admit(req: Request, server: string): () => void {
    if (this.#max === null) return noop;
    const slot = `${server}\0${this.#callerOf(req)}`;
    const running = this.#inFlight.get(slot) ?? 0;
    if (running >= this.#max) {
      throw new HttpError(
        429,
        'TOO_MANY_TRANSFERS',
        'this API key (or, with auth off, this address) already runs as many transfers on this server as it may',
        {
          headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        },
      );
    }
    this.#inFlight.set(slot, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(slot) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(slot);
      else this.#inFlight.set(slot, left);
    };
  }

  #callerOf(req: Request): string {
    const key = this.#keyed ? presentedKey(req) : null;
    if (key !== null) return `key:${createHash('sha256').update(key, 'utf8').digest('base64')}`;
    return `addr:${req.socket.remoteAddress ?? ''}`;
  }
}

function noop(): void {
  /* no cap */
}
