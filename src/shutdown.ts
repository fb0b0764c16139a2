/**
 * The graceful-shutdown sequence (contract, "Operations"): stop taking
 * connections, let transfers in flight finish for up to the grace period,
 * cut what is still running, then QUIT the pooled FTP sessions.
 *
 * Takes the server and gateway as parameters so tests can drive it without
 * process signals; main.ts wires it to SIGTERM/SIGINT.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** What shutdown needs from the HTTP layer's Gateway. */
export interface ShutdownTarget {
  /** From now on, requests on kept-alive connections get 503 + `Connection: close`. */
  beginShutdown(): void;
  /** Transfers (uploads/downloads) in flight. */
  activeTransfers(): number;
  /** Resolves true once no transfer is in flight, false if `ms` passed first. */
  waitForTransfers(ms: number): Promise<boolean>;
  /** QUITs the pooled FTP sessions. */
  close(): Promise<void>;
}

export interface ShutdownOptions {
  graceMs: number;
  logger: Logger;
  /** How often idle keep-alive connections are swept while waiting (default 250 ms). */
  sweepMs?: number;
}

export interface ShutdownResult {
  /** Every transfer finished within the grace period. */
  drained: boolean;
  /** Transfers still running when the grace period ended (cut). */
  cut: number;
}

export async function shutdown(server: Server, gateway: ShutdownTarget, options: ShutdownOptions): Promise<ShutdownResult> {
  const { graceMs, logger } = options;
  const started = Date.now();

  gateway.beginShutdown();
  // server.close() stops accepting at once; its callback waits for every connection.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A response that finishes leaves its keep-alive socket idle; sweep those
  // now rather than waiting out keepAliveTimeout.
  const sweeper = setInterval(() => server.closeIdleConnections(), options.sweepMs ?? 250);
  sweeper.unref();

  let cut = 0;
  let closing: Promise<void> | undefined;
  try {
    const drained = await gateway.waitForTransfers(graceMs);
    if (drained) {
      // Transfers are done; give other requests (listings, moves) the rest of the grace period.
      await within(closed, Math.max(0, graceMs - (Date.now() - started)));
    } else {
      cut = gateway.activeTransfers();
      logger.warn({ transfers: cut, graceMs }, 'grace period over: cutting transfers still running');
    }
  } finally {
    clearInterval(sweeper);
    // Gateway.close() aborts (and logs, one line each) the transfers still
    // registered before the sockets go, so the log says what was cut rather
    // than a burst of client-disconnect errors; then QUITs the pooled sessions.
    try {
      closing = gateway.close();
    } catch (error) {
      closing = Promise.reject(error);
    }
    // Awaited below; marked handled now in case the wait above threw instead.
    closing.catch(() => undefined);
    server.closeAllConnections();
  }

  try {
    await closing;
  } catch (error) {
    logger.error({ err: error }, 'closing the FTP sessions failed');
  }
  logger.info({ drained: cut === 0, cut, ms: Date.now() - started }, 'shutdown complete');
  return { drained: cut === 0, cut };
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
