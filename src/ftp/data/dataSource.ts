import type net from 'node:net';
import { Readable } from 'node:stream';
import { dataConnectionError, dataIdleError, incompleteError } from '../errors.js';

export interface DataSourceOptions {
  socket: net.Socket;
  /** Stop after this many bytes (the caller then sends ABOR). */
  limit: number | null;
  idleMs: number;
  /** The running total of bytes read from the data connection. */
  onTotal(total: number): void;
  /**
   * Awaited once the data connection has ended, before this stream ends:
   * a rejection fails the stream instead (see the class comment).
   */
  beforeEnd(): Promise<unknown>;
}

/**
 * The stream engine's reading end of a data connection. Backpressure pauses
 * the data socket; a limit cuts it after exactly `limit` bytes.
 *
 * It ends only once the data connection has ended and `beforeEnd` (the
 * transfer's final reply, see settle.ts) resolved, so the caller's stream
 * is never ended by a transfer that failed: a 426 after the last byte
 * reaches it as an error, as a cut data connection does.
 */
export class DataSource extends Readable {
  readonly #socket: net.Socket;
  readonly #options: DataSourceOptions;
  #remaining: number;
  #total = 0;
  #limitReached = false;
  #dataEnded = false;
  #failure: 'timeout' | 'source-error' | null = null;
  #endRefused = false;

  constructor(options: DataSourceOptions) {
    super({ highWaterMark: 256 * 1024 });
    this.#options = options;
    this.#socket = options.socket;
    this.#remaining = options.limit ?? Infinity;
    const socket = options.socket;
    socket.setTimeout(options.idleMs, () => this.#fail('timeout', dataIdleError(options.idleMs)));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.once('end', () => this.#onEnd());
    socket.once('error', (err) => this.#fail('source-error', dataConnectionError(`data connection failed: ${err.message}`, err)));
    socket.once('close', () => {
      if (!this.#dataEnded && !this.#limitReached) this.#fail('source-error', incompleteError('data connection closed before its end'));
    });
    socket.pause();
    // An empty listing or file may already have ended (net reads ahead on
    // connect), before the listeners above existed.
    if (socket.readableEnded) this.#onEnd();
    else if (socket.destroyed)
      process.nextTick(() => this.#fail('source-error', incompleteError('data connection closed before it was read')));
  }

  /** True when the byte limit was reached and the data connection was cut on purpose. */
  get limitReached(): boolean {
    return this.#limitReached;
  }

  /** True once the data connection ended by itself (its FIN). */
  get dataEnded(): boolean {
    return this.#dataEnded;
  }

  /** Why this stream failed when the failure was its own (not the destination's). */
  get failure(): 'timeout' | 'source-error' | null {
    return this.#failure;
  }

  /** True when the data ended but `beforeEnd` rejected (the final reply said no). */
  get endRefused(): boolean {
    return this.#endRefused;
  }

  get total(): number {
    return this.#total;
  }

  override _read(): void {
    if (!this.#limitReached && !this.#dataEnded) this.#socket.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(err);
  }

  #fail(why: 'timeout' | 'source-error', err: Error): void {
    if (this.destroyed) return;
    this.#failure = why;
    this.destroy(err);
  }

  #onData(chunk: Buffer): void {
    if (this.#limitReached) return;
    if (chunk.length >= this.#remaining) {
      const last = chunk.length === this.#remaining ? chunk : chunk.subarray(0, this.#remaining);
      this.#remaining = 0;
      this.#limitReached = true;
      this.#count(last.length);
      this.push(last);
      // Enough: stop reading; what is pushed is complete, the caller ABORs.
      this.#socket.destroy();
      this.push(null);
      return;
    }
    this.#remaining -= chunk.length;
    this.#count(chunk.length);
    if (!this.push(chunk)) this.#socket.pause();
  }

  #count(n: number): void {
    this.#total += n;
    this.#options.onTotal(this.#total);
  }

  #onEnd(): void {
    if (this.#dataEnded) return;
    this.#dataEnded = true;
    // The data is all here: what is left to wait for is the final reply, under its own timeout.
    this.#socket.setTimeout(0);
    this.#options.beforeEnd().then(
      () => {
        if (!this.destroyed) this.push(null);
      },
      (err: Error) => {
        this.#endRefused = true;
        this.destroy(err);
      },
    );
  }
}
