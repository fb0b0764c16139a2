import type { ServerResponse } from 'node:http';
import type net from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import type { FtpDirectTarget } from '../../ftp/index.js';

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
 *
 * With `direct`, it also offers the response's socket to the kernel relay
 * (FtpDirectTarget) for a body of declared length: the body then goes from
 * the data connection into the socket without passing through this
 * process, after the headers, as it is (a Content-Length body has no
 * framing).
 */
export class ResponseSink extends Writable implements FtpDirectTarget {
  #res: ServerResponse;
  #direct: boolean;
  #corked = false;
  bytes = 0;
  /** The part of `bytes` that the kernel relay wrote, bypassing res.write. */
  bytesDirect = 0;
  /** True once the kernel relay took over the body. */
  relaying = false;
  #directCounts: (() => { bytes: number; bytesIn: number }) | null = null;

  constructor(res: ServerResponse, options: { direct?: boolean } = {}) {
    // Room for several socket reads, so that they leave together.
    super({ highWaterMark: 256 * 1024 });
    this.#res = res;
    this.#direct = options.direct ?? false;
  }

  directSocket(): net.Socket | null {
    const res = this.#res;
    if (!this.#direct || this.bytes > 0 || res.headersSent || res.destroyed) return null;
    // Without a Content-Length Node would frame the body (chunks): the relay adds no framing.
    if (res.getHeader('content-length') === undefined) return null;
    return res.socket;
  }

  async beforeDirect(): Promise<boolean> {
    const res = this.#res;
    const socket = res.socket;
    if (!socket || res.destroyed) return false;
    res.flushHeaders();
    if (socket.writableLength > 0) {
      const settled = new AbortController();
      await Promise.race([once(socket, 'drain', settled), once(socket, 'close', settled)]).finally(() => settled.abort());
    }
    // Node frames nothing (a Content-Length body), and has nothing left to write.
    this.relaying = !res.chunkedEncoding && !res.destroyed && !socket.destroyed && socket.writableLength === 0;
    return this.relaying;
  }

  directBytes(total: number): void {
    this.bytes = total;
    this.bytesDirect = total;
  }

  directCounts(read: () => { bytes: number; bytesIn: number }): void {
    this.#directCounts = read;
  }

  /**
   * Whether a client that hung up may have had all `expected` bytes. Through
   * the relay, `bytes` lags (it is pushed every few hundred ms), and even the
   * relay's own written count is bumped just after the socket took the bytes,
   * so the bound is what it read: while that is short the client cannot have
   * everything; once it is not, the relay settles it by itself (the source's
   * end, or the write the departed client refuses). Through res.write, the
   * bytes handed to Node; a relay that did not start read nothing, and the
   * stream path then counts.
   */
  mayHaveAll(expected: number): boolean {
    return Math.max(this.bytes, this.#directCounts?.().bytesIn ?? 0) >= expected;
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
    // sock_def_readable).
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
