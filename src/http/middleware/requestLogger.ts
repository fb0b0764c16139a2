import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { scrubSecrets } from '../../observability/logging.js';
import { getContext } from '../context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A caller's `X-Request-Id` is kept only when it is a short plain token; anything else could forge log lines. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

const matchedRoutes = new WeakMap<Request, string>();

/**
 * The route pattern that handled `req` (`/api/v1/servers/:server/files/*path`),
 * or `unmatched`. Never the concrete path: used as a log field and a metric label.
 * Only known for requests that went through `requestLogger`.
 */
export function routeOf(req: Request): string {
  return matchedRoutes.get(req) ?? 'unmatched';
}

function joinRoute(base: string, path: unknown): string {
  const tail = typeof path === 'string' ? path : String(path);
  const joined = `${base}${tail === '/' && base !== '' ? '' : tail}`;
  return joined === '' ? '/' : joined;
}

/**
 * Express sets `req.route` when a route matches, while `req.baseUrl` holds the
 * mount path of the router doing the matching; by the time the response ends
 * an error may have bubbled up and `baseUrl` been restored. So the pattern is
 * captured at the moment `req.route` is assigned.
 */
function captureRoute(req: Request): void {
  let current: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value: unknown) => {
      current = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (path !== undefined) matchedRoutes.set(req, joinRoute(req.baseUrl ?? '', path));
    },
  });
}

export interface RequestLoggerOptions {
  /** Called once per request when it completes or is aborted, with the same route pattern the log line has. */
  onComplete?(info: { method: string; route: string; status: number; seconds: number }): void;
}

/**
 * pino-http gives each request its id (`req.id`: a valid incoming
 * `X-Request-Id`, else a fresh UUID, echoed in the response) and `req.log`, a
 * child logger carrying `reqId`. Its own end-of-request line is off: ours must
 * wait, when the client leaves early, for the transfer to settle (below).
 */
function requestIds(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: false,
    // Left on, pino-http would put its own err serializer on req.log, over
    // the one that scrubs secrets.
    wrapSerializers: false,
    // pino-http also builds a child bound to the whole request, never used
    // with quietReqLogger; without a serializer pino would stringify the
    // IncomingMessage (socket and all) into it on every request.
    serializers: { req: (req: Request) => ({ method: req.method }) },
  });
}

/**
 * Assigns `req.id` and `req.log` (through pino-http), and logs one line per
 * request when the response finishes (or the connection closes first). The
 * line has the path without its query string: query values could hold keys.
 */
export function requestLogger(logger: Logger, options: RequestLoggerOptions = {}): RequestHandler {
  const ids = requestIds(logger);
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    ids(req, res, () => undefined);
    captureRoute(req);

    let bytes = 0;
    const write = res.write;
    const end = res.end;
    const count = (chunk: unknown, encoding: unknown): void => {
      if (typeof chunk === 'string')
        bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    res.write = function (this: Response, chunk: unknown, ...rest: unknown[]) {
      count(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Response['write'];
    res.end = function (this: Response, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') count(chunk, rest[0]);
      return (end as (...args: unknown[]) => Response).call(this, chunk, ...rest);
    } as Response['end'];

    const path = (req.originalUrl || req.url).split('?', 1)[0] ?? '/';
    let ended = false;
    const done = (): void => {
      if (ended) return;
      ended = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The client left while the body's transfer still runs (it may have had
      // every byte and not waited for the FTP 226, or the transfer is being
      // aborted): the line waits for the transfer, whose counts are then final.
      const settled = res.writableFinished ? undefined : getContext(res)?.bodySettled;
      if (settled) void settled.then(() => log(seconds));
      else log(seconds);
    };
    const log = (seconds: number): void => {
      const route = routeOf(req);
      // A client that has every byte of a declared Content-Length may hang up
      // before the gateway ends the response (it waits for the FTP 226): not aborted.
      bytes += getContext(res)?.bodyBytesDirect?.() ?? 0;
      const declared = Number(res.getHeader('content-length'));
      const aborted = !res.writableFinished && !(Number.isFinite(declared) && bytes >= declared) && getContext(res)?.openEnded !== true;
      const status = res.statusCode;
      const line = {
        method: req.method,
        route,
        path: scrubSecrets(path),
        status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        bytes,
        ...(req.headers['content-length'] !== undefined ? { requestBytes: Number(req.headers['content-length']) } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      const level = status >= 500 ? 'error' : aborted ? 'warn' : 'info';
      req.log[level](line, 'request completed');
      options.onComplete?.({ method: req.method, route, status, seconds });
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
