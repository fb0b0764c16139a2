import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { kernelRelay, errnoName } from '../../relay/index.js';
import { dataConnectionError } from '../errors.js';
import type { FtpDirectTarget, FtpDownloadOptions, FtpTransferResult, FtpTransferType } from '../types.js';
import { assertSafeArgument } from '../control/safeArgument.js';
import { createAsciiDecoder } from './ascii.js';
import { checkByteRange } from './byteRange.js';
import { DataSource } from './dataSource.js';
import { completion, countingStream, settle, wireCounter, type EngineResult, type TransferSession } from './settle.js';
import { openTransfer, type AnsweredDataCommand, type OpenTransfer } from './transfer.js';

export interface DownloadPlan {
  path: string;
  type: FtpTransferType;
  /** REST offset (binary only). */
  offset: number;
  /** Bytes to take before ABOR (binary only); null: to the end. */
  limit: number | null;
}

/** Every argument checked before the first command: a bad one sends nothing (no REST left pending). */
export function planDownload(path: string, options: FtpDownloadOptions): DownloadPlan {
  const type = options.type ?? 'binary';
  assertSafeArgument(path, 'RETR argument');
  const range = checkByteRange(options.offset, options.length);
  return { path, type, offset: type === 'binary' ? range.offset : 0, limit: type === 'binary' ? range.length : null };
}

/**
 * RETR into `destination`, TYPE already set. A binary download into a
 * destination that offers its socket (FtpDirectTarget) goes through the
 * kernel relay when it may; one the relay did not start (it read nothing)
 * and every other one goes through the stream engine. settle() decides.
 */
export async function download(
  session: TransferSession & { readonly kernelRelay: boolean },
  plan: DownloadPlan,
  destination: Writable,
  options: FtpDownloadOptions,
  answered?: AnsweredDataCommand,
): Promise<FtpTransferResult> {
  const { signal } = options;
  const opened = await openTransfer(session.data, options.mode ?? 'auto', 'RETR', plan.path, signal, plan.offset, answered);
  options.onOpened?.({ method: opened.method, announcedBytes: opened.announcedBytes });
  const wire = wireCounter(session, options.onProgress);
  const idleMs = session.data.timeouts.dataMs;
  let result: EngineResult | null = null;
  if (session.kernelRelay && plan.type === 'binary' && isDirectTarget(destination)) {
    result = await relayEngine(opened, destination, { limit: plan.limit, idleMs, signal, onWire: wire.report });
  }
  result ??= await streamEngine(opened, destination, {
    limit: plan.limit,
    type: plan.type,
    eol: options.eol ?? 'lf',
    idleMs,
    signal,
    onWire: wire.report,
  });
  // Without a size from SIZE, the 150's own (a whole file only: the 150 names the file's size, not what REST leaves).
  const announced = plan.offset === 0 && plan.limit === null ? (opened.announcedBytes ?? undefined) : undefined;
  const expectedBytes = plan.type === 'binary' ? (options.expectedBytes ?? announced) : undefined;
  return settle(session, opened, result, {
    direction: 'download',
    verb: 'RETR',
    type: plan.type,
    signal,
    ...(expectedBytes === undefined ? {} : { expectedBytes }),
  });
}

interface EngineOptions {
  limit: number | null;
  idleMs: number;
  signal?: AbortSignal | undefined;
  /** The running total of wire bytes. */
  onWire(total: number): void;
}

/**
 * Reads the data connection as a stream (DataSource) through Node into
 * `destination`, decoding ASCII line ends on the way. The destination is
 * ended only once the transfer completed (DataSource waits for it).
 */
export async function streamEngine(
  opened: OpenTransfer,
  destination: Writable,
  options: EngineOptions & { type: FtpTransferType; eol: 'lf' | 'crlf' },
): Promise<EngineResult> {
  const { signal } = options;
  let local = 0;
  const source = new DataSource({
    socket: opened.socket,
    limit: options.limit,
    idleMs: options.idleMs,
    onTotal: options.onWire,
    beforeEnd: () => completion(opened),
  });
  // Binary: the local bytes are the wire bytes, no extra stage in the hot path.
  const stages =
    options.type === 'ascii' ? [source, createAsciiDecoder(options.eol), countingStream((total) => (local = total))] : [source];
  const counts = (): Pick<EngineResult, 'wireBytes' | 'localBytes' | 'relayed'> => ({
    wireBytes: source.total,
    localBytes: options.type === 'ascii' ? local : source.total,
    relayed: false,
  });
  try {
    await pipeline([...stages, destination], signal ? { signal } : {});
    return { status: source.limitReached ? 'limit' : 'eof', ...counts() };
  } catch (error) {
    // The data ended but the final reply said no: settle reads it again.
    const status = signal?.aborted ? 'aborted' : source.endRefused ? 'eof' : (source.failure ?? 'destination-error');
    return { status, error, ...counts() };
  }
}

/**
 * The data connection spliced into the destination's socket by the kernel
 * relay. Null when the relay did not start: nothing was read, the stream
 * engine takes the data connection as it is.
 */
async function relayEngine(opened: OpenTransfer, target: FtpDirectTarget, options: EngineOptions): Promise<EngineResult | null> {
  if (opened.socket !== opened.tcp) return null;
  const destination = target.directSocket();
  if (!destination) return null;
  const { signal } = options;
  const r = await kernelRelay.relay(opened.tcp, destination, {
    limit: options.limit,
    idleMs: options.idleMs,
    ...(signal ? { signal } : {}),
    beforeFirstByte: () => target.beforeDirect(),
    onProgress: (counts) => {
      target.directBytes(counts.bytes);
      options.onWire(counts.bytesIn);
    },
    onStart: (counts) => target.directCounts?.(counts),
  });
  const moved = { wireBytes: r.bytesIn, localBytes: r.bytes, relayed: true };
  switch (r.status) {
    case 'not-started':
      return signal?.aborted ? { status: 'aborted', ...moved, relayed: false } : null;
    case 'source-error':
      return { status: 'source-error', error: dataConnectionError(`data connection failed: ${errnoName(r.errno)}`), ...moved };
    case 'destination-error':
      return { status: 'destination-error', error: new Error(`destination failed: ${errnoName(r.errno)}`), ...moved };
    default:
      return { status: r.status, ...moved };
  }
}

function isDirectTarget(destination: Writable): destination is Writable & FtpDirectTarget {
  const t = destination as Partial<FtpDirectTarget>;
  return typeof t.directSocket === 'function' && typeof t.beforeDirect === 'function' && typeof t.directBytes === 'function';
}
