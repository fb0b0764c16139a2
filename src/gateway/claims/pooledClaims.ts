import type { FtpSession } from '../../ftp/index.js';
import type { ClaimPlace, ClaimStep } from '../webhooks/webhookWatches.js';
import { accountScope, type ServerRegistry } from '../serverRegistry.js';
import { claimView } from './claimOps.js';
import type { ClaimService, ClaimTarget } from './claimService.js';

/**
 * Claims for callers without a request to borrow a session from: webhook
 * watches with `claim: true` (src/gateway/webhooks). Each call takes a
 * session from the configured server's own pool; a watch is never on a
 * pass-through server (there is no caller to log in with). It is the
 * webhooks' ClaimStep: claim this very file (for the lease the watch's
 * retries need), ack (delete), release. Claiming also sweeps the folder and
 * keeps it swept while in use.
 */
export interface PooledClaimsOptions {
  /** Bound on each call (default 60 s). */
  timeoutMs?: number;
}

export function pooledClaims(service: ClaimService, registry: ServerRegistry, options: PooledClaimsOptions = {}): ClaimStep {
  const timeoutMs = options.timeoutMs ?? 60_000;

  const use = async <T>(
    place: ClaimPlace,
    fn: (session: FtpSession, target: ClaimTarget, signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const handle = registry.get(place.server);
    if (handle === undefined || handle.passThrough) throw new Error(`claims need a configured server with a login: ${place.server}`);
    const pool = handle.pool(null);
    const signal = AbortSignal.timeout(timeoutMs);
    return pool.use(
      (session) => {
        const root = handle.rootPath(pool);
        if (root === null) throw new Error('the root is known once the pool has a session');
        const target: ClaimTarget = {
          server: handle.name,
          scope: accountScope(handle.name, null),
          mode: handle.config.mode,
          root,
          folder: place.folder,
        };
        return fn(session, target, signal);
      },
      { signal },
    );
  };

  return {
    async claim(place, file, leaseMs) {
      let swept: ClaimTarget | undefined;
      const claim = await use(place, async (session, target, signal) => {
        swept = target;
        await service.sweep(session, target, signal);
        const modifiedAt = file.modifiedAt === null ? null : new Date(file.modifiedAt);
        return service.takeNamed(session, target, { name: file.name, size: file.size, modifiedAt }, leaseMs, signal);
      });
      if (swept !== undefined) {
        const handle = registry.get(place.server);
        const pool = handle?.pool(null);
        if (pool !== undefined) service.keepSwept(swept, leaseMs, (fn, signal) => pool.use(fn, { signal }));
      }
      return claim === null ? null : claimView(claim);
    },
    ack: (place, id) => use(place, (session, target, signal) => service.ack(session, target, id, { disposition: 'delete' }, signal)),
    release: (place, id) => use(place, (session, target, signal) => service.release(session, target, id, signal)),
  };
}
