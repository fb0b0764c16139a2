import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isFtpError, type FtpError, type FtpErrorCode, type FtpReplyCategory } from '../ftp/index.js';
import { HttpError, isHttpError } from './httpError.js';
import { getContext } from './context.js';
import { isGatewayError, type GatewayErrorCode } from '../gateway/gatewayError.js';
import { logSafe } from '../observability/logSafe.js';
import { routeOf } from './middleware/requestLogger.js';

/**
 * The one place where errors become HTTP (RFC 9457 problem+json). The table
 * is the contract's "Errors" section; FtpErrors map by `code` first (a data
 * connection or TLS failure is 502 whatever its category), then by category.
 *
 * `detail` is a fixed sentence chosen here, never text the FTP server sent:
 * reply texts echo the request's path as the server sees it (with the
 * server-side root in front) and whatever the caller put in it, so masking a
 * secret in them would tell a caller which of its guesses was the password.
 * The reply text goes to the log (`request failed`) instead.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  ftpCode?: number;
}

export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: Problem;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

export interface ProblemContext {
  /** The server is pass-through: FTP auth failures are the caller's credentials (401). */
  passThrough: boolean;
}

/** The caller's sentence for an FtpError other than a negative reply. */
export const FTP_ERROR_DETAILS: Readonly<Record<Exclude<FtpErrorCode, 'FTP_REPLY'>, string>> = {
  FTP_BAD_ARGUMENT: 'the path cannot be sent to the FTP server',
  FTP_TIMEOUT: 'the FTP server did not answer in time',
  FTP_CONNECTION_CLOSED: 'the FTP server closed the connection',
  FTP_CONNECT_FAILED: 'the FTP server cannot be reached',
  FTP_DATA_CONNECTION: 'the data connection to the FTP server could not be opened or broke',
  FTP_TLS: 'TLS with the FTP server failed (handshake or certificate)',
  FTP_PARSE: 'the FTP server sent a reply the gateway cannot read',
  FTP_ABORTED: 'the request was aborted',
  FTP_TRANSFER_INCOMPLETE: 'the transfer ended before it was complete',
  FTP_POOL_TIMEOUT: 'no FTP session became free in time; retry later',
  FTP_POOL_CLOSED: 'the FTP sessions of this server are closing',
};

/** The caller's sentence for a negative reply (FTP_REPLY), by what the reply means. */
export const FTP_REPLY_DETAILS: Readonly<Record<FtpReplyCategory, string>> = {
  'not-found': 'no such file or directory',
  permission: 'the FTP server denied access to this path',
  auth: 'the FTP server refused the configured login',
  unavailable: 'the FTP server is not available',
  'storage-full': 'the FTP server has no room for this (storage full or quota)',
  'bad-input': 'the FTP server refused this file name',
  protocol: 'the FTP server refused the command',
};

/** On a pass-through server the login is the caller's own. */
export const PASS_THROUGH_AUTH_DETAIL = 'the FTP server refused these credentials';

/** The gateway's own errors: their message is the gateway's sentence, never server text. */
export const GATEWAY_ERROR_STATUS: Readonly<Record<GatewayErrorCode, number>> = {
  NOT_FOUND: 404,
  NOT_A_DIRECTORY: 409,
  IS_A_DIRECTORY: 409,
  DIRECTORY_NOT_EMPTY: 409,
  UPLOAD_INCOMPLETE: 502,
  CLAIM_NOT_HELD: 409,
  TARGET_EXISTS: 409,
};

export function problemFor(err: unknown, ctx: ProblemContext): ProblemResponse {
  if (isHttpError(err)) return build(err.status, err.code, err.message, { ...err.headers });
  if (isGatewayError(err)) return build(GATEWAY_ERROR_STATUS[err.code], err.code, err.message, {});
  if (isFtpError(err)) return fromFtpError(err, ctx);
  // A malformed %-escape in a route parameter fails in the router's own
  // decodeURIComponent before our path rules run (router/lib/layer.js
  // decodeParam throws the URIError with status 400): a bad path, not a 500.
  if (err instanceof URIError) return build(400, 'BAD_PATH', 'path: malformed percent-encoding', {});
  const expressStatus = expressErrorStatus(err);
  if (expressStatus !== null) {
    const code = expressStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_BODY';
    return build(expressStatus, code, expressStatus === 413 ? 'request body too large' : 'malformed request body', {});
  }
  return build(500, 'INTERNAL', 'internal error', {});
}

