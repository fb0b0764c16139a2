import { once } from 'node:events';
import type net from 'node:net';
import type { Readable } from 'node:stream';
import { FtpError } from '../errors.js';
import { abortedError } from '../control/ftpControl.js';
import type { FtpDirectSource } from '../types.js';
import { errnoName, kernelConvert, kernelRelayAvailable, relayDescriptor, startKernelRelay, type KernelRelayResult } from './kernelRelay.js';

export function isDirectSource(source: Readable): source is Readable & FtpDirectSource {
  const s = source as Partial<FtpDirectSource>;
  return typeof s.directSocket === 'function' && typeof s.takeDirect === 'function' && typeof s.releaseDirect === 'function' && typeof s.directBytes === 'function';
}

export interface RelayUploadOptions {
  /** ASCII: bare LFs become CRLF on the way (TYPE A), copied instead of spliced. */
  toCrlf?: boolean;
  dataTimeoutMs: number;
  signal?: AbortSignal;
  /** The running totals: bytes taken from the source, bytes sent on the data connection. */
  onTotal(local: number, wire: number): void;
}

/**
 * The upload path without JavaScript per byte: what the source already read
 * is written first, then the rest of its bytes go from its socket into the
 * data connection, exactly as many as it declared: spliced, or for ASCII
 * copied with their line ends converted by the relay's thread. Resolves with
 * the byte counts once they are all in the data connection (the caller then
 * ends it and awaits the 226); rejects when the source ended or failed early,
 * the data connection failed, or the wait was aborted. Null when the relay
 * cannot be used: nothing was taken from the source, so the caller streams it.
 */
export async function relayUpload(
  data: net.Socket,
  source: FtpDirectSource,
  options: RelayUploadOptions,
): Promise<{ local: number; wire: number } | null> {
  if (!kernelRelayAvailable() || relayDescriptor(data, 'destination') === null) return null;
  const from = source.directSocket();
  if (!from || relayDescriptor(from, 'source') === null) return null;
  const body = source.takeDirect();
  if (!body) return null;
  const { signal } = options;
  let local = 0;
  let wire = 0;
  const report = (l: number, w: number): void => {
    local = l;
    wire = w;
    source.directBytes(l, w);
    options.onTotal(l, w);
  };
  try {
    const raw = Buffer.concat(body.head);
    let lineState = false;
    let head: Buffer = raw;
    if (options.toCrlf) {
      const converted = kernelConvert('lf-to-crlf', raw, false);
      if (!converted) throw new FtpError('the kernel relay is not available', { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' });
      head = converted.output;
      lineState = converted.lineState;
    }
    if (head.length > 0) {
      data.write(head);
      // The relay writes behind Node's back: Node's own bytes must be out first.
      if (data.writableLength > 0) await drained(data, signal);
    }
    report(raw.length, head.length);
    if (body.remaining === 0) return { local, wire };
    const base = { local, wire };
    const done = startKernelRelay(from, data, {
      limit: body.remaining,
      idleMs: options.dataTimeoutMs,
      beforeFirstByte: async () => true,
      ...(options.toCrlf ? { convert: 'lf-to-crlf', lineState } : {}),
      onProgress: (read, written) => report(base.local + read, base.wire + written),
      ...(signal ? { signal } : {}),
    });
    if (!done) throw new FtpError('the kernel relay could not take the upload socket', { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' });
    const result = await done;
    if (result.status !== 'limit') throw uploadRelayError(result, body.remaining, options.dataTimeoutMs, signal);
    if (!source.releaseDirect()) {
      throw new FtpError('the upload socket was read by another reader during the relay', { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' });
    }
    return { local, wire };
  } finally {
    source.releaseDirect();
  }
}

function uploadRelayError(result: KernelRelayResult, expected: number, dataTimeoutMs: number, signal?: AbortSignal): FtpError {
  if (signal?.aborted || result.status === 'aborted') return abortedError(signal?.reason);
  switch (result.status) {
    case 'timeout':
      return new FtpError(`upload idle for ${dataTimeoutMs} ms`, { code: 'FTP_TIMEOUT', category: 'timeout' });
    case 'destination-error':
      return new FtpError(`data connection failed: ${errnoName(result.errno)}`, { code: 'FTP_DATA_CONNECTION', category: 'protocol' });
    default:
      // eof / not-started / source-error: the body ended before its declared length.
      return new FtpError(`upload body ended after ${result.bytesIn} of ${expected} bytes`, {
        code: 'FTP_TRANSFER_INCOMPLETE',
        category: 'protocol',
      });
  }
}

async function drained(socket: net.Socket, signal?: AbortSignal): Promise<void> {
  const settled = new AbortController();
  const stop = signal ? AbortSignal.any([signal, settled.signal]) : settled.signal;
  try {
    await Promise.race([once(socket, 'drain', { signal: stop }), once(socket, 'close', { signal: stop }).then(() => {
      throw new FtpError('data connection closed', { code: 'FTP_DATA_CONNECTION', category: 'protocol' });
    })]);
  } finally {
    settled.abort();
  }
}
