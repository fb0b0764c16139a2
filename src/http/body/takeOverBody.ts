import type { IncomingMessage } from 'node:http';
import type net from 'node:net';

/**
 * Node's HTTP server reads a request's socket itself (its parser consumes the
 * socket's handle) and starts reading again from several places: the body's
 * _read, the socket's 'resume' event, the end of the response. For the
 * kernel relay to read the rest of a body straight from the socket, Node
 * must not read one more byte meanwhile, so reading is stopped at the handle
 * and readStart is a no-op until the socket is given back.
 *
 * This leans on Node's HTTP/1 server internals (the socket's `_handle` and
 * `parser`); where they are not as expected it returns null and the body is
 * streamed as usual.
 */
interface StreamHandle {
  readStart(): number;
  readStop(): number;
  reading: boolean;
}

export interface TakenBody {
  /** Body bytes Node had already read, in order. */
  head: Buffer[];
  /**
   * Gives the socket back: Node reads it again when it wants to. False when
   * Node read from the socket while it was taken (its internals not as this
   * module expects): the relay then did not get every byte of the body.
   */
  restore(): boolean;
}

export function takeOverBody(req: IncomingMessage): TakenBody | null {
  const socket = req.socket as net.Socket & { _handle?: Partial<StreamHandle> | null; parser?: unknown };
  const handle = socket._handle;
  if (!handle || !socket.parser || typeof handle.readStart !== 'function' || typeof handle.readStop !== 'function' || typeof handle.reading !== 'boolean') {
    return null;
  }
  const h = handle as StreamHandle;
  h.readStop();
  h.reading = false;
  Object.defineProperty(h, 'readStart', { value: () => 0, configurable: true, writable: true });
  const head: Buffer[] = [];
  // Reading the body below asks Node to read the socket again: a no-op now.
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) head.push(chunk);
  const readBefore = socket.bytesRead;
  let restored: boolean | null = null;
  return {
    head,
    restore: () => {
      if (restored !== null) return restored;
      restored = socket.bytesRead === readBefore;
      delete (h as Partial<StreamHandle>).readStart;
      // Match what Node believes: reading while the socket flows.
      h.reading = false;
      if (socket.readableFlowing && !socket.destroyed) {
        h.reading = true;
        h.readStart();
      }
      return restored;
    },
  };
}