function fromFtpError(err: FtpError, ctx: ProblemContext): ProblemResponse {
  const headers: Record<string, string> = {};
  let status: number;
  switch (err.code) {
    case 'FTP_DATA_CONNECTION':
    case 'FTP_TLS':
    case 'FTP_PARSE':
    case 'FTP_TRANSFER_INCOMPLETE':
      status = 502;
      break;
    case 'FTP_TIMEOUT':
      status = 504;
      break;
    case 'FTP_CONNECT_FAILED':
    case 'FTP_POOL_CLOSED':
      status = 503;
      break;
    case 'FTP_POOL_TIMEOUT':
      status = 503;
      headers['Retry-After'] = '1';
      break;
    default:
      status = statusForCategory(err, ctx);
  }
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="ftp-gateway", charset="UTF-8"';
  const res = build(status, err.code, ftpDetail(err, ctx), headers);
  if (err.ftpCode !== undefined && Number.isInteger(err.ftpCode)) res.body.ftpCode = err.ftpCode;
  return res;
}

/** A fixed sentence: chosen by the error's code (and for a reply, its category), never built from its text. */
export function ftpDetail(err: FtpError, ctx: ProblemContext): string {
  if (err.code !== 'FTP_REPLY') return FTP_ERROR_DETAILS[err.code] ?? 'the FTP server failed';
  if (err.category === 'auth' && ctx.passThrough) return PASS_THROUGH_AUTH_DETAIL;
  return FTP_REPLY_DETAILS[err.category as FtpReplyCategory] ?? FTP_REPLY_DETAILS.protocol;
}

function statusForCategory(err: FtpError, ctx: ProblemContext): number {
  switch (err.category) {
    case 'not-found':
      return 404;
    case 'permission':
      return 403;
    case 'auth':
      return ctx.passThrough ? 401 : 502;
    case 'unavailable':
      return 503;
    case 'timeout':
      return 504;
    case 'storage-full':
      return 507;
    case 'bad-input':
      return 400;
    case 'aborted':
      return 503;
    default: // 'protocol'
      return 502;
  }
}

/** body-parser errors carry `status`/`type` (entity.parse.failed, entity.too.large). */
function expressErrorStatus(err: unknown): number | null {
  if (typeof err !== 'object' || err === null || !('type' in err) || typeof err.type !== 'string') return null;
  if (!err.type.startsWith('entity.') && err.type !== 'encoding.unsupported' && err.type !== 'charset.unsupported') {
    return null;
  }
  return err.type === 'entity.too.large' ? 413 : 400;
}

function build(status: number, code: string, detail: string, headers: Record<string, string>): ProblemResponse {
  const slug = code.toLowerCase().replace(/_/g, '-');
  return {
    status,
    headers,
    body: {
      type: `urn:ftp-gateway:problem:${slug}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
    },
  };
}

export function sendProblem(res: Response, problem: ProblemResponse): void {
  res.status(problem.status);
  for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v);
  res.type('application/problem+json');
  res.send(JSON.stringify(problem.body));
}

/**
 * The one error middleware. After headers went out, only destroying the socket is honest.
 * What the FTP server said goes to the log: always for a 5xx, and for a 4xx the
 * FTP server caused (the caller's body no longer says why a 550 was a 403).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next) => {
    const ctx = getContext(res);
    const problem = problemFor(err, { passThrough: ctx?.passThrough ?? false });
    const clientGone = ctx?.signal.aborted ?? false;
    if (!clientGone && (problem.status >= 500 || isFtpError(err))) {
      (req.log ?? logger)[problem.status >= 500 ? 'warn' : 'info'](
        { err: logView(err), status: problem.status, method: req.method, route: routeOf(req) },
        'request failed',
      );
    }
    if (res.headersSent || clientGone) {
      res.destroy();
      return;
    }
    // The request body may still be arriving (413, early 4xx on a PUT): do not
    // keep a connection whose next bytes are the rest of an unread body.
    if (!req.complete) res.setHeader('Connection', 'close');
    sendProblem(res, problem);
  };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, 'NOT_FOUND', 'no such route'));
};

/** The log line's view of an error: the gateway's own errors by code, the rest as the log sees them (logSafe). */
function logView(err: unknown): Record<string, unknown> {
  if (isHttpError(err)) return { name: err.name, code: err.code, status: err.status };
  if (isGatewayError(err)) return { name: err.name, code: err.code, message: err.message };
  return logSafe(err);
}
