import type { Logger } from 'pino';
import { isFtpError, type FtpPool } from '../../ftp/index.js';
import { logSafe } from '../../observability/logSafe.js';
import { joinRoot } from '../ftpPaths.js';
import { isGatewayError } from '../gatewayError.js';
import type { ServerHandle } from '../serverRegistry.js';
import { FolderPoller, type SubscribeOptions, type WatchEvent, type WatchSubscriber } from './folderPoller.js';
import type { FolderVersions } from './stabilityMemory.js';

/**
 * The process's watched folders: one FolderPoller per folder and session
 * pool (a pass-through server's callers each have their own pool, so their
 * own poller), created by the first subscriber. A poller whose last
 * subscriber left stops at once and is kept, idle, for `retainMs`, so that
 * a caller that reconnects with Last-Event-ID resumes instead of starting
 * over; at most `maxRetained` are kept. A running poller's record of its
 * folder's file versions is what claims on that folder observe into
 * (versions()), so events and claims judge stability once.
 */
export interface WatchTarget {
  handle: ServerHandle;
  pool: FtpPool;
  /** Whose view of the server (accountScope): claims in the same scope and folder share this poller's record. */
  scope: string;
  /** The folder, as checked root-relative segments. */
  segments: readonly string[];
}

/** What the metrics count (src/observability/metrics.ts implements it). */
export interface WatchMetrics {
  watchEvents(kind: WatchEvent['kind'], count: number): void;
  watchPoll(ok: boolean): void;
  /** Pollers polling now, read on each scrape. */
  trackPollers(source: () => number): () => void;
}

export interface WatchHubOptions {
  logger: Logger;
  /** A watched folder with more entries fails its polls (limits.maxListEntries). */
  maxEntries: number;
  metrics?: WatchMetrics;
  /** How long a stopped poller's state and events are kept for resuming callers (default 5 minutes). */
  retainMs?: number;
  /** Stopped pollers kept at most (default 64)... */
  maxRetained?: number;
  /** ...holding at most this many entries together (default 200,000): a large folder's state is not kept for long. */
  maxRetainedEntries?: number;
}

/** Failure codes an `error` event may carry: fixed words, never server text. */
export type WatchFailureCode = 'FOLDER_NOT_FOUND' | 'SERVER_UNAVAILABLE' | 'LOGIN_REFUSED' | 'PERMISSION_DENIED' | 'WATCH_FAILED';

interface Watched {
  poller: FolderPoller;
  /** Its key in #byFolder. */
  folder: string;
  /** Set while the poller is idle and kept for resuming callers. */
  expiry: NodeJS.Timeout | undefined;
}

export class WatchHub {
  readonly #options: WatchHubOptions;
  readonly #watched = new Map<string, Watched>();
  /** The last subscribed poller of each folder by scope (a pass-through caller's pool may be replaced: its key changes, its scope does not). */
  readonly #byFolder = new Map<string, FolderPoller>();
  readonly #poolIds = new WeakMap<FtpPool, number>();
  #nextPoolId = 0;
  #closed = false;
  readonly #untrack: () => void;

  constructor(options: WatchHubOptions) {
    this.#options = options;
    this.#untrack = options.metrics?.trackPollers(() => this.running()) ?? noop;
  }

