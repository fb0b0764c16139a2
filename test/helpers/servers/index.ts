// Real FTP servers for integration tests: each call starts a fresh server on
// free loopback ports, serving a fresh temp folder as the user's "/".
//
//   const server = await startFtpServer('vsftpd', { dataModes: 'passive-only' });
//   try { … connect to server.port as server.user/server.password … }
//   finally { await server.stop(); }
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FtpServerDriver, ServerContext, ServerInstance } from './driver.js';
import { ftpSrvDriver } from './ftpSrv.js';
import { inetutilsFtpdDriver } from './inetutilsFtpd.js';
import { netkitFtpdDriver } from './netkitFtpd.js';
import { allocatePortBlock } from './ports.js';
import { proftpdDriver } from './proftpd.js';
import { pureFtpdDriver } from './pureFtpd.js';
import { onTerminationSignal } from './processes.js';
import { markOwner, sweepStaleServers } from './staleServers.js';
import { ensureSystemUser, inProcessUser } from './systemUser.js';
import { ensureTlsCert } from './tlsCert.js';
import type {
  FtpServerAvailability,
  FtpServerFeatures,
  FtpServerKind,
  FtpServerOptions,
  ResolvedFtpServerOptions,
  RunningFtpServer,
} from './types.js';
import { vsftpdDriver } from './vsftpd.js';

export type {
  FtpDataModes,
  FtpServerAvailability,
  FtpServerFeatures,
  FtpServerKind,
  FtpServerOptions,
  FtpTlsMode,
  RunningFtpServer,
} from './types.js';

/** The chrooted servers, each serving `root` as "/": the suites that loop over kinds use these. */
export const ALL_SERVER_KINDS: readonly FtpServerKind[] = ['vsftpd', 'pure-ftpd', 'proftpd', 'ftp-srv'];
/** Servers whose account is not chrooted (paths are host paths, see `ftpRoot`): BSD-derived, for what only they do. */
export const UNCHROOTED_SERVER_KINDS: readonly FtpServerKind[] = ['inetutils-ftpd', 'netkit-ftpd'];

const drivers: Record<FtpServerKind, FtpServerDriver> = {
  vsftpd: vsftpdDriver,
  'pure-ftpd': pureFtpdDriver,
  proftpd: proftpdDriver,
  'ftp-srv': ftpSrvDriver,
  'inetutils-ftpd': inetutilsFtpdDriver,
  'netkit-ftpd': netkitFtpdDriver,
};

function resolveOptions(options: FtpServerOptions): ResolvedFtpServerOptions {
  const passivePorts = options.passivePorts ?? 64;
  if (!Number.isInteger(passivePorts) || passivePorts < 1 || passivePorts > 1000) {
    throw new RangeError(`passivePorts must be an integer in 1..1000, got ${passivePorts}`);
  }
  return {
    dataModes: options.dataModes ?? 'both',
    tls: options.tls ?? 'none',
    ascii: options.ascii ?? false,
    idleTimeoutSec: options.idleTimeoutSec,
    maxClients: options.maxClients,
    passivePorts,
    chroot: options.chroot ?? true,
    pasvAddress: options.pasvAddress,
  };
}

export function ftpServerAvailability(kind: FtpServerKind): FtpServerAvailability {
  return drivers[kind].availability();
}

/** Why `kind` cannot be started with `options` (e.g. pure-ftpd has no implicit TLS), or undefined. */
export function ftpServerUnsupported(kind: FtpServerKind, options: FtpServerOptions = {}): string | undefined {
  return drivers[kind].unsupported(resolveOptions(options));
}

class StartedFtpServer implements RunningFtpServer {
  readonly kind: FtpServerKind;
  readonly host = '127.0.0.1' as const;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly root: string;
  readonly ftpRoot: string;
  readonly passivePorts: readonly [number, number];
  readonly caPem?: string;
  readonly features: FtpServerFeatures;
  readonly #context: ServerContext;
  readonly #instance: ServerInstance;
  #stopped = false;

  constructor(kind: FtpServerKind, context: ServerContext, instance: ServerInstance, features: FtpServerFeatures, chrooted: boolean) {
    this.kind = kind;
    this.port = context.ports.port;
    this.passivePorts = [context.ports.passiveMin, context.ports.passiveMax];
    this.user = context.user.name;
    this.password = context.user.password;
    this.root = context.root;
    this.ftpRoot = chrooted ? '/' : context.root;
    if (context.options.tls !== 'none' && context.cert) this.caPem = context.cert.certPem;
    this.features = features;
    this.#context = context;
    this.#instance = instance;
  }

  url(): string {
    const scheme = this.#context.options.tls === 'implicit' ? 'ftps' : 'ftp';
    return `${scheme}://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@${this.host}:${this.port}/`;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      await this.#instance.stop();
    } finally {
      this.#context.ports.release();
      rmSync(this.#context.base, { recursive: true, force: true });
      bases.delete(this.#context.base);
    }
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error('restart() after stop()');
    await this.#instance.stop();
    await this.#instance.start();
  }

  commandLog(): Promise<string[]> {
    return this.#instance.commandLog();
  }

  processIds(): number[] {
    return this.#instance.processIds();
  }
}

/** A 0755 temp folder with root/ (owned by the test user) and conf/ inside. */
function makeFolders(kind: FtpServerKind, uid: number, gid: number): { base: string; root: string; conf: string } {
  const base = mkdtempSync(join(tmpdir(), `ftpgw-${kind}-`));
  // mkdtemp makes 0700 folders; sessions run as the test user and must traverse it.
  chmodSync(base, 0o755);
  const root = join(base, 'root');
  const conf = join(base, 'conf');
  mkdirSync(root, { mode: 0o755 });
  chownSync(root, uid, gid);
  mkdirSync(conf, { mode: 0o755 });
  return { base, root, conf };
}

const bases = new Set<string>();
process.once('exit', () => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
onTerminationSignal();

export async function startFtpServer(kind: FtpServerKind, options: FtpServerOptions = {}): Promise<RunningFtpServer> {
  const driver = drivers[kind];
  const availability = driver.availability();
  if (!availability.available) throw new Error(`${kind} is not available: ${availability.reason}`);
  const resolved = resolveOptions(options);
  const unsupported = driver.unsupported(resolved);
  if (unsupported !== undefined) throw new Error(`${kind} cannot run with these options: ${unsupported}`);

  const [user, cert] = await Promise.all([
    driver.usesSystemUser ? ensureSystemUser() : Promise.resolve(inProcessUser()),
    resolved.tls === 'none' ? Promise.resolve(undefined) : ensureTlsCert(),
  ]);
  sweepStaleServers();
  const ports = await allocatePortBlock(resolved.passivePorts);
  const folders = makeFolders(kind, user.uid, user.gid);
  bases.add(folders.base);
  markOwner(folders.base);
  const context: ServerContext = { user, ports, ...folders, options: resolved, cert };
  try {
    const instance = await driver.prepare(context);
    await instance.start();
    const server = new StartedFtpServer(kind, context, instance, driver.features(resolved), (driver.chrooted ?? true) && resolved.chroot);
    return server;
  } catch (error) {
    ports.release();
    rmSync(folders.base, { recursive: true, force: true });
    throw error;
  }
}
