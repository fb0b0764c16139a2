import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { HttpError } from '../httpError.js';
import { waitingForBody } from './bodyFloor.js';

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
 * source, which aborts the FTP transfer. The body flows from the request
 * only once the source is read.
 */
export class RequestBody extends ByteLimit {
  readonly #req: IncomingMessage;
  #flowing = false;

  constructor(req: IncomingMessage, max: number | null) {
    super(max);
    this.#req = req;
    req.on('error', this.#onAbort);
    req.on('close', this.#onAbort);
    // After #detach() an abort still makes the request emit 'error'; with no
    // listener left that would be an uncaught exception.
    req.on('error', ignore);
    this.on('close', this.#detach);
    this.on('newListener', this.#onListener);
  }

  /**
   * True while the upload waits on the client for more of the body (what
   * `limits.bodyIdleMs` judges), false while the FTP side is the one holding
   * it up or the body is not being read yet.
   */
  awaitingClient(): boolean {
    return this.#flowing && !this.destroyed && waitingForBody(this.#req);
  }

  readonly #onListener = (event: string | symbol): void => {
    if ((event !== 'data' && event !== 'readable') || this.#flowing) return;
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

export function requestBodySource(req: IncomingMessage, max: number | null): RequestBody {
  return new RequestBody(req, max);
}

function ignore(): void {
  /* see RequestBody */
}