  /** Pollers polling now (with subscribers). */
  running(): number {
    let n = 0;
    for (const { poller } of this.#watched.values()) if (poller.running || poller.subscribers > 0) n++;
    return n;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Throws once closed (the gateway is shutting down): check `closed` first. */
  subscribe(target: WatchTarget, subscriber: WatchSubscriber, options: SubscribeOptions): () => void {
    if (this.#closed) throw new Error('watch hub closed');
    const key = this.#key(target);
    let watched = this.#watched.get(key);
    if (watched === undefined) {
      watched = { poller: this.#newPoller(key, target), folder: folderKey(target.scope, target.segments), expiry: undefined };
      this.#watched.set(key, watched);
    }
    this.#byFolder.set(watched.folder, watched.poller);
    clearTimeout(watched.expiry);
    watched.expiry = undefined;
    return watched.poller.subscribe(subscriber, options);
  }

  /**
   * The record of file versions of a folder a poller is watching now (with
   * subscribers), for claims to observe into; undefined when none is.
   */
  versions(scope: string, segments: readonly string[]): FolderVersions | undefined {
    const poller = this.#byFolder.get(folderKey(scope, segments));
    return poller !== undefined && poller.subscribers > 0 ? poller.versions : undefined;
  }

  close(): void {
    this.#closed = true;
    for (const { poller, expiry } of this.#watched.values()) {
      clearTimeout(expiry);
      poller.close();
    }
    this.#watched.clear();
    this.#byFolder.clear();
    this.#untrack();
  }

  #key(target: WatchTarget): string {
    let id = this.#poolIds.get(target.pool);
    if (id === undefined) {
      id = this.#nextPoolId++;
      this.#poolIds.set(target.pool, id);
    }
    return `${target.handle.name}\0${id}\0${target.segments.join('/')}`;
  }

  #newPoller(key: string, target: WatchTarget): FolderPoller {
    const { handle, pool, segments } = target;
    const { logger, metrics, maxEntries } = this.#options;
    const folder = segments.join('/');
    const poller: FolderPoller = new FolderPoller({
      pollMs: handle.config.watch.pollMs,
      // One pooled session per poll, released when the listing is read: never held between polls.
      list: (signal) =>
        pool.use(
          async (session) => {
            const root = handle.rootPath(pool);
            if (root === null) throw new Error('the root is known once the pool has a session');
            return session.list(joinRoot(root, segments), { signal, mode: handle.config.mode, maxEntries });
          },
          { signal, retry: true },
        ),
      classify: (error) => {
        const code = failureCode(error);
        logger.warn({ server: handle.name, folder, code, err: logSafe(error) }, 'watch poll failed');
        return code;
      },
      onPoll: ({ ok, events }) => {
        metrics?.watchPoll(ok);
        const counts = new Map<WatchEvent['kind'], number>();
        for (const event of events) counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1);
        for (const [kind, count] of counts) metrics?.watchEvents(kind, count);
      },
      onIdle: () => this.#retain(key, poller),
    });
    return poller;
  }

  #retain(key: string, poller: FolderPoller): void {
    const watched = this.#watched.get(key);
    if (watched?.poller !== poller) return;
    watched.expiry = setTimeout(() => this.#forget(key, poller), this.#options.retainMs ?? 5 * 60_000);
    watched.expiry.unref();
    // Over a bound, the idle poller kept longest goes first (a Map iterates in insertion order).
    const maxCount = this.#options.maxRetained ?? 64;
    const maxEntries = this.#options.maxRetainedEntries ?? 200_000;
    const idle = [...this.#watched.entries()].filter(([, w]) => w.expiry !== undefined);
    let entries = idle.reduce((n, [, w]) => n + w.poller.entries, 0);
    let kept = idle.length;
    for (const [oldKey, oldest] of idle) {
      if (kept <= maxCount && entries <= maxEntries) break;
      kept--;
      entries -= oldest.poller.entries;
      this.#forget(oldKey, oldest.poller);
    }
  }

  #forget(key: string, poller: FolderPoller): void {
    const watched = this.#watched.get(key);
    if (watched?.poller !== poller || poller.subscribers > 0) return;
    clearTimeout(watched.expiry);
    this.#watched.delete(key);
    if (this.#byFolder.get(watched.folder) === poller) this.#byFolder.delete(watched.folder);
    poller.close();
  }
}

function folderKey(scope: string, segments: readonly string[]): string {
  return `${scope}\0${segments.join('/')}`;
}

function failureCode(error: unknown): WatchFailureCode {
  if (isGatewayError(error) && error.code === 'NOT_FOUND') return 'FOLDER_NOT_FOUND';
  if (isFtpError(error)) {
    switch (error.category) {
      case 'not-found':
        return 'FOLDER_NOT_FOUND';
      case 'unavailable':
      case 'timeout':
        return 'SERVER_UNAVAILABLE';
      case 'auth':
        return 'LOGIN_REFUSED';
      case 'permission':
        return 'PERMISSION_DENIED';
      default:
        return 'WATCH_FAILED';
    }
  }
  return 'WATCH_FAILED';
}

function noop(): void {
  /* no metrics */
}
