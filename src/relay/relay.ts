import type net from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { RelayAddon } from './native.js';

/**
 * Moves bytes from one TCP socket into another on a native thread, spliced in
 * the kernel so that they never enter this process. It knows nothing of what
 * the bytes are: no protocol, no framing, no conversion.
 *
 * Neither socket may be read or written by Node meanwhile: the source must be
 * paused since it was created (nothing read ahead), the destination left
 * alone until the result settles.
 */
export type RelayStatus = 'eof' | 'limit' | 'not-started' | 'source-error' | 'destination-error' | 'timeout' | 'aborted';

export interface RelayCounts {
  /** Written into the destination. */
  bytes: number;
  /** Read from the source: what the destination has, plus what is still in flight. */
  bytesIn: number;
}

export interface RelayResult extends RelayCounts {
  /**
   * eof: the source ended and all it sent was written; limit: `limit` bytes
   * were written and the rest left in the source; not-started: nothing was
   * read (not eligible, declined, aborted or failed before the first byte),
   * both sockets are as they were.
   */
  status: RelayStatus;
  /** errno of a source or destination error, else 0. */
  errno: number;
}

export interface RelayOptions {
  /** Stop after this many bytes (status 'limit'); null: until the source ends. */
  limit: number | null;
  /** No byte moved for this long: status 'timeout'. */
  idleMs: number;
  signal?: AbortSignal;
  /**
   * Called once the source has a byte queued and before anything is written:
   * whatever must reach the destination first can be flushed now. Resolve
   * false to give up ('not-started').
   */
  beforeFirstByte?(): Promise<boolean>;
  /** The running totals, every PROGRESS_MS while it runs and once at the end. */
  onProgress?(counts: RelayCounts): void;
  /** Once it runs: a reader of its counts as they are at that instant (onProgress lags by up to PROGRESS_MS). */
  onStart?(counts: () => RelayCounts): void;
}

export type RelayFunction = (source: net.Socket, destination: net.Socket, options: RelayOptions) => Promise<RelayResult>;

const PROGRESS_MS = 250;
const EV_READY = 1;
const STATUSES: Record<number, RelayStatus> = {
  1: 'eof',
  2: 'limit',
  3: 'not-started',
  4: 'source-error',
  5: 'destination-error',
  6: 'timeout',
  7: 'aborted',
};

export const NOT_STARTED: RelayResult = Object.freeze({ status: 'not-started', bytes: 0, bytesIn: 0, errno: 0 });

/**
 * The relay over one addon. Its promise always settles: from the addon's
 * DONE event, or, should that event be lost, from the final status the
 * progress poll reads (the thread itself always ends: every wait in it is
 * bounded by idleMs).
 */
export function createRelay(addon: RelayAddon): RelayFunction {
  return (source, destination, options) => {
    const src = relayDescriptor(source, 'source');
    const dst = relayDescriptor(destination, 'destination');
    if (src === null || dst === null || options.signal?.aborted) return Promise.resolve(NOT_STARTED);
    return new Promise<RelayResult>((resolve) => {
      const { signal } = options;
      let handle: object | undefined;
      let poll: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (code: number, bytes: number, bytesIn: number, errno: number): void => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        signal?.removeEventListener('abort', onAbort);
        options.onProgress?.({ bytes, bytesIn });
        resolve({ status: STATUSES[code] ?? 'source-error', bytes, bytesIn, errno });
      };
      const onAbort = (): void => {
        if (handle) addon.abort(handle);
      };
      const onEvent = (kind: number, code: number, bytes: number, errno: number, bytesIn: number): void => {
        if (kind !== EV_READY) {
          finish(code, bytes, bytesIn, errno);
          return;
        }
        const started = handle as object;
        (options.beforeFirstByte?.() ?? Promise.resolve(true)).then(
          (go) => (go && !signal?.aborted ? addon.go(started) : addon.abort(started)),
          () => addon.abort(started),
        );
      };
      try {
        handle = addon.start(src, dst, options.limit ?? -1, Math.max(1, Math.round(options.idleMs)), onEvent);
      } catch {
        // Out of descriptors or threads: nothing was read, the caller streams.
        resolve(NOT_STARTED);
        return;
      }
      const running = handle;
      const read = (): [number, number, number, number] => addon.bytes(running);
      signal?.addEventListener('abort', onAbort, { once: true });
      options.onStart?.(() => {
        const [bytes, bytesIn] = read();
        return { bytes, bytesIn };
      });
      poll = setInterval(() => {
        const [bytes, bytesIn, code, errno] = read();
        if (code !== 0) finish(code, bytes, bytesIn, errno);
        else options.onProgress?.({ bytes, bytesIn });
      }, PROGRESS_MS);
      poll.unref();
    });
  };
}

/**
 * The file descriptor under a plain TCP socket, when the relay may use it:
 * not TLS, not closed; a source with nothing Node has read ahead, a
 * destination with nothing Node has still to write (it would land after the
 * relayed bytes).
 */
export function relayDescriptor(socket: net.Socket, role: 'source' | 'destination'): number | null {
  if ('encrypted' in socket || socket.destroyed) return null;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  if (role === 'source' ? socket.readableLength > 0 || socket.readableEnded : socket.writableLength > 0 || !socket.writable) return null;
  return fd;
}

/** "ECONNRESET" for an errno the relay reported. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
