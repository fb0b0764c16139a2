import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { kernelRelay } from '../relay/index.js';
import { createApp } from './app.js';
import { subscribeFtpLogging } from '../observability/logging.js';
import { createMetrics } from '../observability/metrics.js';
import { ServerRegistry, type ConnectFn } from '../gateway/serverRegistry.js';
import { TransferRegistry } from '../gateway/transferRegistry.js';
import { WatchHub } from '../gateway/watch/watchHub.js';
import { WebhookWatches, checkWebhookWatches, type ClaimStep } from '../gateway/webhooks/webhookWatches.js';
import { ClaimService } from '../gateway/claims/claimService.js';
import { pooledClaims } from '../gateway/claims/pooledClaims.js';

/**
 * The HTTP side as main.ts sees it: an express app (main listens), and the
 * shutdown steps: beginShutdown (new requests → 503), waitForTransfers (the
 * grace period), close (cut what still runs, QUIT the pooled sessions).
 */
export interface Gateway {
  app: Express;
  beginShutdown(): void;
  close(): Promise<void>;
  activeTransfers(): number;
  waitForTransfers(ms: number): Promise<boolean>;
}

export interface GatewayOptions {
  /** Session factory (tests inject fakes); default connectFtp. */
  connect?: ConnectFn;
  openApiDocument?: object;
  /** How long `/readyz` waits for each server (default 5000 ms). */
  readyTimeoutMs?: number;
  /** What webhook watches with `claim: true` claim through; default: the gateway's own claims service (src/gateway/claims), on each server's pool. */
  claims?: ClaimStep;
}

export async function createGateway(config: Config, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  checkWebhookWatches(
    config.watches,
    config.servers.map((s) => ({ name: s.name, passThrough: s.user === null })),
  );
  // Before any transfer: the kernel relay carries data only once its self-test passed in this process.
  const relay = await kernelRelay.check();
  if (!relay.enabled && kernelRelay.built)
    logger.warn({ reason: relay.reason }, 'kernel relay off: its self-test failed; downloads stream through Node');
  const metrics = createMetrics();
  const unsubscribeLogging = subscribeFtpLogging(logger);
  const registry = new ServerRegistry(config.servers, {
    logger,
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const untrackPools = metrics.trackPools(() => registry.poolStats());
  const transfers = new TransferRegistry();
  const watchHub = new WatchHub({ logger, metrics, maxEntries: config.limits.maxListEntries });
  const claims = new ClaimService({
    logger,
    count: (server, outcome, n) => metrics.claims(server, outcome, n),
    // Claims on a watched folder observe into its poller's record: one stability judgement per folder.
    watched: (scope, folder) => watchHub.versions(scope, folder),
  });
  const webhooks = new WebhookWatches({
    watches: config.watches,
    registry,
    hub: watchHub,
    logger,
    metrics,
    claims: options.claims ?? pooledClaims(claims, registry),
  });
  webhooks.start();
  let shuttingDown = false;
  const app = createApp({
    config,
    logger,
    registry,
    transfers,
    metrics,
    watchHub,
    claims,
    shuttingDown: () => shuttingDown,
    ...(options.openApiDocument ? { openApiDocument: options.openApiDocument } : {}),
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
  let closed: Promise<void> | undefined;
  return {
    app,
    beginShutdown() {
      shuttingDown = true;
      // Event streams never finish by themselves: end them now, so that their
      // callers reconnect (to another replica) instead of holding the grace period.
      watchHub.close();
    },
    close() {
      closed ??= (async () => {
        shuttingDown = true;
        claims.close();
        const cut = transfers.abortAll(new Error('gateway shutting down'));
        for (const t of cut) {
          logger.warn(
            { transfer: { id: t.id, server: t.server, path: t.path, direction: t.direction, bytes: t.bytes } },
            'transfer cut at shutdown',
          );
        }
        // Claims held by deliveries in flight go back to their folder while the pools still work.
        await webhooks.close();
        watchHub.close();
        await registry.close();
        untrackPools();
        metrics.close();
        unsubscribeLogging();
      })();
      return closed;
    },
    activeTransfers: () => transfers.count(),
    waitForTransfers: (ms) => transfers.waitForIdle(ms),
  };
}

export type { AppDeps } from './app.js';
export { createApp } from './app.js';
export { createHttpServer } from './httpServer.js';
export { HttpError } from './httpError.js';
export { ServerRegistry } from '../gateway/serverRegistry.js';
