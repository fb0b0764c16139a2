import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/index.js';
import {
  FtpPool,
  connectFtp,
  createServerKnowledge,
  type FtpConnectOptions,
  type FtpPoolStats,
  type FtpServerProfileSnapshot,
  type FtpSession,
  type ServerProfile,
} from '../ftp/index.js';
import { logSafe } from '../observability/logSafe.js';
import { readinessDetail } from './readinessDetail.js';
import { probeGreeting, type ProbeResult } from './greetingProbe.js';
import { learnLoginDirectory } from './loginDirectory.js';
import { resolveRoot } from './ftpPaths.js';

/**
 * One FtpPool per configured server; for pass-through servers (no user in
 * the URL) one pool per credential pair, so a session logged in with one
 * caller's credentials is never handed to another caller. Pools are keyed by
 * SHA-256(user NUL password): the map never holds a password in clear, and a
 * wrong password lands in a pool of its own (whose sessions fail to log in).
 */
export type ConnectFn = (options: FtpConnectOptions) => Promise<FtpSession>;

export interface Credentials {
  user: string;
  password: string;
}

export interface ServerSummary {
  name: string;
  host: string;
  port: number;
  tls: ServerConfig['tls']['mode'];
  mode: ServerConfig['mode'];
  type: ServerConfig['type'];
  readOnly: boolean;
}

/** `GET /api/v1/servers/{server}`: the summary plus what sessions learned (null before any reached the server). */
export interface ServerDescription extends ServerSummary {
  profile: FtpServerProfileSnapshot | null;
}

export interface ServerRegistryOptions {
  connect?: ConnectFn;
  logger?: Logger;
  /** Credential pools kept per pass-through server before idle ones are closed (LRU). */
  maxCredentialPools?: number;
}

interface CredentialPool {
  pool: FtpPool;
  lastUsed: number;
}

export class ServerHandle {
  readonly name: string;
  readonly config: ServerConfig;
  readonly passThrough: boolean;
  /**
   * What sessions learned about the server (pipelining, where `auto` starts,
   * data methods, FEAT, listings, the session limit), shared by every pool
   * of it: credentials do not change how a server behaves. The one fact that
   * depends on the user, the login directory, is kept per pool below.
   */
  readonly profile: ServerProfile;
  #connect: ConnectFn;
  #pool: FtpPool | null = null;
  #credentialPools = new Map<string, CredentialPool>();
  #maxCredentialPools: number;
  #useCounter = 0;
  /** Per pool, since it depends on the user: learned by the pool's first session, then reused. */
  #loginDirectories = new WeakMap<FtpPool, string>();

  constructor(config: ServerConfig, connect: ConnectFn, maxCredentialPools: number) {
    this.name = config.name;
    this.config = config;
    this.passThrough = config.user === null;
    this.profile = createServerKnowledge({ name: config.name, host: config.host, port: config.port });
    this.#connect = connect;
    this.#maxCredentialPools = maxCredentialPools;
  }

  /** The pool for this request: the server's own, or the caller's credential pool. */
  pool(credentials: Credentials | null): FtpPool {
    if (!this.passThrough) {
      this.#pool ??= this.#newPool(this.name, null);
      return this.#pool;
    }
    if (credentials === null) throw new Error(`server ${this.name} is pass-through: credentials required`);
    const key = credentialKey(credentials);
    const existing = this.#credentialPools.get(key);
    if (existing) {
      existing.lastUsed = ++this.#useCounter;
      return existing.pool;
    }
    this.#evictIdle();
    const pool = this.#newPool(this.name, credentials);
    this.#credentialPools.set(key, { pool, lastUsed: ++this.#useCounter });
    return pool;
  }

  /** After the server refused these credentials: drop their pool at once. */
  forgetCredentials(credentials: Credentials): void {
    const key = credentialKey(credentials);
    const entry = this.#credentialPools.get(key);
    if (!entry) return;
    this.#credentialPools.delete(key);
    void entry.pool.close();
  }

