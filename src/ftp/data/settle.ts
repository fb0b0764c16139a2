import { Transform } from 'node:stream';
import { abortedError, dataConnectionError, dataIdleError, incompleteError, isFtpError, replyError, transferError } from '../errors.js';
import { ftpChannels, publish } from '../diagnostics.js';
import type { FtpTransferResult, FtpTransferType } from '../types.js';
import type { DataContext } from './dataConnection.js';
import { abortTransfer, type OpenTransfer, type TransferVerb } from './transfer.js';

/**
 * The one contract of the transfer engines (the stream engine, the kernel
 * relay) and the one place that decides what their outcome means. An engine
 * only moves bytes and says how the moving ended; `settle` then applies each
 * rule once, for every engine and direction:
 *   - complete only when the data ended AND the final reply is a 2xx;
 *   - a byte limit reached is followed by ABOR;
 *   - an idle data connection is FTP_TIMEOUT;
 *   - any other end puts the session back in step (ABOR after a download,
 *     a reset data connection and its final reply after an upload) and fails
 *     with the caller's abort, the server's refusal, or what broke;
 *   - one transfer event is published, with the wire bytes.
 */
export type EngineStatus = 'eof' | 'limit' | 'timeout' | 'source-error' | 'destination-error' | 'aborted';

export interface EngineResult {
  status: EngineStatus;
  /** Bytes moved on the data connection. */
  wireBytes: number;
  /** Bytes given to or taken from the caller's stream (they differ for ASCII). */
  localBytes: number;
  /** What broke, for the error-ends. */
  error?: unknown;
  /** The kernel relay moved the bytes. */
  relayed: boolean;
}

/** What the engines need of a session. */
export interface TransferSession {
  readonly data: DataContext;
  readonly sessionId: number;
  readonly host: string;
  /** Running totals of wire bytes feed the session's `bytesSinceReset` through this (a delta). */
  countBytes(n: number): void;
}

export interface SettleOptions {
  direction: 'download' | 'upload' | 'list';
  verb: TransferVerb;
  type: FtpTransferType;
  signal?: AbortSignal | undefined;
  /** A failure of the caller's own consumer stays as it is (a listing's consumer), instead of FTP_TRANSFER_INCOMPLETE. */
  keepCallerErrors?: boolean;
  /** The bytes the data connection must have brought by its end (a download of known size); fewer is incomplete, whatever the reply. */
  expectedBytes?: number;
}

/** The final reply as the rule wants it: a 2xx, or the refusal as an FtpError. */
export function completion(opened: OpenTransfer): Promise<unknown> {
  return opened.final.expectSuccess();
}

export async function settle(
  session: TransferSession,
  opened: OpenTransfer,
  result: EngineResult,
  options: SettleOptions,
): Promise<FtpTransferResult> {
  let error: unknown = null;
  if (result.status === 'eof') {
    try {
      await completion(opened);
    } catch (err) {
      error = err;
    }
    // A data connection cut cleanly looks like the end of the file, and vsftpd may still say 226.
    if (error === null && options.expectedBytes !== undefined && result.wireBytes < options.expectedBytes) {
      error = incompleteError(`the data connection ended after ${result.wireBytes} of ${options.expectedBytes} bytes`);
    }
  } else if (result.status === 'limit') {
    opened.tcp.destroy();
    await abortTransfer(session.data, opened.final);
  } else {
    error = await failed(session, opened, result, options);
  }
  opened.socket.destroy();
  opened.tcp.destroy();
  publish(ftpChannels.transfer, () => ({
    sessionId: session.sessionId,
    host: session.host,
    direction: options.direction,
    method: opened.method,
    type: options.type,
    bytes: result.wireBytes,
    durationMs: Date.now() - opened.startedAt,
    ok: error === null,
    kernelRelay: result.relayed,
  }));
  if (error !== null) throw error;
  return { bytes: result.wireBytes, localBytes: result.localBytes, method: opened.method };
}

/** Back in step after an engine failed, and the error the caller gets. */
async function failed(session: TransferSession, opened: OpenTransfer, result: EngineResult, options: SettleOptions): Promise<unknown> {
  const { signal } = options;
  let serverSaid: unknown = null;
  if (options.direction === 'upload') {
    // A reset (not a FIN) tells the server the upload is incomplete; it
    // answers the STOR with its final reply, which keeps the session in step.
    if (!opened.tcp.destroyed) opened.tcp.resetAndDestroy();
    if (!session.data.control.closed) {
      try {
        const reply = await opened.final.wait(session.data.timeouts.commandMs);
        if (reply.code >= 400) serverSaid = replyError(options.verb, reply.code, reply.message);
      } catch {
        /* the wait destroyed the session */
      }
    }
  } else {
    opened.tcp.destroy();
    await abortTransfer(session.data, opened.final);
  }
  if (signal?.aborted || result.status === 'aborted') return abortedError(signal?.reason ?? result.error);
  // The server's reply (552 quota) says more than the broken pipe it caused.
  if (serverSaid !== null) return serverSaid;
  if (result.status === 'timeout') return dataIdleError(session.data.timeouts.dataMs);
  const dataSide = options.direction === 'upload' ? 'destination-error' : 'source-error';
  if (result.status === dataSide) {
    return isFtpError(result.error) ? result.error : dataConnectionError(`data connection failed: ${describe(result.error)}`, result.error);
  }
  return options.keepCallerErrors ? result.error : transferError(result.error, signal);
}

/** A pass-through stage that reports the running total of bytes through it (no copy, no allocation per chunk). */
export function countingStream(onTotal: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    highWaterMark: 256 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      onTotal(total);
      callback(null, chunk);
    },
  });
}

/** A running total of wire bytes, also fed to the session's counter and the caller's progress. */
export function wireCounter(
  session: TransferSession,
  onProgress?: (progress: { bytes: number }) => void,
): { total: number; report(total: number): void } {
  const counter = {
    total: 0,
    report(total: number): void {
      session.countBytes(total - counter.total);
      counter.total = total;
      onProgress?.({ bytes: total });
    },
  };
  return counter;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
