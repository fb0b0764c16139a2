import express from 'express';
import type { Request, Response, Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { GatewayMetrics } from '../../observability/metrics.js';
import { readinessDetail } from '../../gateway/readinessDetail.js';
import { scrubSecrets } from '../../observability/logging.js';
import { loadOpenApiDocument } from '../openapi.js';

export interface ReadinessRegistry {
  list(): readonly { name: string }[];
  /** `signal` aborts when the check's time is up, so a hung probe does not linger. */
  check(name: string, signal?: AbortSignal): Promise<{ ok: boolean; detail?: string }>;
}

export interface OpsRouterDeps {
  registry: ReadinessRegistry;
  metrics: GatewayMetrics;
  /** Defaults to `loadOpenApiDocument()`. */
  document?: object;
  /** How long `/readyz` waits for each server's check. Default 5000 ms. */
  readyTimeoutMs?: number;
}

export interface ServerReadiness {
  name: string;
  ok: boolean;
  detail?: string;
}

const DETAIL_MAX = 300;

/** What Swagger UI at /docs needs, and no framing by any site (clickjacking "Try it out"). */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it takes out
const CONTROL_CHARS = /[\x00-\x1f\x7f]+/g;

/**
 * The registry's details are fixed sentences (`login refused (530)`); this is
 * the second line: nothing credential-shaped, no control characters, bounded.
 */
function safeDetail(detail: unknown): string | undefined {
  if (typeof detail !== 'string' || detail === '') return undefined;
  const clean = scrubSecrets(detail).replace(CONTROL_CHARS, ' ').trim();
  return clean.length > DETAIL_MAX ? `${clean.slice(0, DETAIL_MAX - 1)}…` : clean;
}

/** One server's check, bounded: a hung server is "not ready", not a hung probe. */
async function checkOne(registry: ReadinessRegistry, name: string, timeoutMs: number): Promise<ServerReadiness> {
  let timer: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  const timeout = new Promise<{ ok: boolean; detail?: string }>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` });
      controller.abort(new Error('readiness check timed out'));
    }, timeoutMs);
    timer.unref();
  });
  try {
    const result = await Promise.race([registry.check(name, controller.signal), timeout]);
    const detail = safeDetail(result.detail);
    return detail === undefined ? { name, ok: result.ok === true } : { name, ok: result.ok === true, detail };
  } catch (error) {
    // No key is needed here: an error's message (a reply text, a URL) is never shown.
    return { name, ok: false, detail: readinessDetail(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every configured server in parallel. */
export async function checkReadiness(registry: ReadinessRegistry, timeoutMs: number): Promise<ServerReadiness[]> {
  return Promise.all(registry.list().map(({ name }) => checkOne(registry, name, timeoutMs)));
}

/**
 * `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and `/docs`: the routes
 * that need no API key. Mount at the application root.
 */
export function createOpsRouter(deps: OpsRouterDeps): Router {
  const router = express.Router();
  const document = deps.document ?? loadOpenApiDocument();
  const readyTimeoutMs = deps.readyTimeoutMs ?? 5000;

  router.get('/healthz', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const servers = await checkReadiness(deps.registry, readyTimeoutMs);
    res
      .status(servers.every((s) => s.ok) ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ servers });
  });

  router.get('/metrics', async (_req: Request, res: Response) => {
    const text = await deps.metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(deps.metrics.registry.contentType).send(text);
  });

  router.get('/openapi.json', (_req: Request, res: Response) => {
    res.json(document);
  });

  // The page and its assets, the redirect included, under DOCS_CSP.
  router.use('/docs', (_req: Request, res: Response, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });

  // Swagger UI's page loads its assets by relative URL (`./swagger-ui.css`),
  // so it must be served at `/docs/`; `/docs` redirects there. Assets come
  // from the swagger-ui-dist package on disk: no CDN. The validator badge
  // would call an external service, so it is off.
  const page = swaggerUi.setup(document as swaggerUi.JsonObject, {
    customSiteTitle: 'ftp-gateway API',
    swaggerOptions: { validatorUrl: null },
  });
  router.get('/docs', (req: Request, res: Response, next) => {
    const [pathname = '', query] = req.originalUrl.split('?', 2);
    if (!pathname.endsWith('/')) {
      // No body: the contract's /docs answers are the page or this redirect.
      res
        .status(301)
        .location(`${pathname}/${query === undefined ? '' : `?${query}`}`)
        .end();
      return;
    }
    page(req, res, next);
  });
  router.use('/docs', swaggerUi.serveFiles(document as swaggerUi.JsonObject, { swaggerOptions: { validatorUrl: null } }));

  return router;
}
