import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';

/**
 * The destination of a download. It forwards chunks to the HTTP response
 * (honouring backpressure) but never ends it: the FTP transfer is complete
 * only when the data stream has ended AND the final 226 arrived, in either
 * order, so the route ends the response after `download()` resolves and
 * destroys it otherwise. Ending on the data EOF would present a transfer
 * that failed with 426/451 as complete.
 *
 * Until the first byte, nothing is sent: a failure before that still gets a
 * proper problem+json answer.
 */
export class ResponseSink extends Writable {
  #res: ServerResponse;
  #corked = false;
  bytes = 0;

  constructor(res: ServerResponse) {
    // Room for several socket reads, so that they leave together.
    super({ highWaterMark: 256 * 1024 });
    this.#res = res;
  }

  /** True once any body byte went out (headers are then sent too). */
  get started(): boolean {
    return this.bytes > 0;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send([chunk], callback);
  }

  /** The chunks that queued while the socket was busy leave in one writev. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  #send(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const res = this.#res;
    if (res.destroyed) {
      callback(new Error('response closed'));
      return;
    }
    // Everything read from the data connection in one event-loop turn leaves
    // in one writev: on loopback each write wakes the reader, and those
    // wakeups, not the copies, were most of a download's CPU (perf:
    // sock_def_readable); a 512 MiB GET went from ~150-400 to ~400-520 MB/s.
    if (!this.#corked) {
      this.#corked = true;
      res.cork();
      setImmediate(() => {
        this.#corked = false;
        res.uncork();
      });
    }
    let ok = true;
    for (const chunk of chunks) {
      this.bytes += chunk.length;
      ok = res.write(chunk);
    }
    if (ok) {
      callback();
      return;
    }
    const onDrain = (): void => {
      res.off('close', onClose);
      callback();
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      callback(new Error('response closed'));
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Deliberately not res.end(): see the class comment.
    callback();
  }
}
