import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { requestContext } from './context.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { HttpError } from './httpError.js';
import { requestLogger } from './middleware/requestLogger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { apiKeyAuth } from './middleware/auth.js';
import { cors } from './middleware/cors.js';
import { createApiRouter } from './routes/api.js';
import { createOpsRouter } from './routes/ops.js';
import { createUiRouter } from './routes/ui.js';
import type { ServerRegistry } from '../gateway/serverRegistry.js';
import type { TransferRegistry } from '../gateway/transferRegistry.js';
import type { WatchHub } from '../gateway/watch/watchHub.js';
import type { ClaimService } from '../gateway/claims/claimService.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  registry: ServerRegistry;
  transfers: TransferRegistry;
  metrics: GatewayMetrics;
  /** (v1.1) The process's watched folders. */
  watchHub: WatchHub;
  /** (v1.1) Claims: per-process memory and periodic sweeps (src/gateway/claims). */
  claims: ClaimService;
  /** True once shutdown began: every new request gets 503 + Connection: close. */
  shuttingDown: () => boolean;
  /** The OpenAPI document for /openapi.json and /docs (default: the committed one). */
  openApiDocument?: object;
  readyTimeoutMs?: number;
}

/** Composition only: middleware order, routers, the one error handler. No listen. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    requestLogger(deps.logger, {
      onComplete: ({ method, route, status, seconds }) => deps.metrics.httpRequest(method, route, status, seconds),
    }),
  );
  app.use(requestContext());
  // Every answer is what its Content-Type says: a browser never guesses a
  // file (or an error echoing a path) into HTML or script.
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use((_req, res, next) => {
    if (!deps.shuttingDown()) return next();
    res.setHeader('Connection', 'close');
    next(new HttpError(503, 'SHUTTING_DOWN', 'the gateway is shutting down', { headers: { 'Retry-After': '5' } }));
  });
  app.use(cors(deps.config.cors.origins));
  app.use(
    createOpsRouter({
      registry: deps.registry,
      metrics: deps.metrics,
      ...(deps.openApiDocument ? { document: deps.openApiDocument } : {}),
      ...(deps.readyTimeoutMs ? { readyTimeoutMs: deps.readyTimeoutMs } : {}),
    }),
  );
  app.use(createUiRouter()); // static page; it asks for the key and sends it on its API calls
  app.use('/api/v1', apiKeyAuth(deps.config.auth), createApiRouter({ ...deps }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
