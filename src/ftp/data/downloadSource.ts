import type net from 'node:net';
import { Readable } from 'node:stream';
import { FtpError } from '../errors.js';
import type { FinalReply } from './transfer.js';

export interface DownloadSourceOptions {
  socket: net.Socket;
  final: FinalReply;
  /** Stop after this many bytes (HTTP ranges); the caller then sends ABOR. */
  limit: number | null;
  dataTimeoutMs: number;
  onBytes: (n: number) => void;
}

/**
 * The readable end of a download. It ends only when the data connection has
 * ended AND the final reply is a 2xx (in either order, as basic-ftp does): a
 * data connection that closes early, or a 426, is an error that reaches the
 * consumer, never a clean end. Backpressure pauses the data socket.
 */
export class DownloadSource extends Readable {
  readonly #socket: net.Socket;
  readonly #final: FinalReply;
  readonly #onBytes: (n: number) => void;
  #remaining: number;
  #limitReached = false;
  #dataEnded = false;

  constructor(options: DownloadSourceOptions) {
    super({ highWaterMark: 256 * 1024 });
    this.#socket = options.socket;
    this.#final = options.final;
    this.#onBytes = options.onBytes;
    this.#remaining = options.limit ?? Infinity;
    const socket = options.socket;
    socket.setTimeout(options.dataTimeoutMs, () =>
      this.destroy(
        new FtpError(`data connection idle for ${options.dataTimeoutMs} ms`, { code: 'FTP_TIMEOUT', category: 'timeout' }),
      ),
    );
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.once('end', () => {
      this.#dataEnded = true;
      void this.#finish();
    });
    socket.once('error', (err) =>
      this.destroy(new FtpError(`data connection failed: ${err.message}`, { code: 'FTP_DATA_CONNECTION', category: 'protocol', cause: err })),
    );
    socket.once('close', () => {
      if (!this.#dataEnded && !this.#limitReached && !this.destroyed) {
        this.destroy(new FtpError('data connection closed before its end', { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' }));
      }
    });
    socket.pause();
    // An empty listing or file may already have ended (net reads ahead on
    // connect), before the listeners above existed.
    if (socket.readableEnded) {
      this.#dataEnded = true;
      void this.#finish();
    } else if (socket.destroyed) {
      process.nextTick(() =>
        this.destroy(new FtpError('data connection closed before it was read', { code: 'FTP_TRANSFER_INCOMPLETE', category: 'protocol' })),
      );
    }
  }

  /** True when the byte limit was reached and the data connection was cut on purpose. */
  get limitReached(): boolean {
    return this.#limitReached;
  }

  override _read(): void {
    if (!this.#limitReached && !this.#dataEnded) this.#socket.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(err);
  }

  #onData(chunk: Buffer): void {
    if (this.#limitReached) return;
    if (chunk.length >= this.#remaining) {
      const last = chunk.length === this.#remaining ? chunk : chunk.subarray(0, this.#remaining);
      this.#remaining = 0;
      this.#limitReached = true;
      this.#onBytes(last.length);
      this.push(last);
      // Enough: stop reading and let the caller ABOR; what is pushed is complete.
      this.#socket.destroy();
      this.push(null);
      return;
    }
    this.#remaining -= chunk.length;
    this.#onBytes(chunk.length);
    if (!this.push(chunk)) this.#socket.pause();
  }

  async #finish(): Promise<void> {
    try {
      await this.#final.expectSuccess();
      if (!this.destroyed) this.push(null);
    } catch (err) {
      this.destroy(err as Error);
    }
  }
}
