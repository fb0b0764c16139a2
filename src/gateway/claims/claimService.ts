import type { Logger } from 'pino';
import { isFtpError, type FtpDataMode, type FtpSession } from '../../ftp/index.js';
import { logSafe } from '../../observability/logSafe.js';
import { isTemporaryName } from '../atomicUpload.js';
import { listDirectory } from '../ftpOps.js';
import { joinRoot } from '../ftpPaths.js';
import { compileGlob } from '../watch/glob.js';
import { StabilityMemory, type FolderVersions } from '../watch/stabilityMemory.js';
import {
  ackClaim,
  extendClaim,
  listClaims,
  releaseClaim,
  returnClaim,
  sweepExpired,
  takeClaim,
  usableName,
  type Claim,
  type ClaimCandidate,
  type ClaimPlace,
  type Disposition,
  type OpContext,
} from './claimOps.js';

/**
 * The per-process side of claims, over the FTP operations of claimOps.ts:
 * what this process saw of each folder (stability), which names its own
 * requests are renaming right now (so its consumers do not race each other
 * for the same file), claim folders found without a marker, one sweep per
 * folder at a time, and a periodic sweep while a folder is in use. Nothing
 * here is needed for correctness across replicas: that is the FTP server's
 * rename. Used by the HTTP routes and by webhooks with `claim: true`.
 */
export type ClaimOutcome = 'taken' | 'acked' | 'released' | 'expired' | 'lost';

export interface ClaimTarget extends ClaimPlace {
  /** Configured server name (metrics, logs). */
  server: string;
  /** What tells this FTP account's view apart: the server name, plus the credential key on a pass-through server. */
  scope: string;
  /** Data connections for the listings: the server's configured mode. */
  mode: FtpDataMode;
}

export interface TakeOptions {
  pattern: string;
  stableMs: number;
  leaseMs: number;
}

/** Runs a function on a pooled session (the periodic sweep has no request to borrow one from). */
export type SessionRunner = (fn: (session: FtpSession) => Promise<void>, signal: AbortSignal) => Promise<void>;

export interface ClaimServiceOptions {
  now?: () => number;
  logger?: Logger;
  count?: (server: string, outcome: ClaimOutcome, n: number) => void;
  /** A claim folder with no marker is returned once seen this long (default 60 s): see sweep(). */
  orphanGraceMs?: number;
  /**
   * The record of a folder a running event poller holds (WatchHub.versions):
   * a claim request observes into it instead of into this service's own
   * memory, so a watched folder's files are stable for claims as they are
   * for events, without a second wait. The poller reads Date.now(): give
   * it only with the default clock.
   */
  watched?: (scope: string, folder: readonly string[]) => FolderVersions | undefined;
}

/** At most this many candidates are tried per request: a request is answered even when many consumers race. */
const MAX_ATTEMPTS = 64;
/** A folder is swept periodically until this long after its last claims request. */
const IN_USE_MS = 600_000;
const SWEEP_MIN_MS = 1_000;
const SWEEP_MAX_MS = 30_000;
const SWEEP_TIMEOUT_MS = 60_000;
/** Names of the claims this process took, by id: at most this many (the oldest go first). */
const KNOWN_NAMES = 10_000;

interface Sweeper {
  timer: NodeJS.Timeout;
  lastUsed: number;
  intervalMs: number;
}

export class ClaimService {
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #count: (server: string, outcome: ClaimOutcome, n: number) => void;
  readonly #orphanGraceMs: number;
  readonly #watched: (scope: string, folder: readonly string[]) => FolderVersions | undefined;
  /** Folders no poller watches. */
  readonly #memory = new StabilityMemory();
  readonly #claiming = new Set<string>();
  readonly #sweeps = new Map<string, Promise<void>>();
  readonly #orphans = new Map<string, number>();
  readonly #sweepers = new Map<string, Sweeper>();
  /** id → file name of the claims this process took: an ack or release here skips listing the claim's folder. */
  readonly #names = new Map<string, string>();
  #closed = false;

