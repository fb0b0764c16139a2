import type { IncomingMessage } from 'node:http';
import type { LimitsConfig } from '../../config/index.js';
import { HttpError } from '../httpError.js';
import { RateFloor } from './rateFloor.js';

/**
 * `limits.bodyIdleMs` / `bodyMinBytesPerSec` for an upload body: while the
 * body is read, a window in which the client delivered too little (or
 * nothing) aborts `signal` with a 408, which the upload reports as its
 * failure (atomicUpload: nothing kept). Without it a client trickling a
 * byte now and then holds a pooled FTP session for as long as it likes.
 */
export interface BodyFloor {
  /** The caller's signal, also aborted (reason: the 408) when the body is too slow. */
  readonly signal: AbortSignal;
  /** Resolves when the body was found too slow (never otherwise). */
  readonly tripped: Promise<HttpError>;
  stop(): void;
}

export function bodyTooSlow(limits: Pick<LimitsConfig, 'bodyIdleMs' | 'bodyMinBytesPerSec'>): HttpError {
  return new HttpError(
    408,
    'BODY_TOO_SLOW',
    `the request body arrived slower than ${limits.bodyMinBytesPerSec} bytes/s over ${limits.bodyIdleMs} ms`,
  );
}

export function watchBody(
  limits: Pick<LimitsConfig, 'bodyIdleMs' | 'bodyMinBytesPerSec'>,
  parent: AbortSignal,
  meter: { bytes(): number; waiting(): boolean },
): BodyFloor {
  const controller = new AbortController();
  let trip!: (err: HttpError) => void;
  const tripped = new Promise<HttpError>((resolve) => (trip = resolve));
  const floor = new RateFloor({
    windowMs: limits.bodyIdleMs,
    minBytesPerSec: limits.bodyMinBytesPerSec,
    bytes: meter.bytes,
    waiting: meter.waiting,
    onSlow: () => {
      const err = bodyTooSlow(limits);
      controller.abort(err);
      trip(err);
    },
  });
  const stop = (): void => {
    floor.stop();
    parent.removeEventListener('abort', stop);
  };
  parent.addEventListener('abort', stop, { once: true });
  return { signal: AbortSignal.any([parent, controller.signal]), tripped, stop };
}

/**
 * True while the gateway is ready for more of the body and has none: the
 * request flows (nothing downstream pushed back, which pauses it) and Node
 * holds none of it unread.
 */
export function waitingForBody(req: IncomingMessage): boolean {
  return !req.complete && !req.destroyed && req.readableFlowing === true && req.readableLength === 0;
}
