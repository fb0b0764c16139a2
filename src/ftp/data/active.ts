import net from 'node:net';
import { abortedError, dataConnectionError } from '../errors.js';

export interface ActiveListenerOptions {
  bindAddress: string;
  /** Inclusive range; null: any free port. */
  portRange: readonly [number, number] | null;
  /** Only a connection from this address is accepted (RFC 2577 §3: no data-port theft). */
  allowedAddress: string;
}

/**
 * The listening side of an active-mode transfer (RFC 959 PORT, RFC 2428 EPRT).
 * It accepts exactly one connection, from the server's address only; anything
 * else that connects is dropped. The listener closes after the accept, on
 * timeout, or on close().
 */
export class ActiveListener {
  readonly #server: net.Server;
  readonly #allowed: string;
  #accepted: net.Socket | null = null;
  #waiter: { resolve: (s: net.Socket) => void; reject: (e: Error) => void } | null = null;
  #refused = 0;

  private constructor(server: net.Server, allowed: string) {
    this.#server = server;
    this.#allowed = normaliseAddress(allowed);
    server.on('connection', (socket) => this.#onConnection(socket));
  }

  static async open(options: ActiveListenerOptions): Promise<ActiveListener> {
    // Paused on accept, like a passive data socket (see connectData).
    const server = net.createServer({ pauseOnConnect: true });
    const listener = new ActiveListener(server, options.allowedAddress);
    const ports = candidatePorts(options.portRange);
    for (const port of ports) {
      try {
        await listen(server, port, options.bindAddress);
        return listener;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw dataError(`cannot listen on ${options.bindAddress}:${port}`, err);
      }
    }
    throw dataError(`no free port in active range ${options.portRange?.join('-') ?? ''}`);
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Connections dropped because they came from another address. */
  get refused(): number {
    return this.#refused;
  }

  /** Waits for the server to connect. */
  accept(timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
    if (this.#accepted) return Promise.resolve(this.#accepted);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(dataError(`server did not connect within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => done(abortedError(signal?.reason));
      const done = (err: Error | null, socket?: net.Socket): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiter = null;
        if (err) {
          this.close();
          reject(err);
        } else resolve((socket as net.Socket).setNoDelay(true));
      };
      this.#waiter = { resolve: (s) => done(null, s), reject: (e) => done(e) };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#server.close();
  }

  #onConnection(socket: net.Socket): void {
    if (this.#accepted || normaliseAddress(socket.remoteAddress ?? '') !== this.#allowed) {
      this.#refused++;
      socket.destroy();
      return;
    }
    this.#accepted = socket;
    socket.on('error', () => undefined); // seen by the consumer as 'close'
    this.close();
    this.#waiter?.resolve(socket);
  }
}

/** RFC 2428 §2: EPRT |1|132.235.1.2|6275| or |2|1080::8:800:200C:417A|5282| */
export function formatEprt(address: string, port: number): string {
  const family = net.isIPv6(address) ? 2 : 1;
  return `|${family}|${address}|${port}|`;
}

/** RFC 959 §4.1.2: PORT h1,h2,h3,h4,p1,p2 (IPv4 only). */
export function formatPort(address: string, port: number): string | null {
  const v4 = normaliseAddress(address);
  if (!net.isIPv4(v4)) return null;
  return `${v4.split('.').join(',')},${port >> 8},${port & 255}`;
}

export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function candidatePorts(range: readonly [number, number] | null): number[] {
  if (!range) return [0];
  const [lo, hi] = range;
  const count = hi - lo + 1;
  // Start at a random place so concurrent transfers don't all race for the first port.
  const start = Math.floor(Math.random() * count);
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(lo + ((start + i) % count));
  return ports;
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}

function dataError(message: string, cause?: unknown): Error {
  return dataConnectionError(message, cause);
}