  constructor(options: ClaimServiceOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#count = options.count ?? (() => undefined);
    this.#orphanGraceMs = options.orphanGraceMs ?? 60_000;
    this.#watched = options.watched ?? (() => undefined);
  }

  /**
   * The oldest stable file matching `pattern` (by modification time, then
   * name), claimed; null when none is ready. Sweeps the folder first.
   */
  async take(session: FtpSession, target: ClaimTarget, options: TakeOptions, signal: AbortSignal): Promise<Claim | null> {
    const ctx = this.#ctx(target, signal);
    await this.sweep(session, target, signal);
    const entries = await listDirectory(session, joinRoot(target.root, target.folder), { signal, mode: target.mode });
    // The whole listing is observed (a poller's record holds every name), then the candidates are chosen from it.
    const now = this.#now();
    const ages = this.#watched(target.scope, target.folder)?.observe(entries, now) ?? this.#memory.observe(this.#key(target), entries, now);
    const files = entries.filter((e) => e.type === 'file' && usableName(e) && !isTemporaryName(e.name));
    const matches = compileGlob(options.pattern);
    const candidates = files
      .filter((f) => matches(f.name) && (ages.get(f.name) ?? 0) >= options.stableMs && !this.#claiming.has(this.#nameKey(target, f.name)))
      .sort(oldestFirst)
      .slice(0, MAX_ATTEMPTS)
      .map(({ name, size, modifiedAt }) => ({ name, size, modifiedAt }));
    return this.#take(session, target, candidates, options.leaseMs, ctx);
  }

  /** Claim one named file, stable or not (a webhook that saw it stable); null when it is gone. */
  async takeNamed(
    session: FtpSession,
    target: ClaimTarget,
    file: ClaimCandidate,
    leaseMs: number,
    signal: AbortSignal,
  ): Promise<Claim | null> {
    return this.#take(session, target, [file], leaseMs, this.#ctx(target, signal));
  }

  async ack(session: FtpSession, target: ClaimTarget, id: string, disposition: Disposition, signal: AbortSignal): Promise<void> {
    await ackClaim(session, target, id, disposition, this.#ctx(target, signal), this.#names.get(id));
    this.#names.delete(id);
    this.#count(target.server, 'acked', 1);
  }

  async release(session: FtpSession, target: ClaimTarget, id: string, signal: AbortSignal): Promise<void> {
    await releaseClaim(session, target, id, this.#ctx(target, signal), this.#names.get(id));
    this.#names.delete(id);
    this.#count(target.server, 'released', 1);
  }

  extend(session: FtpSession, target: ClaimTarget, id: string, leaseMs: number, signal: AbortSignal): Promise<Date> {
    return extendClaim(session, target, id, leaseMs, this.#ctx(target, signal));
  }

  /**
   * Return the folder's expired claims. One sweep per folder at a time in
   * this process: a request that finds one running does not start another
   * (it would read the same listing). A claim folder without a marker is
   * either a step of someone's claim or sweep, or left by a process that
   * died between two steps; it is returned once this process has seen it
   * without a marker for orphanGraceMs.
   */
  async sweep(session: FtpSession, target: ClaimTarget, signal: AbortSignal): Promise<void> {
    const key = this.#key(target);
    if (this.#sweeps.has(key)) return;
    const run = this.#sweep(session, target, this.#ctx(target, signal)).finally(() => this.#sweeps.delete(key));
    this.#sweeps.set(key, run);
    await run;
  }

  /**
   * Keep sweeping this folder (unref'd timer, never keeping the process up)
   * until IN_USE_MS after the last call, at an interval of the shortest lease
   * asked for (1 to 30 s): replicas that died leave claims only some replica
   * that still serves the folder can return.
   */
  keepSwept(target: ClaimTarget, leaseMs: number, run: SessionRunner): void {
    if (this.#closed) return;
    const key = this.#key(target);
    const intervalMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, leaseMs));
    const existing = this.#sweepers.get(key);
    if (existing !== undefined && existing.intervalMs <= intervalMs) {
      existing.lastUsed = this.#now();
      return;
    }
    if (existing !== undefined) clearInterval(existing.timer);
    const timer = setInterval(() => {
      const sweeper = this.#sweepers.get(key);
      if (sweeper === undefined || this.#now() - sweeper.lastUsed > IN_USE_MS) {
        clearInterval(timer);
        this.#sweepers.delete(key);
        return;
      }
      const signal = AbortSignal.timeout(SWEEP_TIMEOUT_MS);
      run((session) => this.sweep(session, target, signal), signal).catch((err: unknown) => {
        // A closed pool (a pass-through caller's, evicted) will not come back: stop instead of failing every interval.
        if (isFtpError(err) && err.code === 'FTP_POOL_CLOSED') {
          clearInterval(timer);
          if (this.#sweepers.get(key)?.timer === timer) this.#sweepers.delete(key);
          return;
        }
        this.#logger?.warn({ server: target.server, err: logSafe(err) }, 'periodic claims sweep failed');
      });
    }, intervalMs);
    timer.unref();
    this.#sweepers.set(key, { timer, lastUsed: this.#now(), intervalMs });
  }

  /** Stops the periodic sweeps (shutdown). Claims stay on the FTP server for any replica. */
  close(): void {
    this.#closed = true;
    for (const sweeper of this.#sweepers.values()) clearInterval(sweeper.timer);
    this.#sweepers.clear();
  }

  async #sweep(session: FtpSession, target: ClaimTarget, ctx: OpContext): Promise<void> {
    const listing = await listClaims(session, target, ctx);
    if (listing === null) return;
    const expired = await sweepExpired(session, target, listing, ctx);
    if (expired.length > 0) this.#count(target.server, 'expired', expired.length);
    const now = this.#now();
    const prefix = `${this.#key(target)}\0`;
    const orphans = new Set<string>();
    for (const id of listing.folders) {
      if (listing.leases.has(id)) continue;
      const key = prefix + id;
      orphans.add(key);
      const firstSeen = this.#orphans.get(key);
      if (firstSeen === undefined) this.#orphans.set(key, now);
      else if (now - firstSeen >= this.#orphanGraceMs) {
        const returned = await returnClaim(session, target, id, ctx);
        this.#orphans.delete(key);
        this.#logger?.warn({ server: target.server, claim: id, returned }, 'claim folder without a lease marker returned');
        if (returned > 0) this.#count(target.server, 'expired', returned);
      }
    }
    for (const key of this.#orphans.keys()) if (key.startsWith(prefix) && !orphans.has(key)) this.#orphans.delete(key);
  }

  async #take(
    session: FtpSession,
    target: ClaimTarget,
    candidates: ClaimCandidate[],
    leaseMs: number,
    ctx: OpContext,
  ): Promise<Claim | null> {
    const reserve = (name: string): (() => void) | null => {
      const key = this.#nameKey(target, name);
      if (this.#claiming.has(key)) return null;
      this.#claiming.add(key);
      return () => this.#claiming.delete(key);
    };
    const { claim, lost } = await takeClaim(session, target, candidates, leaseMs, ctx, reserve);
    if (lost > 0) this.#count(target.server, 'lost', lost);
    if (claim !== null) {
      this.#count(target.server, 'taken', 1);
      this.#names.set(claim.id, claim.name);
      if (this.#names.size > KNOWN_NAMES) this.#names.delete(this.#names.keys().next().value as string);
    }
    return claim;
  }

  #ctx(target: ClaimTarget, signal: AbortSignal): OpContext {
    return { signal, mode: target.mode, now: this.#now };
  }

  #key(target: ClaimTarget): string {
    return `${target.scope}\0${joinRoot(target.root, target.folder)}`;
  }

  #nameKey(target: ClaimTarget, name: string): string {
    return `${this.#key(target)}\0${name}`;
  }
}

/** By modification time (a file without one last), then by name. */
function oldestFirst(a: ClaimCandidate, b: ClaimCandidate): number {
  const ta = a.modifiedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const tb = b.modifiedAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
