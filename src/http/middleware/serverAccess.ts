import type { Request, RequestHandler, Response } from 'express';
import { isFtpError, type FtpPool, type FtpSession } from '../../ftp/index.js';
import { context } from '../context.js';
import { HttpError } from '../httpError.js';
import type { Credentials, ServerHandle, ServerRegistry } from '../../gateway/serverRegistry.js';
import { isWrite, parseBasicAuth } from './auth.js';
import type { TransferCap } from './transferCap.js';

/**
 * Resolves `:server` to its handle and the pool this caller may use:
 * unknown → 404, a write to a readOnly server → 403, a pass-through server
 * without Basic credentials → 401 with a Basic challenge (RFC 7617 §2).
 */
export interface ServerAccess {
  handle: ServerHandle;
  pool: FtpPool;
  credentials: Credentials | null;
  /**
   * The absolute FTP path of the server's root for this caller. A root
   * relative to the login directory is known once the pool has a session, so
   * read it inside withSession: bad input is refused before any login.
   */
  root(): string;
  /** Counts an operation against `limits.maxTransfersPerKey` (429 over it); returns its release. */
  admit(): () => void;
  /** limits.maxPathBytes: the longest root-relative path this caller may name (paths.checkPathBytes). */
  maxPathBytes: number;
}

const KEY = 'ftpGatewayServer';
const BASIC_CHALLENGE = 'Basic realm="ftp-gateway", charset="UTF-8"';

export function serverAccess(res: Response): ServerAccess {
  const access = res.locals[KEY] as ServerAccess | undefined;
  if (!access) throw new Error('resolveServer middleware not installed');
  return access;
}

export function resolveServer(registry: ServerRegistry, limits: { maxPathBytes: number }, cap?: TransferCap): RequestHandler {
  return (req, res, next) => {
    const name = req.params.server;
    const handle = typeof name === 'string' ? registry.get(name) : undefined;
    if (!handle) throw new HttpError(404, 'UNKNOWN_SERVER', 'no such server');
    if (handle.config.readOnly && isWrite(req.method)) {
      throw new HttpError(403, 'READ_ONLY', 'this server is read-only');
    }
    const credentials = callerCredentials(req, res, handle);
    const pool = handle.pool(credentials);
    const root = (): string => {
      const path = handle.rootPath(pool);
      if (path === null) throw new Error('the root is relative to the login directory: read it inside withSession');
      return path;
    };
    const admit = (): (() => void) => (cap ? cap.admit(req, handle.name) : noop);
    const access: ServerAccess = { handle, pool, credentials, root, admit, maxPathBytes: limits.maxPathBytes };
    res.locals[KEY] = access;
    next();
  };
}

/**
 * The caller's FTP login for a pass-through server (HTTP Basic), or null for
 * a server with its own; a pass-through server without one → 401 with a
 * Basic challenge (RFC 7617 §2).
 */
export function callerCredentials(req: Request, res: Response, handle: ServerHandle): Credentials | null {
  if (!handle.passThrough) return null;
  context(res).passThrough = true;
  const credentials = parseBasicAuth(req.headers.authorization);
  if (!credentials) {
    throw new HttpError(401, 'FTP_LOGIN_REQUIRED', 'this server needs your FTP user and password (HTTP Basic)', {
      headers: { 'WWW-Authenticate': BASIC_CHALLENGE },
    });
  }
  return credentials;
}

/**
 * Run `fn` on a pooled session bound to the request's AbortSignal, counted
 * against the caller's `limits.maxTransfersPerKey` while it runs. Whether the
 * session is reused afterwards is the session's own `usable`, whatever `fn`
 * threw (a 404 or 409 says nothing bad about it). Credentials the server
 * refused lose their pool at once, so a retry with the right password starts
 * clean and the wrong one is not kept around.
 */
export async function withSession<T>(
  res: Response,
  fn: (session: FtpSession) => Promise<T>,
  options: { retry?: boolean } = {},
): Promise<T> {
  const access = serverAccess(res);
  const { signal } = context(res);
  // Before any session is taken: a caller at its cap must not queue for one.
  const release = access.admit();
  try {
    return await access.pool.use(fn, { signal, retry: options.retry ?? false });
  } catch (err) {
    if (access.credentials && isFtpError(err) && err.category === 'auth') {
      access.handle.forgetCredentials(access.credentials);
    }
    throw err;
  } finally {
    release();
  }
}

function noop(): void {
  /* no cap configured */
}
