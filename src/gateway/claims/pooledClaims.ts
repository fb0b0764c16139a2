import type { FtpSession } from '../../ftp/index.js';
import { accountScope, type ServerRegistry } from '../serverRegistry.js';
import type { ClaimService, ClaimTarget } from './claimService.js';

/**
 * Claims for callers without a request to borrow a session from: webhook
 * watches with `claim: true` (src/gateway/webhooks). Each call takes a
 * session from the configured server's own pool; a watch is never on a
 * pass-through server (there is no caller to log in with). The shape is
 * the webhooks' ClaimStep: claim this very file, ack (delete), release.
 * Claiming also sweeps the folder and keeps it swept while in use.
 */
export interface PooledClaimPlace {
  server: string;
  /** Root-relative segments of the watched folder. */
  folder: readonly string[];
}

export interface PooledClaim {
  id: string;
  path: string;
  name: string;
  size: number | null;
  modifiedAt: string | null;
}

export interface PooledClaimsOptions {
  /** Bound on each call (default 60 s). */
  timeoutMs?: number;
}

export interface PooledClaims {
  /** `leaseMs`: the caller's worst case until it acks or releases (a webhook's: all its attempts). */
  claim(
    place: PooledClaimPlace,
    file: { name: string; size: number | null; modifiedAt: string | null },
    leaseMs: number,
  ): Promise<PooledClaim | null>;
  ack(place: PooledClaimPlace, id: string): Promise<void>;
  release(place: PooledClaimPlace, id: string): Promise<void>;
  sweep(place: PooledClaimPlace): Promise<void>;
}

export function pooledClaims(service: ClaimService, registry: ServerRegistry, options: PooledClaimsOptions = {}): PooledClaims {
  const timeoutMs = options.timeoutMs ?? 60_000;

  const use = async <T>(
    place: PooledClaimPlace,
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
      if (claim === null) return null;
      return {
        id: claim.id,
        path: claim.path,
        name: claim.name,
        size: claim.size,
        modifiedAt: claim.modifiedAt?.toISOString() ?? null,
      };
    },
    ack: (place, id) => use(place, (session, target, signal) => service.ack(session, target, id, { disposition: 'delete' }, signal)),
    release: (place, id) => use(place, (session, target, signal) => service.release(session, target, id, signal)),
    sweep: (place) => use(place, (session, target, signal) => service.sweep(session, target, signal)),
  };
}
