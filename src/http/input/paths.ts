import { HttpError, badPath } from '../httpError.js';

/**
 * The contract's path rules, as pure functions over the RAW request target.
 *
 * Express decodes `req.params` and path-to-regexp would happily match
 * `%2e%2e` as a segment; we must see the bytes the client sent to reject
 * traversal (`..`, `%2e%2E`), encoded separators (`%2F` would otherwise turn
 * one segment into two on the FTP side), and CR/LF/NUL (RFC 959 §4.1: a CRLF
 * inside an argument starts a second FTP command). Everything here throws
 * HttpError 400 (code BAD_PATH) before any FTP command can be built.
 */

/** Characters no segment may contain once decoded: `\` (a separator on some servers), CR, LF, NUL. */
const FORBIDDEN_CHARS = /[\\\r\n\0]/;

/** Check one decoded (or plain) segment against the segment rules. */
export function checkSegment(segment: string, what = 'path'): string {
  if (segment === '.' || segment === '..') throw badPath(`${what}: "." and ".." segments are not allowed`);
  if (segment.includes('/')) throw badPath(`${what}: a segment may not contain "/"`);
  if (FORBIDDEN_CHARS.test(segment)) throw badPath(`${what}: a segment may not contain "\\", CR, LF or NUL`);
  return segment;
}

/**
 * Split a raw (still percent-encoded) path into decoded segments. Empty
 * segments are ignored (so a leading `/` or `a//b` mean the same as without).
 */
export function decodeRawPath(raw: string): string[] {
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    // An encoded "/" is rejected as such rather than decoded into a separator.
    if (/%2f/i.test(part)) throw badPath('path: encoded "/" (%2F) inside a segment');
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw badPath('path: malformed percent-encoding');
    }
    segments.push(checkSegment(decoded));
  }
  return segments;
}

/**
 * `from`/`to` of a move: plain root-relative strings, NOT percent-decoded
 * (a file may really be called `50%.txt`), same segment rules.
 */
export function parsePlainPath(value: string, what: string): string[] {
  const segments: string[] = [];
  for (const part of value.split('/')) {
    if (part === '') continue;
    segments.push(checkSegment(part, what));
  }
  return segments;
}

/**
 * `limits.maxPathBytes` over a root-relative path (its segments joined by
 * `/`, decoded, in UTF-8): 414 before any FTP command. A long enough path is
 * more than a 550 on some servers: vsftpd drops the control connection at
 * about 4 KB, which costs the caller a 503 and the pool a fresh login.
 */
export function checkPathBytes(segments: readonly string[], max: number, what = 'path'): void {
  if (Buffer.byteLength(segments.join('/'), 'utf8') > max) {
    throw new HttpError(414, 'PATH_TOO_LONG', `${what}: longer than the limit of ${max} bytes`);
  }
}

/** A multipart file name: exactly one segment under the same rules. */
export function checkFileName(name: string): string {
  if (name === '') throw badPath('filename: empty');
  if (name.includes('/')) throw badPath('filename: must be a single segment');
  return checkSegment(name, 'filename');
}

/** Root-relative form used in responses: no leading `/`. */
export function relativePath(segments: readonly string[]): string {
  return segments.join('/');
}

/**
 * The raw pathname of a request target. `originalUrl` keeps what the client
 * sent (express rewrites `url` when routers mount); an absolute-form target
 * (`GET http://host/path`, RFC 9112 §3.2.2) is reduced to its path.
 */
export function rawPathname(originalUrl: string): string {
  let target = originalUrl;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (scheme) target = target.slice(scheme[0].length) || '/';
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/**
 * Split `/api/v1/servers/{server}/{kind}/{rest}` from a raw pathname. Returns
 * the decoded server name and the raw rest (to decodeRawPath), or null when
 * the shape does not match.
 */
export function splitResourceTarget(pathname: string, prefix: readonly string[], kind: string): { server: string; rest: string } | null {
  const parts = pathname.split('/');
  // parts[0] is "" (the leading slash).
  if (parts[0] !== '') return null;
  for (let i = 0; i < prefix.length; i++) if (parts[i + 1] !== prefix[i]) return null;
  const rawServer = parts[prefix.length + 1];
  if (rawServer === undefined || parts[prefix.length + 2] !== kind) return null;
  let server: string;
  try {
    server = decodeURIComponent(rawServer);
  } catch {
    throw badPath('server: malformed percent-encoding');
  }
  return { server, rest: parts.slice(prefix.length + 3).join('/') };
}
