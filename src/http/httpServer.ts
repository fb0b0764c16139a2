import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The HTTP/1.1 listener around the app: built here for main.ts and the test
 * harnesses alike, so that what tests exercise is what runs.
 *
 * `requestTimeout: 0`: that timeout bounds the whole request, body included,
 * and a streamed upload of a large file may rightly take longer than Node's
 * 5 minutes. What it would guard against, a body that trickles, is judged
 * by the rate instead (limits.bodyIdleMs/bodyMinBytesPerSec: 408, see
 * upload/bodyFloor.ts); the header deadline stays.
 *
 * `Expect: 100-continue` (RFC 9110 §10.1.1): Node would answer `100 Continue`
 * before the app saw the request, so a PUT over `maxUploadBytes`, or one
 * without a valid key, got `100 Continue` and then its 413 or 401, after the
 * client had started sending the body for nothing. With a `checkContinue`
 * listener the app decides: the 100 goes out when the app first reads the
 * body, and a request it refuses before that gets the final status only.
 */
export function createHttpServer(app: (req: IncomingMessage, res: ServerResponse) => void): Server {
  // Per connection, the responses not yet finished (more than one when pipelined).
  const open = new WeakMap<Duplex, Set<ServerResponse>>();
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const pending = open.get(req.socket) ?? new Set<ServerResponse>();
    open.set(req.socket, pending.add(res));
    res.once('close', () => pending.delete(res));
    app(req, res);
  };
  const server = createServer({ requestTimeout: 0 }, serve);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueOnFirstRead(req, res);
    serve(req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = [...(open.get(socket) ?? [])].filter((res) => !res.writableFinished);
    answerClientError(err, socket, pending.length === 0 ? 'idle' : pending.some((res) => res.headersSent) ? 'responding' : 'serving');
  });
  return server;
}

/** How long a refused connection may keep sending before it is cut. */
const LINGER_MS = 2_000;

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * A request Node's parser refuses gets the status Node itself answers (431 for
 * a head over 16 KiB, 408 at the header deadline, else 400). Where nothing
 * else runs on the connection, it closes once the client has stopped sending,
 * not at once: closing with unread bytes resets the connection, and a client
 * still writing its head then read ECONNRESET instead of the 431 (Node 24's
 * client always, Node 20's at times). Where a request is being served (a body
 * that breaks its framing), Node's way: answer unless a response has started,
 * and cut at once, so the app sees the end now.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, state: 'idle' | 'serving' | 'responding'): void {
  // The parser keeps reporting while the client's remaining bytes arrive.
  if (socket.writableEnded || socket.destroyed) return;
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  if (state !== 'idle' || !socket.writable) {
    if (state === 'serving' && socket.writable) socket.write(head);
    socket.destroy();
    return;
  }
  socket.end(head);
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * Every consumer of a body (express.json, multer, the upload source) starts
 * by asking the request for data, which is `_read`. Node's own discard of an unread body after the
 * response (req._dump) asks too: by then the final status went out, and
 * a 100 must not follow it.
 */
function continueOnFirstRead(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read;
  req._read = function (this: IncomingMessage, size: number): void {
    req._read = read;
    if (!res.headersSent && !res.writableEnded && !res.destroyed) res.writeContinue();
    read.call(this, size);
  };
}
