import { createHash, timingSafeEqual } from 'node:crypto';
import basicAuth from 'basic-auth';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import { HttpError } from '../httpError.js';
import type { Credentials } from '../../gateway/serverRegistry.js';

/**
 * API keys: `Authorization: Bearer <key>` or `X-API-Key: <key>` (never the
 * query string: URLs end up in logs and browser history). Keys are compared
 * as SHA-256 digests with timingSafeEqual, and every configured key is
 * compared, so neither the length nor the position of a match leaks through
 * timing. No keys configured = open (the config refuses that off loopback
 * unless AUTH_DISABLED=true).
 */
export type Scope = 'read' | 'write';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isWrite(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

export function apiKeyAuth(auth: Config['auth']): RequestHandler {
  const keys = auth.apiKeys.map((k) => ({ digest: digest(k.key), scope: k.scope }));
  const open = auth.disabled || keys.length === 0;
  return (req, _res, next) => {
    if (open) return next();
    const presented = presentedKey(req);
    if (presented === null) throw unauthorized('missing API key');
    const scope = matchKey(keys, presented);
    if (scope === null) throw unauthorized('unknown API key');
    if (isWrite(req.method) && scope !== 'write') {
      throw new HttpError(403, 'FORBIDDEN', 'this API key may only read');
    }
    next();
  };
}

function unauthorized(detail: string): HttpError {
  return new HttpError(401, 'UNAUTHORIZED', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="ftp-gateway"' } });
}

export function presentedKey(req: Pick<Request, 'headers'>): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string') {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (m?.[1]) return m[1];
  }
  return null;
}

export function matchKey(keys: ReadonlyArray<{ digest: Buffer; scope: Scope }>, presented: string): Scope | null {
  const candidate = digest(presented);
  let found: Scope | null = null;
  for (const key of keys) {
    // No early exit: the work is the same whichever key matches.
    if (timingSafeEqual(key.digest, candidate) && found !== 'write') found = key.scope;
  }
  return found;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * HTTP Basic credentials (RFC 7617) for pass-through servers, parsed by
 * jshttp's basic-auth (the user-id ends at the first ":"; the password may
 * hold more). On top: an empty user cannot log in, and CR/LF/NUL would be an
 * FTP command injection (RFC 959 §4.1), so both are refused as a failed login.
 */
export function parseBasicAuth(header: string | undefined): Credentials | null {
  const parsed = header === undefined ? undefined : basicAuth.parse(header);
  if (parsed === undefined || parsed.name === '' || /[\r\n\0]/.test(parsed.name + parsed.pass)) return null;
  return { user: parsed.name, password: parsed.pass };
}
