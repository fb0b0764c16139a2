import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

/**
 * Moves bytes from one TCP socket into another on a native thread
 * (native/socket_relay.c): spliced in the kernel for binary transfers, so
 * they are never copied into this process, or copied with their line ends
 * converted in C for ASCII ones. Optional: where the addon is not built (another OS, no
 * compiler, `npm ci --ignore-scripts`) `kernelRelayAvailable()` is false and
 * callers use streams.
 */
interface NativeRelay {
  start(
    src: number,
    dst: number,
    limit: number,
    idleMs: number,
    onEvent: (kind: number, status: number, bytes: number, errno: number, bytesIn: number) => void,
    mode: number,
    lineState: number,
  ): object;
  go(handle: object): void;
  abort(handle: object): void;
  /** [written to the destination, read from the source] */
  bytes(handle: object): [number, number];
  convert(mode: number, input: Buffer, lineState: number): [Buffer, number];
}

/** Line-end conversion in the relay's copy mode (ASCII); the same rules as ascii.ts. */
export type KernelRelayConversion = 'crlf-to-lf' | 'lf-to-crlf';
const MODES: Record<KernelRelayConversion, number> = { 'crlf-to-lf': 1, 'lf-to-crlf': 2 };
const CHUNKED = 16;

export type KernelRelayStatus = 'eof' | 'limit' | 'not-started' | 'source-error' | 'destination-error' | 'timeout' | 'aborted';

export interface KernelRelayResult {
  status: KernelRelayStatus;
  /** Bytes written into the destination (HTTP chunk framing not counted). */
  bytes: number;
  /** Bytes read from the source (the same as `bytes` unless converted). */
  bytesIn: number;
  /** errno of a source or destination error, else 0. */
  errno: number;
}

export interface KernelRelayCounts {
  /** Written into the destination so far. */
  bytes: number;
  /** Read from the source so far: what the destination has, plus what is still in flight. */
  bytesIn: number;
}

export interface KernelRelayOptions {
  /** Stop after this many source bytes (status 'limit'); null: until the source ends. */
  limit: number | null;
  /** Copy and convert line ends instead of splicing (ASCII). */
  convert?: KernelRelayConversion;
  /** With `convert`: the flag carried over from bytes converted before (a held CR, or a CR just before). */
  lineState?: boolean;
  /** Frame what is written as HTTP/1.1 chunks (a body without Content-Length). */
  chunked?: boolean;
  /** No byte moved for this long: status 'timeout'. */
  idleMs: number;
  /**
   * Called once the source has a byte queued and before anything is written
   * into the destination. Resolve true to start, false to give up: the
   * relay then ends 'not-started' with both sockets as they were.
   */
  beforeFirstByte(): Promise<boolean>;
  /** The running byte counts, every PROGRESS_MS while it runs and once at the end. */
  onProgress?(bytesIn: number, bytesOut: number): void;
  /**
   * Called once the relay runs, with a reader of its counts as they are at
   * that instant (onProgress lags by up to PROGRESS_MS: too late for a caller
   * that must decide now, e.g. whether a client that hung up had every byte).
   */
  onStart?(counts: () => KernelRelayCounts): void;
  signal?: AbortSignal;
}

const PROGRESS_MS = 250;

const EV_READY = 1;
const STATUSES: Record<number, KernelRelayStatus> = {
  1: 'eof',
  2: 'limit',
  3: 'not-started',
  4: 'source-error',
  5: 'destination-error',
  6: 'timeout',
  7: 'aborted',
};

let native: NativeRelay | null | undefined;

function load(): NativeRelay | null {
  if (native !== undefined) return native;
  native = null;
  if (process.platform !== 'linux') return native;
  // src/ftp/data and dist/ftp/data are both three levels below the project.
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'build', 'Release', 'socket_relay.node');
  if (!existsSync(file)) return native;
  try {
    native = createRequire(import.meta.url)(file) as NativeRelay;
  } catch {
    native = null;
  }
  return native;
}

export function kernelRelayAvailable(): boolean {
  return load() !== null;
}

/**
 * The file descriptor under a plain TCP socket, when the kernel relay may
 * use it: not TLS, not closed; a source with nothing Node has read ahead,
 * a destination with nothing Node has still to write (it would land after
 * our bytes).
 */
export function relayDescriptor(socket: net.Socket, role: 'source' | 'destination'): number | null {
  if ('encrypted' in socket || socket.destroyed) return null;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  if (role === 'source' ? socket.readableLength > 0 || socket.readableEnded : socket.writableLength > 0 || !socket.writable) return null;
  return fd;
}

/**
 * Relays `source` into `destination`. Neither socket may be read or written
 * by Node meanwhile: the source must be paused since its creation (see
 * connectData and ActiveListener) and the destination left alone until
 * the result settles. Returns null when the relay is unavailable or a socket
 * is not eligible (the caller streams instead).
 */
export function startKernelRelay(source: net.Socket, destination: net.Socket, options: KernelRelayOptions): Promise<KernelRelayResult> | null {
  const addon = load();
  if (!addon) return null;
  const src = relayDescriptor(source, 'source');
  const dst = relayDescriptor(destination, 'destination');
  if (src === null || dst === null) return null;
  const { signal } = options;
  let handle: object | null = null;
  let resolveDone!: (r: KernelRelayResult) => void;
  const done = new Promise<KernelRelayResult>((resolve) => (resolveDone = resolve));
  const onAbort = (): void => {
    if (handle) addon.abort(handle);
  };
  const onEvent = (kind: number, status: number, bytes: number, errno: number, bytesIn: number): void => {
    if (kind === EV_READY) {
      options.beforeFirstByte().then(
        (go) => (go && !signal?.aborted ? addon.go(handle as object) : addon.abort(handle as object)),
        () => addon.abort(handle as object),
      );
      return;
    }
    signal?.removeEventListener('abort', onAbort);
    if (progress) clearInterval(progress);
    options.onProgress?.(bytesIn, bytes);
    resolveDone({ status: STATUSES[status] ?? 'source-error', bytes, bytesIn, errno });
  };
  let progress: NodeJS.Timeout | undefined;
  const mode = (options.convert ? MODES[options.convert] : 0) | (options.chunked ? CHUNKED : 0);
  handle = addon.start(src, dst, options.limit ?? -1, Math.max(1, Math.round(options.idleMs)), onEvent, mode, options.lineState ? 1 : 0);
  if (signal?.aborted) addon.abort(handle);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const started = handle;
  options.onStart?.(() => {
    const [bytes, bytesIn] = addon.bytes(started);
    return { bytes, bytesIn };
  });
  if (options.onProgress) {
    const report = options.onProgress;
    progress = setInterval(() => {
      const [out, read] = addon.bytes(started);
      report(read, out);
    }, PROGRESS_MS);
    progress.unref();
  }
  return done;
}

/** The relay's line-end conversion alone (tests compare it with ascii.ts); null without the addon. */
export function kernelConvert(conversion: KernelRelayConversion, input: Buffer, lineState: boolean): { output: Buffer; lineState: boolean } | null {
  const addon = load();
  if (!addon) return null;
  const [output, state] = addon.convert(MODES[conversion], input, lineState ? 1 : 0);
  return { output, lineState: state !== 0 };
}

/** "ECONNRESET" for an errno the relay reported. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
