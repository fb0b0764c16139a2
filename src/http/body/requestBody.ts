import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { FtpDirectSource } from '../../ftp/index.js';
import { HttpError } from '../httpError.js';
import { waitingForBody } from './bodyFloor.js';
import { takeOverBody, type TakenBody } from './takeOverBody.js';

/**
 * Counts the bytes of an upload body and fails it once it grows past the
 * limit (413). `exceeded` stays set so the caller can report 413 even when
 * the FTP layer wrapped the stream error in its own.
 */
export class ByteLimit extends Transform {
  readonly max: number | null;
  bytes = 0;
  exceeded = false;

  constructor(max: number | null) {
    super();
    this.max = max;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.max !== null && this.bytes > this.max) {
      this.exceeded = true;
      callback(tooLarge(this.max));
      return;
    }
    callback(null, chunk);
  }
}

export function tooLarge(max: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `upload larger than the limit of ${max} bytes`);
}

/**
 * The request body as the upload source, through a ByteLimit. Not
 * `pipeline(req, limit)`: pipeline destroys every stream on failure, and a
 * destroyed request is a destroyed socket, leaving no way to answer 413 or a
 * 5xx when the FTP side fails. Here a failed upload only detaches; the error
 * handler then answers with `Connection: close` so the unread rest of the
 * body is never taken for a next request. A client abort still fails the
 * source, which aborts the FTP transfer.
 *
 * The body flows from the request only once the source is read. Until then,
 * with `direct`, the FTP layer may take the body straight from the socket
 * (FtpDirectSource, the kernel relay) instead: a body of declared length,
 * never a chunked one. The HTTP connection then cannot carry another request
 * (Node's parser never saw the body end): the route answers `Connection: close`.
 */
export class RequestBody extends ByteLimit implements FtpDirectSource {
  readonly #req: IncomingMessage;
  readonly #declared: number | null;
  readonly #direct: boolean;
  #flowing = false;
  #taken: TakenBody | null = null;
  /** Relayed: bytes already in the data connection (head included). */
  #sent = 0;

  constructor(req: IncomingMessage, max: number | null, options: { direct?: boolean } = {}) {
    super(max);
    this.#req = req;
    const header = req.headers['content-length'];
    this.#declared = req.headers['transfer-encoding'] === undefined && typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : null;
    this.#direct = options.direct ?? false;
    req.on('error', this.#onAbort);
    req.on('close', this.#onAbort);
    // After #detach() an abort still makes the request emit 'error'; with no
    // listener left that would be an uncaught exception.
    req.on('error', ignore);
    this.on('close', this.#detach);
    this.on('newListener', this.#onListener);
  }

  directSocket(): net.Socket | null {
    if (!this.#direct || this.#flowing || this.#taken || this.destroyed || this.#declared === null || this.#req.complete) return null;
    return this.#req.socket;
  }

  takeDirect(): { head: Buffer[]; remaining: number } | null {
    if (this.directSocket() === null) return null;
    const taken = takeOverBody(this.#req);
    if (!taken) return null;
    this.#taken = taken;
    // The relay sees a client that goes away (and so does the request's signal).
    this.#detach();
    const headBytes = taken.head.reduce((n, c) => n + c.length, 0);
    this.bytes = headBytes;
    return { head: taken.head, remaining: Math.max(0, (this.#declared as number) - headBytes) };
  }

  releaseDirect(): boolean {
    return this.#taken?.restore() ?? true;
  }

  directBytes(total: number, sent: number): void {
    this.bytes = total;
    this.#sent = sent;
  }

  /**
   * True while the upload waits on the client for more of the body (what
   * `limits.bodyIdleMs` judges), false while the FTP side is the one holding
   * it up or the body is not being read yet. Relayed: everything taken from
   * the client is already in the data connection (for ASCII, which grows on
   * the way, that is always so: its windows are always judged).
   */
  awaitingClient(): boolean {
    if (this.#taken) return this.#declared !== null && this.bytes < this.#declared && this.bytes <= this.#sent;
    return this.#flowing && !this.destroyed && waitingForBody(this.#req);
  }

  readonly #onListener = (event: string | symbol): void => {
    if ((event !== 'data' && event !== 'readable') || this.#flowing || this.#taken) return;
    this.#flowing = true;
    this.off('newListener', this.#onListener);
    this.#req.pipe(this);
  };

  readonly #onAbort = (): void => {
    if (!this.#req.complete) this.destroy(Object.assign(new Error('request body aborted'), { code: 'ECONNRESET' }));
  };

  readonly #detach = (): void => {
    this.#req.unpipe(this);
    this.#req.off('error', this.#onAbort);
    this.#req.off('close', this.#onAbort);
  };
}

export function requestBodySource(req: IncomingMessage, max: number | null, options: { direct?: boolean } = {}): RequestBody {
  return new RequestBody(req, max, options);
}

function ignore(): void {
  /* see RequestBody */
}
