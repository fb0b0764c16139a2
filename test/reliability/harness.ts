// The reliability setup: a real FTP server, the fault proxy in front of it,
// and the real gateway in-process (production's startGateway on port 0) with the
// project's own logger at debug level writing into a SecretScan, and every
// response (status line, headers, body) fed to the same scan.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, ServerConfig } from '../../src/config/index.js';
import type { Gateway } from '../../src/http/index.js';
import { configSecrets, createLogger } from '../../src/observability/logging.js';
import { FaultProxy } from '../helpers/faultProxy.js';
import type { FtpServerKind, FtpServerOptions, RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import {
  ftpServerConfig,
  gatewayConfig,
  rawRequest,
  startGateway,
  type RawRequestOptions,
  type RawResponse,
} from '../helpers/httpHarness.js';
import { SecretScan } from './summary.js';

export const API = '/api/v1/servers/default';

export interface Rig {
  ftp: RunningFtpServer;
  proxy: FaultProxy;
  gateway: Gateway;
  port: number;
  scan: SecretScan;
  /** A request whose whole response goes through the secrets scan. */
  request(method: string, path: string, options?: RawRequestOptions): Promise<RawResponse>;
  /** Text of GET /metrics (scanned too). */
  metrics(): Promise<string>;
  /** Stops the gateway and the proxy (and gives the FTP server back unless it was reused). */
  close(): Promise<void>;
}

export interface RigOptions {
  kind?: FtpServerKind;
  ftp?: FtpServerOptions;
  server?: Partial<ServerConfig>;
  config?: Partial<Config>;
  /** Extra secrets to look for (API keys). The FTP password is always one. */
  secrets?: string[];
  /** Use this FTP server instead of borrowing one (not given back by close). */
  reuse?: RunningFtpServer;
  /** Share one scan between rigs (the file's figures); `secrets` are then ignored. */
  scan?: SecretScan;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const ftp = options.reuse ?? (await borrowFtpServer(options.kind ?? 'vsftpd', options.ftp ?? {}));
  const proxy = await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port });
  const scan = options.scan ?? new SecretScan([ftp.password, ...(options.secrets ?? [])]);
  const server = ftpServerConfig(ftp, { port: proxy.port, ...options.server });
  const config = gatewayConfig([server], options.config ?? {});
  const running = await startGateway(config, { logger: createLogger('debug', scan.stream(), { secrets: configSecrets(config) }) });
  const { gateway, port } = running;
  const request = async (method: string, path: string, opts?: RawRequestOptions): Promise<RawResponse> => {
    const res = await rawRequest(port, method, path, opts);
    scan.add(`${res.status} ${JSON.stringify(res.headers)}\n`);
    if (/^application\/problem\+json/.test(String(res.headers['content-type']))) scan.addProblem(res.body);
    else scan.add(res.body);
    return res;
  };
  return {
    ftp,
    proxy,
    gateway,
    port,
    scan,
    request,
    async metrics() {
      return (await request('GET', '/metrics')).text();
    },
    async close() {
      await running.close();
      await proxy.close();
      if (!options.reuse) await ftp.stop();
    },
  };
}

/** Writes a file straight into the served folder, owned by the FTP user. */
export async function putOnDisk(ftp: RunningFtpServer, relative: string, content: Buffer | string): Promise<void> {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const path = join(ftp.root, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  const { uid, gid } = statSync(ftp.root);
  for (let p = path; p.startsWith(ftp.root) && p !== ftp.root; p = dirname(p)) chownSync(p, uid, gid);
}

/** Every name under the served folder (recursively, relative), e.g. to find `.ftpgw-part` leftovers. */
export function diskNames(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      out.push(rel);
      if (entry.isDirectory()) walk(join(dir, entry.name), rel);
    }
  };
  walk(root, '');
  return out;
}

export function temporaries(root: string): string[] {
  return diskNames(root).filter((n) => n.endsWith('.ftpgw-part'));
}

export function randomContent(bytes: number): Buffer {
  return randomBytes(bytes);
}

export type Outcome = { status: number; body: Buffer; headers: http.IncomingHttpHeaders } | { error: string; received: number };

/**
 * A request that reports a cut response as such instead of throwing: the
 * body received so far and the error, or the complete response.
 */
export function outcomeOf(port: number, method: string, path: string, body?: AsyncIterable<Buffer> | Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let received = 0;
    let response: http.IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      response = res;
      res.on('data', (c: Buffer) => {
        received += c.length;
        chunks.push(c);
      });
      res.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message, received }));
      res.on('aborted', () => finish({ error: 'aborted', received }));
      res.on('end', () => {
        if (!res.complete) finish({ error: 'incomplete', received });
        else finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers });
      });
    });
    // Writing may fail once the server answered early and closed: the answer still counts.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (response) return;
      finish({ error: err.code ?? err.message, received });
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      void (async () => {
        try {
          for await (const chunk of body) {
            if (req.destroyed) return;
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          }
          req.end();
        } catch {
          req.destroy();
        }
      })();
    }
  });
}

/** Chunks of `data`, paced so a transfer stays in flight for a while. */
export async function* paced(data: Buffer, chunk: number, pauseMs: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += chunk) {
    if (signal?.aborted) return;
    yield data.subarray(i, i + chunk);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
