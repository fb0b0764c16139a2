import type { Writable } from 'node:stream';
import { FtpError } from '../errors.js';
import { abortedError } from '../control/ftpControl.js';
import type { FtpDirectTarget, FtpEol } from '../types.js';
import { errnoName, startKernelRelay } from './kernelRelay.js';
import type { OpenTransfer } from './transfer.js';

export function isDirectTarget(destination: Writable): destination is Writable & FtpDirectTarget {
  const t = destination as Partial<FtpDirectTarget>;
  return typeof t.directSocket === 'function' && typeof t.beforeDirect === 'function' && typeof t.directBytes === 'function';
}

export interface RelayDownloadOptions {
  /** Stop after this many bytes (the caller then ABORs). */
  limit: number | null;
  /** ASCII: the line ends of the result (TYPE A data is converted, not spliced). */
  eol?: FtpEol;
  dataTimeoutMs: number;
  signal?: AbortSignal;
  /** The running total of wire bytes read from the data connection. */
  onTotal(total: number): void;
}

/**
 * The download path without JavaScript per byte: a binary data connection is
 * spliced into the target's socket; an ASCII one is copied and its line ends
 * converted by the relay's thread (framed as HTTP chunks when the target
 * asks). The same rule as the stream path holds: complete only when the
 * data connection has ended AND the final reply is a 2xx. Null when the relay did not start (unavailable,
 * a socket not eligible, the target declined, or the source ended or failed
 * before its first byte): nothing was read, so the caller streams instead.
 */
export async function relayDownload(
  opened: OpenTransfer,
  target: FtpDirectTarget,
  options: RelayDownloadOptions,
): Promise<{ bytes: number; localBytes: number; limitReached: boolean } | null> {
  if (opened.socket !== opened.tcp) return null;
  const destination = target.directSocket();
  if (!destination) return null;
  const { signal, eol } = options;
  const done = startKernelRelay(opened.tcp, destination, {
    limit: options.limit,
    idleMs: options.dataTimeoutMs,
    beforeFirstByte: () => target.beforeDirect(),
    ...(eol ? { convert: eol === 'lf' ? 'crlf-to-lf' : 'lf-to-crlf', chunked: target.directFraming() === 'http-chunks' } : {}),
    onProgress: (wire, local) => {
      target.directBytes(local);
      options.onTotal(wire);
    },
    onStart: (counts) => target.directCounts?.(counts),
    ...(signal ? { signal } : {}),
  });
  if (!done) return null;
  const result = await done;
  switch (result.status) {
    case 'not-started':
      if (signal?.aborted) throw abortedError(signal.reason);
      return null;
    case 'eof':
      await opened.final.expectSuccess();
      return { bytes: result.bytesIn, localBytes: result.bytes, limitReached: false };
    case 'limit':
      return { bytes: result.bytesIn, localBytes: result.bytes, limitReached: true };
    case 'aborted':
      throw abortedError(signal?.reason);
    case 'timeout':
      throw new FtpError(`data connection idle for ${options.dataTimeoutMs} ms`, { code: 'FTP_TIMEOUT', category: 'timeout' });
    case 'source-error':
      throw new FtpError(`data connection failed: ${errnoName(result.errno)}`, { code: 'FTP_DATA_CONNECTION', category: 'protocol' });
    case 'destination-error':
      if (signal?.aborted) throw abortedError(signal.reason);
      throw new FtpError(`destination failed: ${errnoName(result.errno)}`, { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' });
  }
}
