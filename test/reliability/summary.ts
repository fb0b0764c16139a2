// Figures shared between the reliability test files. Node's runner gives each
// file its own process, so each file writes its figures to a JSON file in the
// folder the run names in FTPGW_FIGURES_DIR; once every file has finished,
// `npm run test:reliability` (scripts/test.ts --summary) reads them, prints
// one line per section, checks them and removes the folder. A file run on its
// own, without that variable, records nothing.
//
// The same module holds the secrets grep: every file feeds what it captured
// (log lines, response bodies and headers, /metrics text, child output) to a
// SecretScan, which records how much it read and which secrets it found.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export interface FaultFigures {
  scenarios: number;
  survived: number;
  bytesLost: number;
}

export interface LoadFigures {
  clients: number;
  seconds: number;
  pool: number;
  requests: number;
  unexpectedErrors: number;
  documented503: number;
  filesVerified: number;
  peakControls: number;
  rssWarmMiB: number;
  rssEndMiB: number;
}

export interface HostileFigures {
  tried: number;
  refused: number;
  reachedFtp: number;
}

export interface PeerFigures {
  tried: number;
  refused: number;
}

export interface PropertyFigures {
  properties: number;
  runs: number;
  counterexamples: number;
}

/** Claims across gateway processes (claims.test.ts): the queue run, and the run where one process was killed. */
export interface ClaimsFigures {
  files: number;
  processes: number;
  consumers: number;
  duplicates: number;
  lost: number;
  seconds: number;
  killed: { files: number; held: number; duplicates: number; lost: number; recoverySeconds: number | null };
}

export interface SecretFigures {
  bytesScanned: number;
  leaks: string[];
}

export interface SectionFigures {
  faults?: FaultFigures | undefined;
  load?: LoadFigures | undefined;
  hostile?: HostileFigures | undefined;
  peers?: PeerFigures | undefined;
  properties?: PropertyFigures | undefined;
  claims?: ClaimsFigures | undefined;
  secrets?: SecretFigures | undefined;
}

/** The environment variable naming the folder of this run's figures. */
export const FIGURES_DIR_ENV = 'FTPGW_FIGURES_DIR';

/** Writes this file's figures (one JSON per test file, named by `name`), when the run collects them. */
export function recordFigures(name: string, figures: SectionFigures): void {
  const dir = process.env[FIGURES_DIR_ENV];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(figures));
}

/** All figures written in this run, summed per section. */
export function collectFigures(dir: string): CollectedFigures {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  const all = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SectionFigures);
  const sum = <K extends keyof SectionFigures>(
    key: K,
    add: (a: NonNullable<SectionFigures[K]>, b: NonNullable<SectionFigures[K]>) => NonNullable<SectionFigures[K]>,
  ): SectionFigures[K] | undefined => {
    let acc: NonNullable<SectionFigures[K]> | undefined;
    for (const f of all) {
      const v = f[key];
      if (v === undefined) continue;
      acc = acc === undefined ? (v as NonNullable<SectionFigures[K]>) : add(acc, v as NonNullable<SectionFigures[K]>);
    }
    return acc;
  };
  return {
    files,
    faults: sum('faults', (a, b) => ({
      scenarios: a.scenarios + b.scenarios,
      survived: a.survived + b.survived,
      bytesLost: a.bytesLost + b.bytesLost,
    })),
    load: sum('load', (_a, b) => b),
    hostile: sum('hostile', (a, b) => ({
      tried: a.tried + b.tried,
      refused: a.refused + b.refused,
      reachedFtp: a.reachedFtp + b.reachedFtp,
    })),
    peers: sum('peers', (a, b) => ({ tried: a.tried + b.tried, refused: a.refused + b.refused })),
    properties: sum('properties', (a, b) => ({
      properties: a.properties + b.properties,
      runs: a.runs + b.runs,
      counterexamples: a.counterexamples + b.counterexamples,
    })),
    claims: sum('claims', (_a, b) => b),
    secrets: sum('secrets', (a, b) => ({ bytesScanned: a.bytesScanned + b.bytesScanned, leaks: [...a.leaks, ...b.leaks] })),
  };
}

export type CollectedFigures = SectionFigures & { files: string[] };

