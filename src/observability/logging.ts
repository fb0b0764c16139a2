import { randomUUID } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ftpChannels } from '../ftp/diagnostics.js';
import type { FtpCommandEvent, FtpReplyEvent, FtpServerEvent, FtpSessionEvent, FtpTransferEvent } from '../ftp/diagnostics.js';
import { getContext } from '../http/context.js';

/**
 * Field paths whose values pino replaces before serialising. Headers appear
 * both at top level (`{ headers }`) and under `req`/`res`; credentials under
 * any object one or two levels deep.
 */
export const REDACT_PATHS: readonly string[] = [
  ...[
    'authorization',
    'Authorization',
    'proxy-authorization',
    'Proxy-Authorization',
    'x-api-key',
    'X-API-Key',
    'X-Api-Key',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
  ].flatMap((h) => [
    `headers["${h}"]`,
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `*.headers["${h}"]`,
  ]),
  'authorization',
  'apiKey',
  'apiKeys',
  'password',
  'pass',
  '*.authorization',
  '*.apiKey',
  '*.apiKeys',
  '*.password',
  '*.pass',
  '*.*.password',
  '*.*.apiKey',
];

/** `scheme://user:secret@host` → `scheme://user:***@host`, anywhere in a string. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
/** `Bearer xyz` / `Basic xyz` as it could appear inside a message. */
const AUTH_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** Masks credentials that may hide inside free text (error messages, URLs). */
export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@').replace(AUTH_VALUE, '$1 ***');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

type Scrub = (text: string) => string;

/** Scrubs string values of plain objects, three levels deep; copies only what changes. */
function scrubFields(object: Record<string, unknown>, scrub: Scrub, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    let clean: unknown = value;
    if (typeof value === 'string') clean = scrub(value);
    else if (depth < 3 && isPlainObject(value)) clean = scrubFields(value, scrub, depth + 1);
    if (clean !== value) (out ??= { ...object })[key] = clean;
  }
  return out ?? object;
}

/** Shorter secrets would mask ordinary words in every line. */
const MIN_MASKED_SECRET = 4;

/**
 * The credentials never reach a log by construction: PASS/ACCT are masked by
 * command in the FTP layer, errors carry no command arguments, headers are
 * redacted by path. What remains is a copy a caller typed itself, e.g. into a
 * request path that the URL and an FTP server's 550 then echo; those copies
 * are masked here. (Only in the log: an error body never carries such text,
 * so masking there could not turn into a "which guess was it" answer.)
 */
function secretMask(secrets: readonly string[]): Scrub {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_MASKED_SECRET) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  const longestFirst = [...forms].sort((a, b) => b.length - a.length);
  if (longestFirst.length === 0) return scrubSecrets;
  return (text) => {
    let out = scrubSecrets(text);
    for (const form of longestFirst) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
    return out;
  };
}

/** The secrets a log must not repeat: configured FTP passwords and API keys. */
export function configSecrets(config: Pick<Config, 'servers' | 'auth'>): string[] {
  return [
    ...config.servers.flatMap((s) => (s.password === null ? [] : [s.password])),
    ...config.auth.apiKeys.map((k) => k.key),
  ];
}

export interface CreateLoggerOptions {
  /** Masked wherever they turn up in a line (see `configSecrets`). */
  secrets?: readonly string[];
}

/**
 * The gateway's logger. `destination` defaults to stdout (tests pass a stream).
 * Redaction is by field path (`REDACT_PATHS`) plus a scrub of credentials in
 * the message and string fields, because URLs with user-info turn up in error
 * messages, and callers can type a secret into a path.
 */
export function createLogger(level: string, destination?: DestinationStream, extra: CreateLoggerOptions = {}): Logger {
  const scrub = secretMask(extra.secrets ?? []);
  const errSerializer = (err: Error): Record<string, unknown> =>
    scrubFields(pino.stdSerializers.err(err) as unknown as Record<string, unknown>, scrub);
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
    serializers: { err: errSerializer, error: errSerializer },
    formatters: { log: (object) => scrubFields(object, scrub) },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>;
        return method.apply(this, scrubbed);
      },
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** PASS and ACCT arrive masked from the FTP layer; mask again so a regression there cannot reach a log. */
function maskCommand(verb: string, text: string): string {
  const upper = verb.toUpperCase();
  return upper === 'PASS' || upper === 'ACCT' || /^\s*(PASS|ACCT)\b/i.test(text) ? `${upper} ****` : scrubSecrets(text);
}

/**
 * Debug-level logs of the FTP conversation, from the FTP layer's diagnostics
 * channels, and an info line whenever something is learned about a server
 * (once per server and fact). Returns the unsubscribe function.
 */
export function subscribeFtpLogging(logger: Logger): () => void {
  const ftp = logger.child({ component: 'ftp' });
  const handlers: Array<[diagnostics_channel.Channel, (message: unknown) => void]> = [
    [
      ftpChannels.command,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpCommandEvent;
        ftp.debug({ sessionId: e.sessionId, host: e.host, command: maskCommand(e.verb, e.text) }, 'ftp command');
      },
    ],
    [
      ftpChannels.reply,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpReplyEvent;
        // The reply to PASS never echoes the password on the servers we know, but scrub URLs anyway.
        ftp.debug({ sessionId: e.sessionId, host: e.host, verb: e.verb, code: e.code, reply: scrubSecrets(e.message) }, 'ftp reply');
      },
    ],
    [
      ftpChannels.session,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpSessionEvent;
        ftp.debug({ sessionId: e.sessionId, host: e.host, port: e.port, reason: e.reason }, `ftp session ${e.event}`);
      },
    ],
    [
      ftpChannels.transfer,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpTransferEvent;
        ftp.debug(
          { sessionId: e.sessionId, host: e.host, direction: e.direction, method: e.method, type: e.type, bytes: e.bytes, durationMs: e.durationMs, ok: e.ok, kernelRelay: e.kernelRelay },
          'ftp transfer',
        );
      },
    ],
    [
      ftpChannels.server,
      (message) => {
        const e = message as FtpServerEvent;
        ftp.info({ sessionId: e.sessionId, host: e.host, port: e.port, [e.fact]: e.value, how: e.how }, 'ftp server learned');
      },
    ],
  ];
  for (const [channel, handler] of handlers) diagnostics_channel.subscribe(channel.name, handler);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    for (const [channel, handler] of handlers) diagnostics_channel.unsubscribe(channel.name, handler);
  };
}

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
      if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
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
      const aborted = !res.writableFinished && !(Number.isFinite(declared) && bytes >= declared);
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
