import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Request, Response, Router } from 'express';

/**
 * The built-in web UI: three static files from `ui/` at the project root,
 * served at `/ui/`. It is a plain client of the public API (the page asks for
 * an API key and sends it on each API call), so the route itself needs no key.
 *
 * The folder is found relative to this module, which sits two levels below
 * the project's `ui/` both as `src/http/routes/ui.ts` (tsx) and as
 * `dist/http/routes/ui.js` (the build).
 */
export const UI_DIR = fileURLToPath(new URL('../../../ui/', import.meta.url));

/** Only what the page is known to need: its own script, style and API calls. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export function createUiRouter(dir: string = UI_DIR): Router {
  const router = express.Router();

  // The page loads `./app.js` and `./style.css` by relative URL (so it works
  // behind a path prefix), which resolves only from `/ui/`. Middleware rather
  // than a route: these are static files, not API operations (the OpenAPI
  // parity test lists routes), like the Swagger UI assets under /docs/.
  router.use('/ui', (req: Request, res: Response, next) => {
    const [pathname = '', query] = req.originalUrl.split('?', 2);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/' || pathname.endsWith('/')) return next();
    res.redirect(301, `${pathname}/${query === undefined ? '' : `?${query}`}`);
  });

  router.use(
    '/ui',
    express.static(dir, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: false,
      fallthrough: true, // anything else under /ui → the app's problem+json 404
      etag: true,
      lastModified: true,
      setHeaders(res, path) {
        const ext = path.slice(path.lastIndexOf('.'));
        const type = CONTENT_TYPES[ext];
        if (type !== undefined) res.setHeader('Content-Type', type);
        res.setHeader('Content-Security-Policy', UI_CSP);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Referrer-Policy', 'no-referrer');
        // Small files that change with the gateway's version: revalidate each time.
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );

  return router;
}
