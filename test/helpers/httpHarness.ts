// The real gateway in-process for HTTP tests, started by production's own
// startGateway (src/server.ts) on an ephemeral loopback port, plus a raw HTTP client (fetch/URL would normalise "%2e%2e" and
// ".." away before they reach the server, which is exactly what we test).
import http from 'node:http';
import { createHash } from 'node:crypto';
import { lchownSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config, ServerConfig } from '../../src/config/index.js';
import { DEFAULT_LIMITS, loadConfig } from '../../src/config/index.js';
import type { Gateway, GatewayOptions } from '../../src/http/index.js';
import { startGateway as startProductionGateway } from '../../src/server.js';
import type { RunningFtpServer } from './servers/index.js';
import { loadOpenApiDocument } from '../../src/http/openapi.js';
import { assertResponseMatches, findOperation } from './openapiValidator.js';

/** What production's loader makes of `FTP_URL` alone: every server setting at its default. */
const DEFAULT_SERVER = loadConfig({ FTP_URL: 'ftp://user:secret@127.0.0.1/%2F' }).servers[0] as ServerConfig;

/**
 * A server with production's defaults but shorter waits, so that a test gone
 * wrong fails well within its own timeout. A scripted peer knows no PWD: its
 * root is the absolute "/" (`ftp://h/%2F`).
 */
export function serverConfig(over: Partial<ServerConfig> & Pick<ServerConfig, 'host' | 'port'>): ServerConfig {
  return {
    ...DEFAULT_SERVER,
    pool: { ...DEFAULT_SERVER.pool, max: 4, acquireTimeoutMs: 5_000 },
    timeouts: { connectMs: 5_000, commandMs: 10_000, dataMs: 10_000 },
    // `over` may set watch.pollMs under the contract's 1000 ms minimum: that is loadConfig's check (docs/testing.md).
    ...over,
  };
}

/** A real server's root is its login directory, as `ftp.url()` (`ftp://…/`) says. */
export function ftpServerConfig(ftp: RunningFtpServer, over: Partial<ServerConfig> = {}): ServerConfig {
  return serverConfig({
    host: ftp.host,
    port: ftp.port,
    user: ftp.user,
    password: ftp.password,
    root: { relativeTo: 'login', segments: [] },
    ...over,
  });
}

export function gatewayConfig(servers: ServerConfig[], over: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    servers,
    auth: { apiKeys: [], disabled: false },
    cors: { origins: [] },
    limits: { ...DEFAULT_LIMITS },
    watches: [],
    shutdownGraceMs: 1_000,
    ...over,
  };
}

export interface RunningGateway {
  gateway: Gateway;
  /** The listener, built by production's startGateway. */
  server: http.Server;
  port: number;
  base: string;
  request(method: string, path: string, options?: RawRequestOptions): Promise<RawResponse>;
  close(): Promise<void>;
}

export async function startGateway(config: Config, options: GatewayOptions & { logger?: Logger } = {}): Promise<RunningGateway> {
  const { logger, ...gatewayOptions } = options;
  const { gateway, server, port } = await startProductionGateway(
    config,
    logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    gatewayOptions,
  );
  return {
    gateway,
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    // Every response to a documented operation must match the OpenAPI document.
    request: async (method, path, opts) => {
      const response = await rawRequest(port, method, path, opts);
      const doc = loadOpenApiDocument();
      if (findOperation(doc, method, path)) {
        assertResponseMatches(doc, { method, path, status: response.status, headers: response.headers, body: response.body });
      }
      return response;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

export interface RawRequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | string | AsyncIterable<Buffer>;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

/** An HTTP request with the path sent exactly as given (no URL normalisation). */
export function rawRequest(port: number, method: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: () => body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      void (async () => {
        try {
          for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          req.end();
        } catch (err) {
          req.destroy(err as Error);
        }
      })();
    }
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Multipart body with the given parts (filename undefined = a plain field). */
export function multipartBody(parts: Array<{ field: string; filename?: string; content: Buffer | string }>): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `----ftpgw${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined ? `form-data; name="${part.field}"` : `form-data; name="${part.field}"; filename="${part.filename}"`;
    // busboy counts any application/octet-stream part as a file, so plain fields carry no Content-Type.
    const type = part.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Polls `check` until it returns true (a state that must eventually hold), or fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const API = '/api/v1/servers/default';

let markers = 0;

/**
 * The commands the FTP server received while `act` ran. Servers write their
 * log as commands arrive: a marker request on a pooled session before and
 * after `act` bounds what belongs to it. A marker is a DELE of a missing file,
 * then the stat that tells a folder from a missing file, all naming the marker.
 */
export async function commandsDuring(
  gw: Pick<RunningGateway, 'request'>,
  ftp: Pick<RunningFtpServer, 'commandLog'>,
  act: () => Promise<void>,
): Promise<string[]> {
  const mark = async (): Promise<string> => {
    const marker = `marker-${process.pid}-${++markers}`;
    await gw.request('DELETE', `${API}/files/${marker}`);
    await eventually(async () => (await ftp.commandLog()).some((c) => c.includes(marker)));
    return marker;
  };
  const start = await mark();
  await act();
  const end = await mark();
  const log = await ftp.commandLog();
  return log.slice(
    log.findLastIndex((c) => c.includes(start)) + 1,
    log.findIndex((c) => c.includes(end)),
  );
}

/**
 * Fixtures written by the test process belong to root; the FTP sessions run
 * as the served folder's owner and could not change them. Hand the whole
 * tree to that owner.
 */
export function chownTree(root: string): void {
  const { uid, gid } = statSync(root);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.uid !== uid) lchownSync(path, uid, gid);
      if (st.isDirectory()) walk(path);
    }
  };
  walk(root);
}
