import { Writable } from 'node:stream';
import type { FtpListOptions } from '../types.js';
import { settle, wireCounter, type TransferSession } from './settle.js';
import { streamEngine } from './download.js';
import { openTransfer, type AnsweredDataCommand } from './transfer.js';

/**
 * A listing-style transfer (TYPE already A), read chunk by chunk by the
 * stream engine: the next chunk comes once what `consume` returned has
 * settled, so a slow consumer pauses the data connection. The caller's
 * signal stops it at any point, also while `consume` waits (a client that
 * left must not keep a server streaming to us): the data connection is
 * closed at once, then ABOR. A throw from `consume` stops it the same way
 * and is what the caller gets.
 */
export async function receive(
  session: TransferSession,
  verb: 'LIST' | 'MLSD' | 'NLST',
  argument: string | undefined,
  options: FtpListOptions,
  consume: (chunk: Buffer) => void | Promise<void>,
  answered?: AnsweredDataCommand,
): Promise<void> {
  const { signal } = options;
  const opened = await openTransfer(session.data, options.method ?? options.mode ?? 'auto', verb, argument, signal, 0, answered);
  const consumer = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let pending: void | Promise<void>;
      try {
        pending = consume(chunk);
      } catch (err) {
        callback(err as Error);
        return;
      }
      if (pending) pending.then(() => callback(), callback);
      else callback();
    },
  });
  const wire = wireCounter(session);
  const result = await streamEngine(opened, consumer, {
    limit: null,
    type: 'binary',
    eol: 'lf',
    idleMs: session.data.timeouts.dataMs,
    signal,
    onWire: wire.report,
  });
  await settle(session, opened, result, { direction: 'list', verb, type: 'ascii', signal, keepCallerErrors: true });
}
