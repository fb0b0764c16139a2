import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isFtpError, type FtpError } from '../ftp/index.js';
import { HttpError, isHttpError } from './httpError.js';
import { getContext } from './context.js';
import { routeOf } from './logging.js';

/**
 * The one place where errors become HTTP (RFC 9457 problem+json). The table
 * is the contract's "Errors" section; FtpErrors map by `code` first (a data
 * connection or TLS failure is 502 whatever its category), then by category.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  ftpCode?: number;
  ftpMessage?: string;
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
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

export interface ProblemContext {
  /** The server is pass-through: FTP auth failures are the caller's credentials (401). */
  passThrough: boolean;
  /** Strings that must never appear in a response (passwords of this request/server). */
  secrets: readonly string[];
}

export function problemFor(err: unknown, ctx: ProblemContext): ProblemResponse {
  if (isHttpError(err)) return build(err.status, err.code, err.message, { ...err.headers }, ctx);
  if (isFtpError(err)) return fromFtpError(err, ctx);
  // A malformed %-escape in a route parameter fails in the router's own
  // decodeURIComponent before our path rules run (router/lib/layer.js
  // decodeParam throws the URIError with status 400): a bad path, not a 500.
  if (err instanceof URIError) return build(400, 'BAD_PATH', 'path: malformed percent-encoding', {}, ctx);
  const expressStatus = expressErrorStatus(err);
  if (expressStatus !== null) {
    const code = expressStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_BODY';
    return build(expressStatus, code, expressStatus === 413 ? 'request body too large' : 'malformed request body', {}, ctx);
  }
  return build(500, 'INTERNAL', 'internal error', {}, ctx);
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
  const res = build(status, err.code, err.message, headers, ctx);
  if (err.ftpCode !== undefined) res.body.ftpCode = err.ftpCode;
  if (err.ftpMessage !== undefined && err.command !== 'PASS' && err.command !== 'ACCT') {
    res.body.ftpMessage = scrub(err.ftpMessage, ctx.secrets);
  }
  return res;
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
    case 'protocol':
    default:
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

function build(status: number, code: string, detail: string, headers: Record<string, string>, ctx: ProblemContext): ProblemResponse {
  const slug = code.toLowerCase().replace(/_/g, '-');
  return {
    status,
    headers,
    body: {
      type: `urn:ftp-gateway:problem:${slug}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail: scrub(detail, ctx.secrets),
      code,
    },
  };
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  // Belt and braces: an echoed "PASS xyz" never leaves, whoever produced it.
  return out.replace(/\bPASS\s+\S+/gi, 'PASS ***');
}

export function sendProblem(res: Response, problem: ProblemResponse): void {
  res.status(problem.status);
  for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v);
  res.type('application/problem+json');
  res.send(JSON.stringify(problem.body));
}

/** The one error middleware. After headers went out, only destroying the socket is honest. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next) => {
    const ctx = getContext(res);
    const problem = problemFor(err, { passThrough: ctx?.passThrough ?? false, secrets: ctx?.secrets ?? [] });
    const clientGone = ctx?.signal.aborted ?? false;
    if (problem.status >= 500 && !clientGone) {
      (req.log ?? logger).warn({ err: logSafe(err), status: problem.status, method: req.method, route: routeOf(req) }, 'request failed');
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

function logSafe(err: unknown): Record<string, unknown> {
  if (isFtpError(err)) return { name: err.name, code: err.code, category: err.category, ftpCode: err.ftpCode, command: err.command };
  if (isHttpError(err)) return { name: err.name, code: err.code, status: err.status };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
