import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ftpChannels } from '../ftp/index.js';
import type { FtpReplyEvent, FtpSessionEvent, FtpTransferEvent } from '../ftp/index.js';

export type TransferDirection = 'upload' | 'download';

export interface PoolStatsSnapshot {
  server: string;
  stats: { size: number; idle: number; busy: number; waiting: number; max: number; effectiveMax: number };
}

export type PoolStatsSource = () => Iterable<PoolStatsSnapshot>;

/**
 * The gateway's Prometheus metrics. Every label value is either a configured
 * name (server), a fixed vocabulary (direction, mode, type, method, state) or a
 * number (status, FTP code): never a credential, key, message or user path.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** `route` is the route pattern (`/api/v1/servers/:server/files/*path`), never the request path. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  transferBytes(server: string, direction: TransferDirection, mode: string, type: string, bytes: number): void;
  transferDuration(server: string, direction: TransferDirection, mode: string, type: string, ok: boolean, seconds: number): void;
  /** Claims (contract v1.1): taken, acked, released, expired (returned by this process's sweeps), lost (renames another claim won). */
  claims(server: string, outcome: 'taken' | 'acked' | 'released' | 'expired' | 'lost', n: number): void;
  /** Pool gauges are read from `source` on every scrape. Returns a function that stops tracking it. */
  trackPools(source: PoolStatsSource): () => void;
  /** (v1.1) Events: a poll of a watched folder ended, ok or failed. */
  watchPoll(ok: boolean): void;
  /** Events a poller produced, by kind (created, changed, stable, deleted). */
  watchEvents(kind: string, count: number): void;
  /** Pollers polling now, read from `source` on every scrape. Returns a function that stops tracking it. */
  trackPollers(source: () => number): () => void;
  /** A webhook delivery attempt ended: `delivered` (2xx), `retry` (failed, tried again) or `failed` (given up). */
  webhookDelivery(outcome: 'delivered' | 'retry' | 'failed'): void;
  /** Unsubscribes from the FTP diagnostics channels. */
  close(): void;
}