/** One line per section that recorded figures. */
export function summaryLines(figures: CollectedFigures): string[] {
  const lines: string[] = [];
  const { faults, load, hostile, peers, properties, claims, secrets } = figures;
  if (faults) lines.push(`faults: ${faults.scenarios} scenarios, ${faults.survived} survived, ${faults.bytesLost} bytes lost`);
  if (load) {
    lines.push(
      `load: ${load.clients} clients, ${load.seconds} s, pool ${load.pool}, ${load.requests} requests, ${load.unexpectedErrors} unexpected errors, ` +
        `${load.documented503} documented 503, ${load.filesVerified} files verified, peak ${load.peakControls} control connections, RSS ${load.rssWarmMiB} → ${load.rssEndMiB} MiB`,
    );
  }
  if (hostile)
    lines.push(`hostile inputs: ${hostile.tried} tried, ${hostile.refused} refused, ${hostile.reachedFtp} reached the FTP server`);
  if (peers) lines.push(`hostile peers and names: ${peers.tried} tried, ${peers.tried === peers.refused ? 'all' : peers.refused} stopped`);
  if (properties)
    lines.push(`properties: ${properties.properties} properties, ${properties.runs} runs, ${properties.counterexamples} counterexamples`);
  if (claims) {
    const k = claims.killed;
    lines.push(
      `claims: ${claims.files} files, ${claims.consumers} consumers on ${claims.processes} processes, ${claims.duplicates} duplicates, ${claims.lost} lost, ${claims.seconds} s; ` +
        `kill -9 with ${k.held} claims held: ${k.files} files, ${k.duplicates} duplicates, ${k.lost} lost, held files acked by the other process ${k.recoverySeconds} s after the kill`,
    );
  }
  if (secrets)
    lines.push(
      `secrets: ${(secrets.bytesScanned / 2 ** 20).toFixed(1)} MiB of logs, bodies and metrics grepped, ${secrets.leaks.length} credentials found`,
    );
  return lines;
}

/** What the figures of the whole run must show, beyond each file's own assertions: every failed check, in words. */
export function summaryFailures(figures: CollectedFigures): string[] {
  const failures: string[] = [];
  const { faults, hostile, claims, secrets } = figures;
  if (figures.files.length === 0) failures.push('no reliability figures were recorded in this run');
  if (faults && faults.survived !== faults.scenarios) failures.push(`${faults.scenarios - faults.survived} fault scenarios not survived`);
  if (faults && faults.bytesLost !== 0) failures.push(`${faults.bytesLost} bytes lost`);
  if (hostile && hostile.reachedFtp !== 0) failures.push(`${hostile.reachedFtp} hostile inputs reached the FTP server`);
  if (claims && claims.duplicates + claims.lost + claims.killed.duplicates + claims.killed.lost !== 0) {
    failures.push(`claims: ${claims.duplicates + claims.killed.duplicates} files acked twice, ${claims.lost + claims.killed.lost} lost`);
  }
  if (secrets && secrets.leaks.length > 0) failures.push(`secrets found: ${secrets.leaks.join(', ')}`);
  return failures;
}

/**
 * Greps captured text for secrets as it arrives (nothing is kept but a
 * tail, so a long load run does not hold its whole log in memory). A secret
 * split across two chunks is still found: the tail overlaps the next chunk.
 */
export class SecretScan {
  readonly #secrets: string[];
  readonly #found = new Set<string>();
  #tail = '';
  #bytes = 0;
  #masked = 0;

  constructor(secrets: readonly string[]) {
    // The percent-encoded form too: a secret may leak inside a URL.
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s.length < 6) throw new Error('a secret this short would match by chance; pick a longer one');
      forms.add(s);
      forms.add(encodeURIComponent(s));
    }
    this.#secrets = [...forms];
  }

  add(text: string | Buffer): void {
    const s = typeof text === 'string' ? text : text.toString('latin1');
    this.#bytes += s.length;
    const window = this.#tail + s;
    for (const secret of this.#secrets) if (window.includes(secret)) this.#found.add(secret);
    const keep = Math.max(...this.#secrets.map((x) => x.length), 1);
    this.#tail = window.slice(-keep);
  }

  /**
   * An error body (problem+json) from the gateway. Besides the secrets, a
   * masked one: "***" in a body tells a caller which guess was the password
   * (contract v1.1, Errors), so it counts as a leak too.
   */
  addProblem(body: string | Buffer): void {
    const s = typeof body === 'string' ? body : body.toString('utf8');
    this.add(s);
    if (s.includes('***')) this.#masked++;
  }

  /** A stream to hand to pino (or to pipe child output into). */
  stream(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.add(chunk);
        done();
      },
    });
  }

  /** The secrets found, each shown only by its length (never the secret itself). */
  get leaks(): string[] {
    const found = [...this.#found].map((s) => `a ${s.length}-character secret`);
    return this.#masked > 0 ? [...found, `a masked secret in ${this.#masked} error bodies`] : found;
  }

  get bytesScanned(): number {
    return this.#bytes;
  }

  figures(): SecretFigures {
    return { bytesScanned: this.#bytes, leaks: this.leaks };
  }
}
