// Shared setup for the browser tests: Debian's Chromium driven by
// playwright-core (never a browser download), the real gateway in-process
// configured by loadConfig() and started by startGateway() as main.ts does,
// and a real FTP server.
//
// Everything started here has a matching close, and the tests call them in
// after() hooks, so a run leaves no Chromium, listener or FTP process behind.
import { existsSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { startGateway as startProductionGateway } from '../../src/server.js';
import { ftpServerAvailability, type FtpServerKind, type RunningFtpServer } from '../helpers/servers/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags from TOOLCHAIN.md, plus no QUIC (loopback only, nothing to gain, less to go wrong). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Launches a fresh headless Chromium. playwright-core gives every launch its
 * own temporary profile (--user-data-dir under the OS temp folder) and
 * removes it on close().
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // The browser tests are opt-in (npm run test:browser); without the browser they fail, never pass as skipped.
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

/** vsftpd when installed, else the in-process ftp-srv (always there: a dev dependency). */
export function ftpKind(): FtpServerKind {
  return ftpServerAvailability('vsftpd').available ? 'vsftpd' : 'ftp-srv';
}

export interface GatewayEnv {
  FTP_URL: string;
  API_KEYS?: string;
  /** YAML text of a config file (passed to loadConfig through its readFile seam, no file on disk). */
  configFile?: string;
}

export interface RunningGateway {
  base: string;
  close(): Promise<void>;
}

export async function startGateway(env: GatewayEnv): Promise<RunningGateway> {
  const vars: NodeJS.ProcessEnv = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', FTP_URL: env.FTP_URL };
  if (env.API_KEYS !== undefined) vars.API_KEYS = env.API_KEYS;
  if (env.configFile !== undefined) vars.CONFIG_FILE = 'browser-test.yaml';
  const config = loadConfig(vars, {
    readFile: (path) => {
      if (path === 'browser-test.yaml' && env.configFile !== undefined) return env.configFile;
      throw Object.assign(new Error(`no such file ${path}`), { code: 'ENOENT' });
    },
  });
  const { gateway, server, port } = await startProductionGateway(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  return {
    base: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

/** A tiny HTTP server on its own loopback port (= its own origin) serving one HTML page at `/`. */
export async function startPageServer(html: string): Promise<RunningGateway> {
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** FTP_URL for a test server, with optional query options. */
export function ftpUrl(ftp: RunningFtpServer, query = ''): string {
  return `${ftp.url()}${query === '' ? '' : `?${query}`}`;
}

/** Where this run's screenshots go (a fresh temp folder, printed so a human can look). */
export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftpgw-screenshots-'));
  console.log(`screenshots: ${dir}`);
  return dir;
}
