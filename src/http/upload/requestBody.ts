import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { HttpError } from '../httpError.js';

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
 */
export function requestBodySource(req: IncomingMessage, max: number | null): ByteLimit {
  const limit = new ByteLimit(max);
  const onAbort = (): void => {
    if (!req.complete) limit.destroy(Object.assign(new Error('request body aborted'), { code: 'ECONNRESET' }));
  };
  const detach = (): void => {
    req.unpipe(limit);
    req.off('error', onAbort);
    req.off('close', onAbort);
  };
  req.on('error', onAbort);
  req.on('close', onAbort);
  // After detach() an abort still makes the request emit 'error'; with no
  // listener left that would be an uncaught exception.
  req.on('error', ignore);
  limit.on('close', detach);
  req.pipe(limit);
  return limit;
}

function ignore(): void {
  /* see requestBodySource */
}
