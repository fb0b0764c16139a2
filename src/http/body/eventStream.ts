import type { ServerResponse } from 'node:http';

/**
 * A Server-Sent Events response (WHATWG HTML §9.2): `id`, `event` and one
 * `data` line per message, a comment line every `keepAliveMs` so that
 * proxies keep an idle stream open.
 *
 * Memory stays bounded whatever the caller reads: what the response and its
 * socket hold unsent is looked at before each message, and a caller more
 * than `maxBufferedBytes` behind is dropped: one last `error` event
 * (`SUBSCRIBER_TOO_SLOW`) and the end of the stream. Its EventSource then
 * reconnects with Last-Event-ID and resumes from the events the gateway
 * still holds.
 */
export interface EventStreamOptions {
  keepAliveMs: number;
  maxBufferedBytes: number;
  /** Called once when the stream ends, whoever ended it. */
  onEnd(reason: 'client' | 'overflow' | 'server'): void;
}

export interface EventMessage {
  id?: string;
  event: string;
  data: unknown;
}

export class EventStream {
  readonly #res: ServerResponse;
  readonly #options: EventStreamOptions;
  readonly #keepAlive: NodeJS.Timeout;
  #ended = false;

  constructor(res: ServerResponse, options: EventStreamOptions) {
    this.#res = res;
    this.#options = options;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // nginx would otherwise buffer the stream (its proxy_buffering).
    res.setHeader('X-Accel-Buffering', 'no');
    this.#keepAlive = setInterval(() => this.comment('keep-alive'), options.keepAliveMs);
    this.#keepAlive.unref();
    res.once('close', () => this.#finish('client'));
  }

  /** Sends the headers now (a first message would too): the caller knows it is watching. */
  open(): void {
    if (!this.#ended && !this.#res.headersSent) this.#res.flushHeaders();
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(message: EventMessage): void {
    if (this.#ended) return;
    if (this.#behind()) {
      this.#write(frame({ event: 'error', data: { code: 'SUBSCRIBER_TOO_SLOW', retryInMs: 0 } }));
      this.end('overflow');
      return;
    }
    this.#write(frame(message));
  }

  comment(text: string): void {
    if (!this.#ended && !this.#behind()) this.#write(`: ${text}\n\n`);
  }

  end(reason: 'overflow' | 'server' = 'server'): void {
    if (this.#ended) return;
    this.#finish(reason);
    this.#res.end();
  }

  /** Unsent bytes, in the response and in its socket. */
  #behind(): boolean {
    return this.#res.writableLength > this.#options.maxBufferedBytes;
  }

  #write(text: string): void {
    if (!this.#res.destroyed) this.#res.write(text);
  }

  #finish(reason: 'client' | 'overflow' | 'server'): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#keepAlive);
    this.#options.onEnd(reason);
  }
}

/** One message; JSON.stringify never emits a line break, so the data is one line. */
export function frame(message: EventMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `${id}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}
