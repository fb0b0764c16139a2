import { ftpChannels, publish, type FtpProfileEvent } from '../diagnostics.js';
import { createPipeliningKnowledge } from '../control/serverKnowledge.js';
import type {
  FtpDataMethod,
  FtpDataMethodOutcome,
  FtpLearnableFact,
  FtpModeMemory,
  FtpRestMode,
  FtpServerFacts,
  FtpServerKnowledge,
  FtpServerProfileSnapshot,
} from '../types.js';

/** Where the profile's change events say they come from (never credentials). */
export interface FtpServerProfileLabel {
  /** The gateway's name for the server, when it has one. */
  name?: string;
  host?: string;
  port?: number;
}

/**
 * Everything the sessions of one server learned about it, in one object:
 * the pipelining switch (control/serverKnowledge.ts), the data method `auto`
 * starts from, which data methods work or were refused, and the facts each
 * session records as it meets them (FEAT, SYST, the listing format, REST,
 * SIZE on directories, the session limit). Sessions read their decisions
 * from here; the gateway shows it (GET /api/v1/servers/{server}).
 *
 * Each fact starts unknown (null, or `untried`) and is only ever set from
 * what the server did. It holds no credentials and nothing a caller sent.
 * A change publishes one `ftpChannels.profile` event (a debug log line).
 */
export class ServerProfile implements FtpServerKnowledge {
  readonly #label: FtpServerProfileLabel;
  readonly #pipelining = createPipeliningKnowledge();
  readonly #facts: FtpServerFacts = {
    system: null,
    features: null,
    loginDirectory: null,
    dataMethods: { EPSV: 'untried', PASV: 'untried', EPRT: 'untried', PORT: 'untried' },
    refusedWith: {},
    listing: null,
    listingDialect: null,
    utf8: null,
    restMode: null,
    sizeInAscii: null,
    sizeOnDirectories: null,
    tlsSessionReuse: null,
    sessionLimit: null,
    pipelining: null,
  };
  #autoMethod: FtpDataMethod | undefined;
  #reached = false;
  #learnedAt: Date | null = null;

  /** `auto` starts from the data method that worked last (set by `auto` only: an explicit mode never changes it). */
  readonly modeMemory: FtpModeMemory = {
    get: () => this.#autoMethod,
    set: (method) => {
      if (this.#autoMethod === method) return;
      this.#autoMethod = method;
      this.#changed('autoMethod', method);
    },
  };

  constructor(label: FtpServerProfileLabel = {}) {
    this.#label = label;
  }

  get facts(): Readonly<FtpServerFacts> {
    return this.#facts;
  }

  // ---- pipelining (the state machine lives in control/serverKnowledge.ts)

  get pipelining(): boolean | undefined {
    return this.#pipelining.pipelining;
  }

  claimPipeliningProbe(): boolean {
    return this.#pipelining.claimPipeliningProbe();
  }

  learnPipelining(supported: boolean): boolean {
    const changed = this.#pipelining.learnPipelining(supported);
    if (changed) {
      this.#facts.pipelining = supported;
      this.#changed('pipelining', supported);
    }
    return changed;
  }

  abandonPipeliningProbe(): void {
    this.#pipelining.abandonPipeliningProbe();
  }

  // ---- facts with their own recorder (the sessions' REST, SYST and LIST code calls these)

  get restMode(): FtpRestMode | undefined {
    return this.#facts.restMode ?? undefined;
  }

  learnRestMode(mode: FtpRestMode): boolean {
    return this.#set('restMode', mode);
  }

  get system(): string | undefined {
    return this.#facts.system ?? undefined;
  }

  learnSystem(text: string): void {
    this.#set('system', text);
  }

  get listingDialect(): string | undefined {
    return this.#facts.listingDialect ?? undefined;
  }

  learnListingDialect(name: string): boolean {
    return this.#set('listingDialect', name);
  }

  // ---- recording

  /** A session got the server's 220: from now on the profile is shown (with what is still unknown as null). */
  reached(): void {
    if (this.#reached) return;
    this.#reached = true;
    this.#learnedAt ??= new Date();
  }

  /** The one way to record a fact; a value equal to the known one changes nothing. */
  learn<K extends FtpLearnableFact>(fact: K, value: FtpServerFacts[K]): void {
    this.#set(fact, value);
  }

  /** True when it changed what was known. */
  #set<K extends keyof FtpServerFacts>(fact: K, value: FtpServerFacts[K]): boolean {
    if (sameValue(this.#facts[fact], value)) return false;
    this.#facts[fact] = value;
    this.#changed(fact, value);
    return true;
  }

  /**
   * What one data method did: `works` (a data connection was made over it),
   * `refused` (the server answered its command with a 4xx/5xx: `code`), or
   * `failed` (accepted, but no data connection came of it).
   */
  learnDataMethod(method: FtpDataMethod, outcome: Exclude<FtpDataMethodOutcome, 'untried'>, code?: number): void {
    const before = this.#facts.dataMethods[method];
    const codeBefore = this.#facts.refusedWith[method];
    this.#facts.dataMethods[method] = outcome;
    if (outcome === 'refused' && code !== undefined) this.#facts.refusedWith[method] = code;
    else delete this.#facts.refusedWith[method];
    if (before !== outcome || codeBefore !== this.#facts.refusedWith[method]) {
      this.#changed(`dataMethods.${method}`, outcome === 'refused' && code !== undefined ? `${outcome} (${code})` : outcome);
    }
  }

  /**
   * True when the server refused this method's command for good (a 5xx:
   * not implemented, or not permitted as vsftpd's `550 Permission denied.`
   * with port_enable=NO): sessions skip it instead of asking again. A 4xx is
   * transient and is asked again.
   */
  refusedForGood(method: FtpDataMethod): boolean {
    const code = this.#facts.refusedWith[method];
    return this.#facts.dataMethods[method] === 'refused' && code !== undefined && code >= 500;
  }

  /** The view of GET /api/v1/servers/{server}; null while no session has reached the server. */
  snapshot(): FtpServerProfileSnapshot | null {
    if (!this.#reached && this.#learnedAt === null) return null;
    const f = this.#facts;
    return {
      system: f.system,
      features: f.features === null ? null : [...f.features],
      loginDirectory: f.loginDirectory,
      dataMethods: { ...f.dataMethods },
      refusedWith: { ...f.refusedWith },
      autoMethod: this.#autoMethod ?? null,
      listing: f.listing,
      listingDialect: f.listingDialect,
      utf8: f.utf8,
      restMode: f.restMode,
      sizeInAscii: f.sizeInAscii,
      sizeOnDirectories: f.sizeOnDirectories,
      tlsSessionReuse: f.tlsSessionReuse,
      sessionLimit: f.sessionLimit,
      pipelining: f.pipelining,
      learnedAt: (this.#learnedAt ?? new Date()).toISOString(),
    };
  }

  #changed(fact: string, value: unknown): void {
    this.#learnedAt = new Date();
    const { name, host, port } = this.#label;
    publish(ftpChannels.profile, () => ({ name, host, port, fact, value }) satisfies FtpProfileEvent);
  }
}

/** A fresh profile for one server (or one pass-through credential pool), shared by its sessions. */
export function createServerKnowledge(label?: FtpServerProfileLabel): ServerProfile {
  return new ServerProfile(label);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
