import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ServerRegistry } from '../gateway/serverRegistry.js';
import type { TransferRegistry } from '../gateway/transferRegistry.js';
import type { WatchHub } from '../gateway/watch/watchHub.js';
import type { ClaimService } from '../gateway/claims/claimService.js';

/** What the route modules need; built once by createApp. */
export interface RouteDeps {
  config: Config;
  logger: Logger;
  registry: ServerRegistry;
  transfers: TransferRegistry;
  metrics: GatewayMetrics;
  watchHub: WatchHub;
  claims: ClaimService;
}
