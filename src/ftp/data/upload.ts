import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dataIdleError } from '../errors.js';
import type { FtpTransferResult, FtpUploadOptions } from '../types.js';
import { assertSafeArgument } from '../control/safeArgument.js';
import { createAsciiEncoder } from './ascii.js';
import { corkPerTurn } from './corkPerTurn.js';
import { countingStream, settle, wireCounter, type EngineResult, type EngineStatus, type TransferSession } from './settle.js';
import { openTransfer, type AnsweredDataCommand, type OpenTransfer } from './transfer.js';

/** The verb of an upload, its argument checked before the first command. */
export function planUpload(path: string, options: FtpUploadOptions): 'STOR' | 'APPE' {
  const verb = options.append ? 'APPE' : 'STOR';
  assertSafeArgument(path, `${verb} argument`);
  return verb;
}

/** STOR/APPE from `source`, TYPE already set; settle() decides. */
export async function upload(
  session: TransferSession,
  verb: 'STOR' | 'APPE',
  path: string,
  source: Readable,
  options: FtpUploadOptions,
  answered?: AnsweredDataCommand,
): Promise<FtpTransferResult> {
  const type = options.type ?? 'binary';
  const opened = await openTransfer(session.data, options.mode ?? 'auto', verb, path, options.signal, 0, answered);
  const wire = wireCounter(session, options.onProgress);
  const result = await streamUpload(opened, source, {
    ascii: type === 'ascii',
    idleMs: session.data.timeouts.dataMs,
    signal: options.signal,
    onWire: wire.report,
  });
  return settle(session, opened, result, { direction: 'upload', verb, type, signal: options.signal });
}

/**
 * The caller's stream into the data connection through Node (pipeline),
 * ASCII line ends encoded on the way, the chunks of one event-loop turn in
 * one write (corkPerTurn). Ending the data socket sends FIN, or with TLS
 * close_notify first: vsftpd truncates uploads without it.
 */
export async function streamUpload(
  opened: OpenTransfer,
  source: Readable,
  options: { ascii: boolean; idleMs: number; signal?: AbortSignal | undefined; onWire(total: number): void },
): Promise<EngineResult> {
  const socket = opened.socket;
  let local = 0;
  let wire = 0;
  // The side that failed first (what the others fail with afterwards is its echo).
  let first: EngineStatus | null = null;
  const onSourceError = (): void => void (first ??= 'source-error');
  const onDataError = (): void => void (first ??= 'destination-error');
  source.once('error', onSourceError);
  socket.once('error', onDataError);
  socket.setTimeout(options.idleMs, () => {
    first ??= 'timeout';
    socket.destroy(dataIdleError(options.idleMs));
  });
  const countWire = (total: number): void => {
    wire = total;
    options.onWire(total);
  };
  const stages: Array<Readable | Transform> = [source];
  if (options.ascii)
    stages.push(
      countingStream((total) => (local = total)),
      createAsciiEncoder(),
      countingStream(countWire),
    );
  else stages.push(countingStream(countWire));
  stages.push(corkPerTurn(socket));
  const counts = (): Pick<EngineResult, 'wireBytes' | 'localBytes' | 'relayed'> => ({
    wireBytes: wire,
    localBytes: options.ascii ? local : wire,
    relayed: false,
  });
  try {
    await pipeline([...stages, socket], options.signal ? { signal: options.signal } : {});
    return { status: 'eof', ...counts() };
  } catch (error) {
    return { status: options.signal?.aborted ? 'aborted' : (first ?? 'source-error'), error, ...counts() };
  } finally {
    source.off('error', onSourceError);
    socket.setTimeout(0);
  }
}