  /**
   * The absolute root for sessions of `pool`, or null while a root relative
   * to the login directory waits for the pool's first session. Once a
   * session of the pool exists this is never null (its create learned it).
   */
  rootPath(pool: FtpPool): string | null {
    return resolveRoot(this.config.root, this.#loginDirectories.get(pool) ?? null);
  }

  /**
   * The profile as shown: for a pass-through server, with the login
   * directory of the caller's credential pool (none without credentials or
   * before that pool's first session), never another caller's.
   */
  describeProfile(credentials: Credentials | null): FtpServerProfileSnapshot | null {
    const snapshot = this.profile.snapshot();
    if (snapshot === null || !this.passThrough) return snapshot;
    const entry = credentials === null ? undefined : this.#credentialPools.get(credentialKey(credentials));
    return { ...snapshot, loginDirectory: entry ? (this.#loginDirectories.get(entry.pool) ?? null) : null };
  }

  connectOptions(credentials: Credentials | null, signal?: AbortSignal): FtpConnectOptions {
    const c = this.config;
    const user = credentials?.user ?? c.user ?? undefined;
    const password = credentials?.password ?? c.password ?? undefined;
    return {
      host: c.host,
      port: c.port,
      ...(user !== undefined ? { user } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(c.account !== null ? { account: c.account } : {}),
      ...(c.siteCommands.length > 0 ? { siteCommands: c.siteCommands } : {}),
      tls: {
        mode: c.tls.mode,
        rejectUnauthorized: c.tls.rejectUnauthorized,
        ...(c.tls.ca !== null ? { ca: c.tls.ca } : {}),
        ...(c.tls.maxVersion !== null ? { maxVersion: c.tls.maxVersion } : {}),
      },
      encoding: c.encoding,
      timeouts: { ...c.timeouts },
      active: {
        ...(c.activeAddress !== null ? { externalAddress: c.activeAddress } : {}),
        ...(c.activePorts !== null ? { portRange: c.activePorts } : {}),
      },
      serverKnowledge: this.profile,
      kernelRelay: c.kernelRelay,
      ...(signal ? { signal } : {}),
    };
  }

  /**
   * /readyz: a configured server must give a working session; pass-through must greet with 220.
   * A failure carries its error for the log; the detail is the caller's fixed sentence.
   */
  async check(signal?: AbortSignal): Promise<ProbeResult & { error?: unknown }> {
    if (this.passThrough) return probeGreeting(this.config, signal);
    const t = this.config.timeouts;
    const timeout = AbortSignal.timeout(t.connectMs + t.commandMs + this.config.pool.acquireTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await this.pool(null).use((session) => session.noop(combined), { signal: combined });
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: readinessDetail(err), error: err };
    }
  }

  /** Pool gauges, summed over the credential pools of a pass-through server. */
  stats(): FtpPoolStats | null {
    const pools = this.passThrough ? [...this.#credentialPools.values()].map((e) => e.pool) : this.#pool ? [this.#pool] : [];
    if (pools.length === 0) return null;
    const all = pools.map((p) => p.stats());
    const sum = (k: keyof FtpPoolStats): number => all.reduce((n, s) => n + (s[k] ?? 0), 0);
    return {
      max: sum('max'),
      effectiveMax: sum('effectiveMax'),
      size: sum('size'),
      idle: sum('idle'),
      busy: sum('busy'),
      waiting: sum('waiting'),
      pendingCreates: sum('pendingCreates'),
    } as FtpPoolStats;
  }

  async close(): Promise<void> {
    const pools = [...this.#credentialPools.values()].map((e) => e.pool);
    if (this.#pool) pools.push(this.#pool);
    this.#credentialPools.clear();
    this.#pool = null;
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  #newPool(name: string, credentials: Credentials | null): FtpPool {
    const p = this.config.pool;
    const pool: FtpPool = new FtpPool({
      name,
      create: async (signal: AbortSignal) => {
        const session = await this.#connect(this.connectOptions(credentials, signal));
        // One PWD per pool, not per session or request: an absolute root needs none,
        // and sessions after the first log in as the same user. (`pool` is read
        // only after the await, when the constructor has returned.)
        if (this.config.root.relativeTo === 'login' && !this.#loginDirectories.has(pool)) {
          try {
            const directory = await learnLoginDirectory(session, signal);
            this.#loginDirectories.set(pool, directory);
            if (!this.passThrough) this.profile.learn('loginDirectory', directory);
          } catch (err) {
            session.destroy();
            throw err;
          }
        }
        return session;
      },
      max: p.max,
      min: credentials === null ? p.min : 0,
      idleTimeoutMs: p.idleTimeoutMs,
      acquireTimeoutMs: p.acquireTimeoutMs,
      // Every pool of the server counts: the server sees them all.
      onCapacityRefused: (open) => {
        const held = Math.max(open, this.stats()?.size ?? 0);
        if (held > 0) this.profile.learn('sessionLimit', held);
      },
    });
    return pool;
  }

  /** Keep at most maxCredentialPools: close the least recently used idle ones. */
  #evictIdle(): void {
    if (this.#credentialPools.size < this.#maxCredentialPools) return;
    const byAge = [...this.#credentialPools.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key, entry] of byAge) {
      if (this.#credentialPools.size < this.#maxCredentialPools) break;
      const s = entry.pool.stats();
      if (s.busy > 0 || s.waiting > 0 || s.pendingCreates > 0) continue;
      this.#credentialPools.delete(key);
      void entry.pool.close();
    }
  }
}

export class ServerRegistry {
  #servers = new Map<string, ServerHandle>();
  #logger: Logger | undefined;

  constructor(servers: readonly ServerConfig[], options: ServerRegistryOptions = {}) {
    const connect = options.connect ?? connectFtp;
    this.#logger = options.logger;
    for (const server of servers) {
      this.#servers.set(server.name, new ServerHandle(server, connect, options.maxCredentialPools ?? 32));
    }
  }

  get(name: string): ServerHandle | undefined {
    return this.#servers.get(name);
  }

  names(): string[] {
    return [...this.#servers.keys()];
  }

  /** `GET /api/v1/servers`: never credentials. */
  list(): ServerSummary[] {
    return [...this.#servers.values()].map(({ config }) => summary(config));
  }

  /** `GET /api/v1/servers/{server}`; undefined for an unknown name. */
  describe(name: string, credentials: Credentials | null): ServerDescription | undefined {
    const handle = this.#servers.get(name);
    if (!handle) return undefined;
    return { ...summary(handle.config), profile: handle.describeProfile(credentials) };
  }

  async check(name: string, signal?: AbortSignal): Promise<ProbeResult> {
    const handle = this.#servers.get(name);
    if (!handle) return { ok: false, detail: 'unknown server' };
    const { error, ...result } = await handle.check(signal);
    // /readyz shows only the fixed detail; the operator reads the reply here.
    if (error !== undefined) this.#logger?.warn({ server: name, err: logSafe(error), detail: result.detail }, 'server not ready');
    return result;
  }

  /** For /readyz: every server, in configuration order. */
  async checkAll(signal?: AbortSignal): Promise<Array<{ name: string } & ProbeResult>> {
    return Promise.all(this.names().map(async (name) => ({ name, ...(await this.check(name, signal)) })));
  }

  /** For metrics.trackPools. */
  poolStats(): Array<{ server: string; stats: FtpPoolStats }> {
    const out: Array<{ server: string; stats: FtpPoolStats }> = [];
    for (const handle of this.#servers.values()) {
      const stats = handle.stats();
      if (stats) out.push({ server: handle.name, stats });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#servers.values()].map((h) => h.close()));
    this.#logger?.debug('ftp pools closed');
  }
}

function summary(c: ServerConfig): ServerSummary {
  return { name: c.name, host: c.host, port: c.port, tls: c.tls.mode, mode: c.mode, type: c.type, readOnly: c.readOnly };
}

/**
 * Whose view of a server: its name, plus the credential key on a
 * pass-through server (each caller's account may see other files). Claims
 * and watches of one folder in one scope share what they observed of it.
 */
export function accountScope(server: string, credentials: Credentials | null): string {
  return credentials === null ? server : `${server}\0${credentialKey(credentials)}`;
}

export function credentialKey(credentials: Credentials): string {
  return createHash('sha256').update(credentials.user).update('\0').update(credentials.password).digest('hex');
}
