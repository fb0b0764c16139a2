/**
 * A distant FTP server on loopback: a transparent TCP proxy that delays
 * every chunk by `delayMs` in each direction (RTT = 2 × delayMs), for the
 * control connection and for every passive data port alike.
 *
 * It listens on its own loopback address (127.0.0.2) at the server's
 * control port and at each port of its passive range, and forwards each to
 * the same port on the server's address. An EPSV reply names only a port,
 * which clients (the gateway, curl, rclone) connect to at the control
 * connection's peer: the proxy. So nothing is rewritten, and explicit FTPS,
 * whose control connection the proxy cannot read, goes through it as well.
 * (test/helpers/faultProxy.ts rewrites passive replies instead, which needs
 * a clear control connection.)
 *
 * Connection setup: the proxy connects upstream `delayMs` after the client
 * connected, as the SYN would arrive, so the server accepts (and answers, a
 * greeting or a transfer's data) as late as across a real link. What it
 * cannot delay is the client's own connect event (the kernel completes it at
 * once): a client that waits for its connect before sending saves that
 * round trip here, not on a real link.
 */
import net from 'node:net';

export interface LatencyProxyOptions {
  /** Where the proxy listens (a loopback address of its own). */
  listenHost: string;
  upstreamHost: string;
  /** The server's control port and passive range: the proxy takes the same numbers on listenHost. */
  ports: readonly number[];
  delayMs: number;
}

export class LatencyProxy {
  readonly host: string;
  readonly #servers: net.Server[] = [];
  readonly #sockets = new Set<net.Socket>();

  private constructor(host: string) {
    this.host = host;
  }

  static async start(options: LatencyProxyOptions): Promise<LatencyProxy> {
    const proxy = new LatencyProxy(options.listenHost);
    try {
      for (const port of options.ports) {
        const server = net.createServer({ allowHalfOpen: true }, (client) => proxy.#accept(client, options, port));
        proxy.#servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, options.listenHost, () => {
            server.off('error', reject);
            resolve();
          });
        });
      }
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #accept(client: net.Socket, options: LatencyProxyOptions, port: number): void {
    client.setNoDelay(true);
    this.#sockets.add(client);
    let upstream: net.Socket | null = null;
    const toServer = delayedPipe(options.delayMs);
    const done = (): void => {
      client.destroy();
      upstream?.destroy();
    };
    // Half-open both ways: each FIN travels, delayed and in order, as an end() of the other socket.
    client.on('error', done).on('close', () => this.#sockets.delete(client));
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    client.on('end', () => toServer.end());
    // The SYN takes delayMs to arrive.
    atTime(performance.now() + options.delayMs, () => {
      if (client.destroyed) return;
      const server = net.connect({ host: options.upstreamHost, port, allowHalfOpen: true });
      upstream = server;
      server.setNoDelay(true);
      this.#sockets.add(server);
      server.on('error', done).on('close', () => this.#sockets.delete(server));
      const toClient = delayedPipe(options.delayMs);
      toClient.attach(client);
      server.on('data', (chunk: Buffer) => toClient.push(chunk));
      server.on('end', () => toClient.end());
      server.once('connect', () => toServer.attach(server));
    });
  }
}

/**
 * Runs `fn` at `at` (performance.now() time). A timer fires up to a few ms
 * late: it wakes 2 ms early, and setImmediate turns finish the wait, so a
 * leg costs delayMs, not delayMs + the lateness.
 */
function atTime(at: number, fn: () => void): void {
  const wait = at - performance.now();
  if (wait > 2) setTimeout(() => atTime(at, fn), wait - 2);
  else if (wait > 0) setImmediate(() => atTime(at, fn));
  else fn();
}

/**
 * Chunks (and the end of stream) delivered `delayMs` after they arrived, in
 * order; held until a destination is attached.
 */
function delayedPipe(delayMs: number): { push(chunk: Buffer): void; end(): void; attach(to: net.Socket): void } {
  const due: Array<{ at: number; chunk: Buffer | null }> = [];
  let to: net.Socket | null = null;
  /** A wait for the first due chunk is running. */
  let waiting = false;
  const flush = (): void => {
    if (to === null) return;
    const now = performance.now();
    while (due.length > 0 && (due[0]?.at ?? 0) <= now) {
      const { chunk } = due.shift()!;
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    schedule();
  };
  const schedule = (): void => {
    if (waiting || to === null || due.length === 0) return;
    waiting = true;
    atTime(due[0]?.at ?? 0, () => {
      waiting = false;
      flush();
    });
  };
  return {
    push(chunk) {
      due.push({ at: performance.now() + delayMs, chunk });
      schedule();
    },
    end() {
      due.push({ at: performance.now() + delayMs, chunk: null });
      schedule();
    },
    attach(socket) {
      to = socket;
      schedule();
    },
  };
}
