import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The HTTP/1.1 listener around the app: built here for main.ts and the test
 * harnesses alike, so that what tests exercise is what runs.
 *
 * `requestTimeout: 0`: that timeout bounds the whole request body, and
 * uploads are streamed and may take longer than Node's 5 minutes; the header
 * deadline stays.
 *
 * `Expect: 100-continue` (RFC 9110 §10.1.1): Node would answer `100 Continue`
 * before the app saw the request, so a PUT over `maxUploadBytes`, or one
 * without a valid key, got `100 Continue` and then its 413 or 401, after the
 * client had started sending the body for nothing. With a `checkContinue`
 * listener the app decides: the 100 goes out when the app first reads the
 * body, and a request it refuses before that gets the final status only.
 */
export function createHttpServer(app: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ requestTimeout: 0 }, app);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueOnFirstRead(req, res);
    app(req, res);
  });
  return server;
}

/**
 * Every consumer of a body (express.json, multer, the upload source, the
 * kernel relay's takeover of the socket) starts by asking the request for
 * data, which is `_read`. Node's own discard of an unread body after the
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
