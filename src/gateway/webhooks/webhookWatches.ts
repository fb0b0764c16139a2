import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { WebhookWatchConfig } from '../../config/index.js';
import { accountScope, type ServerRegistry } from '../serverRegistry.js';
import type { WatchEvent } from '../watch/folderPoller.js';
import { compileGlob } from '../watch/glob.js';
import type { WatchHub } from '../watch/watchHub.js';
import { logSafe } from '../../observability/logSafe.js';
import { postSigned } from './webhookPost.js';

/**
 * The config's `watches` (contract v1.1 "Events"): each is a permanent
 * subscriber of its folder's poller, and POSTs every `stable` file to its
 * URL, signed, retrying with exponential backoff up to `retries` times.
 *
 * With `claim: true` a file is first taken through a claim (the injected
 * ClaimStep: a rename on the FTP server, which one replica wins), so that
 * however many replicas watch the folder, one delivers it; a 2xx acks the
 * claim, a failure after the last retry releases it back to the folder.
 */
export interface ClaimedFile {
  id: string;
  /** Where the file is now, root-relative. */
  path: string;
  name: string;
  size: number | null;
  modifiedAt: string | null;
}

/** A watched folder of a configured (not pass-through) server. */
export interface ClaimPlace {
  server: string;
  /** Root-relative segments. */
  folder: readonly string[];
}

/**
 * What a webhook needs of claims: the claims module's service behind three
 * calls (it borrows its own pooled sessions). Injected (createGateway wires
 * the gateway's own claims service; tests a recording fake).
 */
export interface ClaimStep {
  /**
   * Claims this very file, as the stable event saw it, for `leaseMs` (see
   * claimLeaseMs); null when it is gone or another consumer took it.
   */
  claim(
    place: ClaimPlace,
    file: { name: string; size: number | null; modifiedAt: string | null },
    leaseMs: number,
  ): Promise<ClaimedFile | null>;
  /** After a 2xx: the file is done with (disposition `delete`). */
  ack(place: ClaimPlace, id: string): Promise<void>;
  /** After the last failed retry, or at shutdown: back into the folder. */
  release(place: ClaimPlace, id: string): Promise<void>;
}

/** The longest wait between two attempts: what a timer can hold (a longer delay would fire at once). */
const MAX_RETRY_DELAY_MS = 2_147_483_647;
/**
 * Beyond the attempts, a claim's lease covers the claim call that starts it
 * and the ack or release that ends it (each bounded by 60 s in pooledClaims).
 */
const LEASE_MARGIN_MS = 60_000;

/** The wait before attempt `attempt` (1 = the first retry): retryBaseMs, then twice that, and so on. */
export function retryDelayMs(watch: Pick<WebhookWatchConfig, 'retryBaseMs'>, attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, watch.retryBaseMs * 2 ** (attempt - 1));
}

/**
 * The lease of a `claim: true` delivery: every attempt timing out, the
 * waits between them, and a margin. A shorter lease would let a sweep
 * return the file to the folder while this replica still retries, and a
 * second replica deliver it too.
 */
export function claimLeaseMs(watch: Pick<WebhookWatchConfig, 'retries' | 'retryBaseMs' | 'timeoutMs'>): number {
  let total = (watch.retries + 1) * watch.timeoutMs + LEASE_MARGIN_MS;
  for (let attempt = 1; attempt <= watch.retries; attempt++) total += retryDelayMs(watch, attempt);
  return total;
}

export interface WebhookMetrics {
  webhookDelivery(outcome: 'delivered' | 'retry' | 'failed'): void;
}

export interface WebhookWatchesOptions {
  watches: readonly WebhookWatchConfig[];
  registry: ServerRegistry;
  hub: WatchHub;
  logger: Logger;
  metrics?: WebhookMetrics;
  /** What watches with `claim: true` claim through. */
  claims: ClaimStep;
  /** Deliveries in flight per watch. */
  concurrency?: number;
  /** Stable files waiting per watch; beyond it they are dropped (logged): the next gateway start sees them again. */
  maxPending?: number;
}

/**
 * What the config schema cannot see: a watch on a pass-through server (no
 * caller to log in with) or on no server at all. createGateway calls it
 * before it starts anything, so a refusal leaves nothing behind.
 * `passThrough: null`: no such server.
 */
