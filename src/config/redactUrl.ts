/**
 * Masks the password of a URL for messages and logs. Works on strings the
 * URL parser rejects too (those are the ones most likely to end up in an
 * error message), and errs on the side of masking too much: everything
 * between the first ':' of the user-info and the last '@' before the path.
 *
 *   redactUrl('ftp://bob:s3cr%40t@ftp.example.com/out') === 'ftp://bob:***@ftp.example.com/out'
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const at = url.lastIndexOf('@');
  if (at < start) return url;
  const userInfo = url.slice(start, at);
  const colon = userInfo.indexOf(':');
  if (colon === -1) {
    // No password, but a user-info with '/' in it means an unencoded password
    // may be hiding in what looks like a path: mask it all to be safe.
    return /[/?#]/.test(userInfo) ? `${url.slice(0, start)}***${url.slice(at)}` : url;
  }
  return `${url.slice(0, start)}${userInfo.slice(0, colon)}:***${url.slice(at)}`;
}
