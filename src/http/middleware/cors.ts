import type { RequestHandler } from 'express';

/**
 * CORS (Fetch standard, "CORS protocol"): only the configured origins, none
 * by default. Preflights are answered here, before authentication, since a
 * browser never sends credentials on a preflight. The download headers a web
 * app needs are exposed.
 */
const EXPOSED = 'Content-Length, Content-Range, Content-Disposition, Accept-Ranges, Last-Modified, ETag';
const METHODS = 'GET, HEAD, PUT, POST, DELETE';
const ALLOWED_HEADERS =
  'Authorization, X-API-Key, Content-Type, Range, If-Range, If-None-Match, If-Match, If-Modified-Since, If-Unmodified-Since';

export function cors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || (!any && !allowed.has(origin.toLowerCase()))) {
      if (typeof origin === 'string') res.vary('Origin');
      return next();
    }
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    if (req.method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string') {
      res.setHeader('Access-Control-Allow-Methods', METHODS);
      const requested = req.headers['access-control-request-headers'];
      res.setHeader('Access-Control-Allow-Headers', typeof requested === 'string' && requested.length > 0 ? requested : ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
    next();
  };
}