export function checkWebhookWatches(
  watches: readonly WebhookWatchConfig[],
  servers: readonly { name: string; passThrough: boolean | null }[],
): void {
  watches.forEach((watch, index) => {
    const server = servers.find((s) => s.name === watch.server);
    if (server === undefined || server.passThrough === null) throw new Error(`watches[${index}]: no server ${watch.server}`);
    if (server.passThrough)
      throw new Error(`watches[${index}]: server ${watch.server} is pass-through: a watch has no caller to log in with`);
  });
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_PENDING = 10_000;

export class WebhookWatches {
  readonly #options: WebhookWatchesOptions;
  readonly #closing = new AbortController();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #inFlight = new Set<Promise<void>>();

  /** Throws, before anything starts, on what checkWebhookWatches refuses. */
  constructor(options: WebhookWatchesOptions) {
    this.#options = options;
    checkWebhookWatches(
      options.watches,
      options.watches.map((watch) => ({ name: watch.server, passThrough: options.registry.get(watch.server)?.passThrough ?? null })),
    );
  }

  start(): void {
    this.#options.watches.forEach((watch, index) => {
      this.#startWatch(watch, index);
    });
  }

  /** Stops watching; deliveries in flight are cut, and their claims released. */
  async close(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#closing.abort(new Error('gateway shutting down'));
    await Promise.allSettled([...this.#inFlight]);
  }

  #startWatch(watch: WebhookWatchConfig, index: number): void {
    const { registry, hub, logger } = this.#options;
    const handle = registry.get(watch.server);
    if (handle === undefined) return;
    const queue: WatchEvent[] = [];
    let running = 0;
    const concurrency = this.#options.concurrency ?? DEFAULT_CONCURRENCY;
    const maxPending = this.#options.maxPending ?? DEFAULT_MAX_PENDING;
    const pump = (): void => {
      while (running < concurrency && queue.length > 0 && !this.#closing.signal.aborted) {
        const event = queue.shift() as WatchEvent;
        running++;
        const done = this.#deliver(watch, index, event).finally(() => {
          running--;
          this.#inFlight.delete(done);
          pump();
        });
        this.#inFlight.add(done);
      }
    };
    const unsubscribe = hub.subscribe(
      { handle, pool: handle.pool(null), scope: accountScope(handle.name, null), segments: watch.segments },
      {
        matches: compileGlob(watch.pattern),
        stableMs: watch.stableMs,
        onEvent: (event) => {
          if (event.kind !== 'stable') return;
          if (queue.length >= maxPending) {
            this.#options.metrics?.webhookDelivery('failed');
            logger.warn({ watch: index, pending: queue.length }, 'webhook queue full: a stable file is not delivered');
            return;
          }
          queue.push(event);
          pump();
        },
        onFailure: () => undefined, // the hub logs failed polls
      },
      { initial: false },
    );
    this.#unsubscribe.push(unsubscribe);
  }

  async #deliver(watch: WebhookWatchConfig, index: number, event: WatchEvent): Promise<void> {
    const { logger, metrics, claims } = this.#options;
    const signal = this.#closing.signal;
    const { name } = event.entry;
    let file: ClaimedFile = {
      id: event.id,
      path: watch.path === '' ? name : `${watch.path}/${name}`,
      name,
      size: event.entry.size,
      modifiedAt: event.entry.modifiedAt,
    };
    let claimId: string | undefined;
    if (watch.claim) {
      try {
        const claimed = await claims.claim(
          { server: watch.server, folder: watch.segments },
          { name, size: event.entry.size, modifiedAt: event.entry.modifiedAt },
          claimLeaseMs(watch),
        );
        if (claimed === null) return; // another replica has it, or it is gone
        file = claimed;
        claimId = claimed.id;
      } catch (error) {
        logger.warn({ watch: index, err: logSafe(error) }, 'webhook: claiming a stable file failed; the next stable event tries again');
        return;
      }
    }
    const body = JSON.stringify({
      id: event.id,
      event: 'stable',
      server: watch.server,
      path: file.path,
      name: file.name,
      size: file.size,
      modifiedAt: file.modifiedAt,
    });
    // Where it goes, for the log: the origin only (a URL's path or query may hold a token).
    const target = new URL(watch.url).origin;
    for (let attempt = 0; attempt <= watch.retries && !signal.aborted; attempt++) {
      if (attempt > 0) {
        try {
          await sleep(retryDelayMs(watch, attempt), undefined, { signal });
        } catch {
          break;
        }
      }
      const outcome = await postSigned(watch.url, watch.secret, body, { timeoutMs: watch.timeoutMs, signal });
      if (outcome.ok) {
        metrics?.webhookDelivery('delivered');
        if (claimId !== undefined) await this.#settleClaim('ack', watch, index, claimId);
        return;
      }
      if (signal.aborted) break;
      const last = attempt === watch.retries;
      metrics?.webhookDelivery(last ? 'failed' : 'retry');
      logger[last ? 'warn' : 'info'](
        { watch: index, target, attempt: attempt + 1, status: outcome.status, reason: outcome.reason },
        last ? 'webhook delivery failed after its retries' : 'webhook delivery failed; retrying',
      );
    }
    if (claimId !== undefined) await this.#settleClaim('release', watch, index, claimId);
  }

  async #settleClaim(how: 'ack' | 'release', watch: WebhookWatchConfig, index: number, id: string): Promise<void> {
    try {
      await this.#options.claims[how]({ server: watch.server, folder: watch.segments }, id);
    } catch (error) {
      // The claim's lease returns the file to the folder in any case.
      this.#options.logger.warn(
        { watch: index, claim: id, err: logSafe(error) },
        `webhook: ${how} of a claim failed; its lease will expire`,
      );
    }
  }
}
