// A Server-Sent Events reader for the event-stream tests: raw HTTP (headers
// such as Last-Event-ID as given), messages parsed as they arrive (WHATWG
// HTML §9.2.6), and every response checked against the OpenAPI document: the
// status and headers as for any route, and each message's data against the
// FolderEvent / FolderEventError schemas.
import assert from 'node:assert/strict';
import http from 'node:http';
import { loadOpenApiDocument } from '../../src/http/openapi.js';
import { ajvFor, assertResponseMatches } from './openapiValidator.js';

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every message so far, in order. */
  readonly messages: SseMessage[];
  /** Comment lines so far. */
  readonly comments: string[];
  /** Resolves with the first message (from `from` on) that `match` accepts. */
  next(match: (m: SseMessage) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<SseMessage>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

const doc = loadOpenApiDocument();

function validateData(message: SseMessage): void {
  const schema = message.event === 'error' ? 'FolderEventError' : 'FolderEvent';
  const validate = ajvFor(doc).compile(`#/components/schemas/${schema}`, { $ref: `#/components/schemas/${schema}` });
  assert.ok(
    validate(message.data),
    `${message.event} data ${JSON.stringify(message.data)}: ${ajvFor(doc).ajv.errorsText(validate.errors)}`,
  );
  if (message.event !== 'error') assert.ok(message.id !== undefined, `${message.event} has an id`);
}

export function openEventStream(port: number, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'GET',
      path,
      headers: { Accept: 'text/event-stream', ...headers },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let closedByUs = false;
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endResolve = r));
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          assertResponseMatches(doc, { method: 'GET', path, status, headers: res.headers, body });
          resolve(stream(status));
          endResolve();
        });
        return;
      }
      assertResponseMatches(doc, { method: 'GET', path, status, headers: res.headers, body: '' });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut = buffer.indexOf('\n\n');
        while (cut !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf('\n\n');
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          const message = { id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
          validateData(message);
          messages.push(message);
        }
        for (const wake of [...waiters]) wake();
      });
      res.on('close', () => {
        endResolve();
        for (const wake of [...waiters]) wake();
      });
      function stream(code: number): SseStream {
        return {
          status: code,
          headers: res.headers,
          messages,
          comments,
          ended,
          close() {
            closedByUs = true;
            req.destroy();
          },
          next(match, options = {}) {
            const timeoutMs = options.timeoutMs ?? 10_000;
            let from = options.from ?? 0;
            return new Promise((resolveNext, rejectNext) => {
              const check = (): boolean => {
                for (; from < messages.length; from++) {
                  const m = messages[from] as SseMessage;
                  if (match(m)) {
                    done();
                    resolveNext(m);
                    return true;
                  }
                }
                if (res.destroyed && !closedByUs && res.readableEnded) {
                  done();
                  rejectNext(new Error(`stream ended before the message; got ${JSON.stringify(messages)}`));
                  return true;
                }
                return false;
              };
              const timer = setTimeout(() => {
                done();
                rejectNext(new Error(`no such message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
              }, timeoutMs);
              const wake = (): void => void check();
              const done = (): void => {
                clearTimeout(timer);
                waiters.delete(wake);
              };
              waiters.add(wake);
              check();
            });
          },
        };
      }
      resolve(stream(status));
    });
    req.end();
  });
}

/** The message's data as a file event. */
export function fileEvent(m: SseMessage): { path: string; name: string; type: string; size: number | null; modifiedAt: string | null } {
  return m.data as never;
}