const WATCH_EVENT_KINDS = new Set(['created', 'changed', 'stable', 'deleted', 'existing']);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']);
/** Anything that is not a short plain token becomes `other`, so a stray user value cannot grow a series per request. */
const TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** A route pattern: `/`-separated, express path syntax; no query, no spaces, bounded. */
const ROUTE = /^[A-Za-z0-9_.:/*{}-]{1,200}$/;

function token(value: string): string {
  return TOKEN.test(value) ? value : 'other';
}

function route(value: string): string {
  return ROUTE.test(value) ? value : 'other';
}

function method(value: string): string {
  const upper = value.toUpperCase();
  return HTTP_METHODS.has(upper) ? upper : 'OTHER';
}

function finite(value: number): number | undefined {
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Byte-size buckets are not needed: bytes are counters. Durations span a LIST to a multi-GB download. */
const TRANSFER_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests completed, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration until the response finished, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const transferBytes = new Counter({
    name: 'gateway_transfer_bytes_total',
    help: 'File bytes moved through the gateway, by server, direction, data connection mode and transfer type',
    labelNames: ['server', 'direction', 'mode', 'type'] as const,
    registers: [registry],
  });
  const transferDuration = new Histogram({
    name: 'gateway_transfer_duration_seconds',
    help: 'Duration of gateway file transfers, by server, direction, mode, type and outcome',
    labelNames: ['server', 'direction', 'mode', 'type', 'outcome'] as const,
    buckets: TRANSFER_SECONDS,
    registers: [registry],
  });

  const claims = new Counter({
    name: 'gateway_claims_total',
    help: 'Claims by server and outcome: taken, acked, released, expired (returned by a sweep of this process), lost (a rename race another claim won)',
    labelNames: ['server', 'outcome'] as const,
    registers: [registry],
  });

  // Pool gauges are computed when scraped; a server that disappears from the
  // source disappears from the output because each collect starts from reset().
  const sources = new Set<PoolStatsSource>();
  const snapshot = (): PoolStatsSnapshot[] => {
    const all: PoolStatsSnapshot[] = [];
    for (const source of sources) {
      try {
        for (const entry of source()) all.push(entry);
      } catch {
        // A failing source must not break the whole scrape; its series are simply absent.
      }
    }
    return all;
  };
  const poolGauge = (name: string, help: string, pick: (s: PoolStatsSnapshot['stats']) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['server'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { server, stats } of snapshot()) this.set({ server: token(server) }, pick(stats));
      },
    });
  };
  new Gauge({
    name: 'ftp_pool_sessions',
    help: 'Pooled FTP sessions by server and state (idle, busy)',
    labelNames: ['server', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { server, stats } of snapshot()) {
        this.set({ server: token(server), state: 'idle' }, stats.idle);
        this.set({ server: token(server), state: 'busy' }, stats.busy);
      }
    },
  });
  poolGauge('ftp_pool_waiting', 'Requests waiting for a pooled FTP session', (s) => s.waiting);
  poolGauge('ftp_pool_size', 'FTP sessions held by the pool (idle, busy and being created)', (s) => s.size);
  poolGauge('ftp_pool_max', 'Configured maximum of pooled FTP sessions', (s) => s.max);
  poolGauge('ftp_pool_effective_max', 'Maximum pooled FTP sessions after the server limited logins', (s) => s.effectiveMax);

  // The FTP layer's own events: reply codes, sessions and data transfers.
  const ftpReplies = new Counter({
    name: 'ftp_replies_total',
    help: 'FTP replies received, by reply code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const sessionsOpened = new Counter({ name: 'ftp_sessions_opened_total', help: 'FTP control connections opened', registers: [registry] });
  const sessionsClosed = new Counter({ name: 'ftp_sessions_closed_total', help: 'FTP control connections closed', registers: [registry] });
  const sessionsOpen = new Gauge({ name: 'ftp_sessions_open', help: 'FTP control connections currently open', registers: [registry] });
  const ftpTransfers = new Counter({
    name: 'ftp_data_transfers_total',
    help: 'FTP data connections completed, by direction (upload, download, list), method (EPSV, PASV, EPRT, PORT), type and outcome',
    labelNames: ['direction', 'method', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const ftpTransferBytes = new Counter({
    name: 'ftp_data_bytes_total',
    help: 'Bytes moved over FTP data connections, by direction, method and type',
    labelNames: ['direction', 'method', 'type'] as const,
    registers: [registry],
  });

  // (v1.1) Events and webhooks. Labels are fixed words: never a folder, a file name or a URL.
  const pollerSources = new Set<() => number>();
  new Gauge({
    name: 'gateway_watch_pollers',
    help: 'Watched folders being polled now (one poller per folder, shared by its subscribers)',
    registers: [registry],
    collect() {
      let n = 0;
      for (const source of pollerSources) {
        try {
          n += source();
        } catch {
          // As for the pools: a failing source leaves its share out.
        }
      }
      this.set(n);
    },
  });
  const watchPolls = new Counter({
    name: 'gateway_watch_polls_total',
    help: 'Listings of watched folders, by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const watchEvents = new Counter({
    name: 'gateway_watch_events_total',
    help: 'Folder events produced by pollers, by kind (created, changed, stable, deleted)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome: delivered (2xx), retry (failed, tried again), failed (given up after the retries)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const onReply = (message: unknown): void => {
    const { code } = message as FtpReplyEvent;
    // By code only: reply text may echo paths or user names.
    if (Number.isInteger(code) && code >= 100 && code <= 599) ftpReplies.inc({ code: String(code) });
    else ftpReplies.inc({ code: 'other' });
  };
  const onSession = (message: unknown): void => {
    const { event } = message as FtpSessionEvent;
    if (event === 'open') {
      sessionsOpened.inc();
      sessionsOpen.inc();
    } else if (event === 'close') {
      sessionsClosed.inc();
      sessionsOpen.dec();
    }
  };
  const onTransfer = (message: unknown): void => {
    const event = message as FtpTransferEvent;
    const labels = { direction: token(event.direction), method: token(event.method), type: token(event.type) };
    ftpTransfers.inc({ ...labels, outcome: event.ok ? 'ok' : 'error' });
    const bytes = finite(event.bytes);
    if (bytes !== undefined && bytes > 0) ftpTransferBytes.inc(labels, bytes);
  };
  const subscriptions: Array<[diagnostics_channel.Channel, (message: unknown) => void]> = [
    [ftpChannels.reply, onReply],
    [ftpChannels.session, onSession],
    [ftpChannels.transfer, onTransfer],
  ];
  for (const [channel, handler] of subscriptions) diagnostics_channel.subscribe(channel.name, handler);
  let closed = false;

  return {
    registry,
    httpRequest(httpMethod, routePattern, status, seconds) {
      const labels = {
        method: method(httpMethod),
        route: route(routePattern),
        status: Number.isInteger(status) ? String(status) : 'other',
      };
      httpRequests.inc(labels);
      const duration = finite(seconds);
      if (duration !== undefined) httpDuration.observe(labels, duration);
    },
    transferBytes(server, direction, mode, type, bytes) {
      const count = finite(bytes);
      if (count === undefined) return;
      transferBytes.inc({ server: token(server), direction: token(direction), mode: token(mode), type: token(type) }, count);
    },
    transferDuration(server, direction, mode, type, ok, seconds) {
      const duration = finite(seconds);
      if (duration === undefined) return;
      transferDuration.observe(
        { server: token(server), direction: token(direction), mode: token(mode), type: token(type), outcome: ok ? 'ok' : 'error' },
        duration,
      );
    },
    claims(server, outcome, n) {
      const count = finite(n);
      if (count !== undefined && count > 0) claims.inc({ server: token(server), outcome: token(outcome) }, count);
    },
    trackPools(source) {
      sources.add(source);
      return () => {
        sources.delete(source);
      };
    },
    watchPoll(ok) {
      watchPolls.inc({ outcome: ok ? 'ok' : 'error' });
    },
    watchEvents(kind, count) {
      const n = finite(count);
      if (n !== undefined && n > 0) watchEvents.inc({ kind: WATCH_EVENT_KINDS.has(kind) ? kind : 'other' }, n);
    },
    trackPollers(source) {
      pollerSources.add(source);
      return () => {
        pollerSources.delete(source);
      };
    },
    webhookDelivery(outcome) {
      webhookDeliveries.inc({ outcome });
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [channel, handler] of subscriptions) diagnostics_channel.unsubscribe(channel.name, handler);
      sources.clear();
      pollerSources.clear();
    },
  };
}
