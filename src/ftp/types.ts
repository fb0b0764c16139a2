import type net from 'node:net';
import type { Readable, Writable } from 'node:stream';

export type FtpDataMode = 'passive' | 'active' | 'auto';
/** The concrete data-connection commands `auto` walks through, in order. */
export type FtpDataMethod = 'EPSV' | 'PASV' | 'EPRT' | 'PORT';
export type FtpTransferType = 'binary' | 'ascii';
export type FtpEol = 'lf' | 'crlf';
export type FtpTlsMode = 'none' | 'explicit' | 'implicit';

export interface FtpTlsOptions {
  mode: FtpTlsMode;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  /** PEM text of extra CAs to trust. */
  ca?: string | Buffer;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** SNI / certificate host name; defaults to `host` when it is not an IP. */
  servername?: string;
}

export interface FtpTimeouts {
  /** TCP + TLS connect and the 220 greeting. */
  connectMs: number;
  /** Waiting for a reply to a command. */
  commandMs: number;
  /** Inactivity on a data connection (and waiting for the server to connect in active mode). */
  dataMs: number;
}

export interface FtpActiveOptions {
  /** Local address to listen on; default: the control socket's local address. */
  bindAddress?: string;
  /** Address advertised in EPRT/PORT (NAT); default: the control socket's local address. */
  externalAddress?: string;
  /** Inclusive port range to listen on; default: any free port. */
  portRange?: readonly [number, number];
}

/** Remembers, per server, which data-connection method worked last (`auto` starts there). */
export interface FtpModeMemory {
  get(): FtpDataMethod | undefined;
  set(method: FtpDataMethod): void;
}

/** What one data method did on this server: see FtpServerKnowledge.learnDataMethod. */
export type FtpDataMethodOutcome = 'works' | 'refused' | 'failed' | 'untried';

/**
 * The facts of a server profile. null: not learned (yet).
 */
export interface FtpServerFacts {
  /** The SYST reply's text (`UNIX Type: L8`), '' when refused. */
  system: string | null;
  /** FEAT's lines (`MLST type*;size*;modify*;`, `UTF8`); [] when FEAT was refused. */
  features: string[] | null;
  /** PWD after login (for a pass-through server, the gateway keeps one per credential pool instead). */
  loginDirectory: string | null;
  dataMethods: Record<FtpDataMethod, FtpDataMethodOutcome>;
  /** The reply code of each `refused` data method. */
  refusedWith: Partial<Record<FtpDataMethod, number>>;
  /** What listings use: MLSD when FEAT lists MLST, else LIST. */
  listing: 'MLSD' | 'LIST' | null;
  /** The dialect of the last listing (`mlsd`, `unix`, `windows`, `vms`, …). */
  listingDialect: string | null;
  /** FEAT lists UTF8. */
  utf8: boolean | null;
  /** REST (RFC 3659 §5): `stream` once a REST was taken, `none` once one was refused as not implemented (see FtpServerKnowledge.restMode). */
  restMode: 'stream' | 'none' | null;
  /** SIZE answers in TYPE A. */
  sizeInAscii: boolean | null;
  /** SIZE answers for directories too (ftp-srv): stat() asks CWD first there. */
  sizeOnDirectories: boolean | null;
  /** PROT P data connections must resume the control connection's TLS session (true), or need not (false). */
  tlsSessionReuse: boolean | null;
  /** Sessions this process held when the server refused one more (421, or a 530 saying so). */
  sessionLimit: number | null;
  /** Takes several commands in one write (see FtpServerKnowledge.pipelining). */
  pipelining: boolean | null;
}

/** The facts that are one value each, recorded through FtpServerKnowledge.learn. */
export type FtpLearnableFact = Exclude<
  keyof FtpServerFacts,
  'dataMethods' | 'refusedWith' | 'pipelining' | 'restMode' | 'system' | 'listingDialect'
>;

/** The profile as shown: the facts, the method `auto` starts from, and when it last changed. */
export interface FtpServerProfileSnapshot extends FtpServerFacts {
  autoMethod: FtpDataMethod | null;
  /** ISO 8601: the last change (or the first session's greeting). */
  learnedAt: string;
}

/**
 * What has been learned about one server, shared by all its sessions: its
 * profile (profile/serverProfile.ts). Each fact starts unknown and is learned
 * from how the server behaves, never assumed; sessions read their decisions
 * from it (pipelining, where `auto` starts, data methods refused for good,
 * SIZE on directories).
 */
export interface FtpServerKnowledge {
  /**
   * Whether the server answers several commands sent in one write, each in
   * turn (RFC 959 lets a client send ahead; servers that read one command
   * per read do not). undefined until learned; until then, and when false,
   * commands go one at a time.
   */
  readonly pipelining: boolean | undefined;
  /** True for the one session that is to find out now: not known yet, and nobody else is finding out. */
  claimPipeliningProbe(): boolean;
  /** What a probe, or a pipelined write left unanswered, showed; ends a claim. False when it was known already. */
  learnPipelining(supported: boolean): boolean;
  /** The probe ended without an answer (aborted): the next session to log in tries again. */
  abandonPipeliningProbe(): void;
  /**
   * Restarting a transfer at an offset (REST, RFC 3659 §5): `stream` once a
   * REST was taken (350), `none` once one was refused as not implemented
   * (servers without it: many embedded and mainframe ones); undefined until a
   * session needed it. FEAT is no proof either way: netkit ftpd takes REST
   * and has no FEAT. Byte ranges read it (`none`: the whole file instead).
   */
  readonly restMode: FtpRestMode | undefined;
  /** What a REST showed; false when it was known already. */
  learnRestMode(mode: FtpRestMode): boolean;
  /** The SYST reply's text (RFC 959 §4.1.3), '' when refused; undefined until asked. */
  readonly system: string | undefined;
  learnSystem(text: string): void;
  /**
   * The dialect the server's last LIST was in (`unix`, `windows`, `vms`,
   * ...; see src/ftp/listing/detectDialect.ts): the next listing tries it
   * first. undefined until a LIST line was recognised.
   */
  readonly listingDialect: string | undefined;
  /** True when it changed what was known. */
  learnListingDialect(name: string): boolean;

  readonly facts: Readonly<FtpServerFacts>;
  /** Where `auto` starts: set by `auto` only. */
  readonly modeMemory: FtpModeMemory;
  /** A session got the 220 greeting. */
  reached(): void;
  /** Records one fact; the same value again changes nothing. */
  learn<K extends FtpLearnableFact>(fact: K, value: FtpServerFacts[K]): void;
  /** `works`: a data connection was made; `refused`: its command got a 4xx/5xx (`code`); `failed`: accepted, but no connection. */
  learnDataMethod(method: FtpDataMethod, outcome: Exclude<FtpDataMethodOutcome, 'untried'>, code?: number): void;
  /** Refused with a 5xx: sessions skip it. */
  refusedForGood(method: FtpDataMethod): boolean;
  /** null while no session has reached the server. */
  snapshot(): FtpServerProfileSnapshot | null;
}

export type FtpRestMode = 'stream' | 'none';

export interface FtpConnectOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** ACCT's argument, sent when the server answers USER or PASS with 332 (RFC 959 §4.1.1); masked like PASS. */
  account?: string;
  /** SITE arguments sent, in order, once logged in (after FEAT): z/OS `RECFM=FB LRECL=80`. A refusal fails the connect. */
  siteCommands?: readonly string[];
  tls?: FtpTlsOptions;
  /** Control-channel encoding (iconv-lite name): utf8 (default), latin1, gb18030, shift_jis, ... */
  encoding?: string;
  timeouts?: Partial<FtpTimeouts>;
  active?: FtpActiveOptions;
  /**
   * PASV: connect to the control peer instead of the address in the 227 reply
   * (curl's --ftp-skip-pasv-ip). Default true.
   */
  ignorePasvAddress?: boolean;
  /** Where `auto` starts; default: the server knowledge's own (`serverKnowledge.modeMemory`). */
  modeMemory?: FtpModeMemory;
  /**
   * The server's profile, shared across the sessions of one server so each
   * fact is learned once per server (the pipelining probe costs one round
   * trip at the first login). Without it the session learns for itself.
   */
  serverKnowledge?: FtpServerKnowledge;
  /** PROT P data connections resume the control connection's TLS session (default true; a diagnosis turns it off once). */
  resumeDataTlsSession?: boolean;
  /** Ask OPTS UTF8 ON when FEAT lists UTF8 (default true when encoding is utf8). */
  utf8?: boolean;
  /** Binary downloads into an FtpDirectTarget may go through the kernel relay when it is on (src/relay: once its self-test passed; default true). */
  kernelRelay?: boolean;
  signal?: AbortSignal;
}

export type FtpEntryType = 'file' | 'directory' | 'symlink' | 'unknown';

/**
 * What `modifiedAt` really says: MLSD facts carry seconds, an `ls` line a
 * time to the minute, or only a day when it shows a year instead of a time
 * (then `modifiedAt` is that day's midnight, not a time the file was touched).
 */
export type FtpTimePrecision = 'second' | 'minute' | 'day';

export interface FtpEntry {
  name: string;
  type: FtpEntryType;
  /** Bytes, or null when the listing does not say. */
  size: number | null;
  modifiedAt: Date | null;
  /** Set whenever modifiedAt is. */
  modifiedAtPrecision?: FtpTimePrecision;
  /** Symlink target when the listing names one. */
  target?: string;
  /**
   * The listing line, on entries read from a line no dialect understood
   * (type `unknown`, name = the line, size and modifiedAt null): kept, not
   * dropped, so a caller sees it and it counts like any entry.
   */
  raw?: string;
}

export interface FtpTransferProgress {
  /** Bytes moved on the data connection so far (wire bytes, a running total). */
  bytes: number;
}

export interface FtpTransferOptions {
  mode?: FtpDataMode;
  type?: FtpTransferType;
  signal?: AbortSignal;
  onProgress?: (progress: FtpTransferProgress) => void;
}

export interface FtpDownloadOptions extends FtpTransferOptions {
  /** ASCII only: local line ends of the result. Default lf. */
  eol?: FtpEol;
  /** Start at this byte (REST), a non-negative integer. Binary only. */
  offset?: number;
  /** Stop after this many bytes (then ABOR), a positive integer. Binary only. */
  length?: number;
  /**
   * Binary only: the bytes this download must bring (the size the server
   * told, less a range's start). Stream mode ends a file with the data
   * connection's end, which a connection cut cleanly imitates, and vsftpd
   * then may still answer 226: fewer bytes is FTP_TRANSFER_INCOMPLETE.
   */
  expectedBytes?: number;
  /**
   * The data connection is open and RETR accepted, before any byte reaches
   * `destination`: the method used, and the size the 150 named, if any
   * (what a caller without SIZE can still declare).
   */
  onOpened?: (opened: { method: FtpDataMethod; announcedBytes: number | null }) => void;
}

/** What statAndDownload does once the stat is known: this download, or (null) nothing more. */
export interface FtpDownloadRequest {
  destination: Writable;
  options: FtpDownloadOptions;
}

/** Given the stat (null: no such path), the download to make, or null for none; may throw. */
export type FtpDownloadDecision = (stat: FtpStat | null) => FtpDownloadRequest | null;

export interface FtpStatAndDownloadOptions {
  /** The data mode and type the download will most likely use: its data command is sent ahead with the stat. */
  mode?: FtpDataMode;
  type?: FtpTransferType;
  /** false when a download is unlikely (HEAD): nothing is sent ahead. */
  transfer?: boolean;
  signal?: AbortSignal;
}

export interface FtpUploadOptions extends FtpTransferOptions {
  /** APPE instead of STOR. */
  append?: boolean;
}

/**
 * A download destination that can also take the bytes straight into its TCP
 * socket from the kernel relay (src/relay): binary downloads over clear data
 * connections, when the relay is on. Otherwise, and whenever it declines,
 * the destination is written as a stream.
 */
export interface FtpDirectTarget {
  /** The socket to write into directly, or null to be written as a stream. */
  directSocket(): net.Socket | null;
  /**
   * Called once the first byte is ready, before any is written directly:
   * whatever the target must send first is then in the kernel. Resolves
   * false to be written as a stream after all.
   */
  beforeDirect(): Promise<boolean>;
  /** Bytes written into the socket directly so far (a running total). */
  directBytes(total: number): void;
  /**
   * Once bytes go directly: a reader of the live counts. `bytesIn` (read
   * from the data connection) bounds what the socket may have received;
   * `bytes` is what was written into it.
   */
  directCounts?(read: () => { bytes: number; bytesIn: number }): void;
}

export interface FtpTransferResult {
  /** Bytes moved on the data connection (wire bytes, after ASCII conversion for uploads). */
  bytes: number;
  /** Bytes given to / taken from the caller's stream. */
  localBytes: number;
  /** The data method that carried it. */
  method: FtpDataMethod;
}

export interface FtpListOptions {
  mode?: FtpDataMode;
  /** Exactly this data method, no fallback (a diagnosis tries each); wins over `mode`. */
  method?: FtpDataMethod;
  signal?: AbortSignal;
  /** list() only: refuse listings with more entries than this (default 1,000,000). */
  maxEntries?: number;
}

/** Takes a listing's entries as they arrive; the listing reads on once what it returns has settled. */
export type FtpEntriesConsumer = (entries: FtpEntry[]) => void | Promise<void>;

export interface FtpStat {
  type: FtpEntryType;
  size: number | null;
  modifiedAt: Date | null;
}

/**
 * What the pool and the HTTP layer use of one logged-in session. Implemented
 * by FtpClient; the pool takes a factory of these so tests can inject others.
 */
export interface FtpSession {
  readonly id: number;
  /** False once the control connection is closed or in an unknown state. */
  readonly usable: boolean;
  /** Data bytes moved since the last resetCounters(); the pool retries only when 0. */
  readonly bytesSinceReset: number;
  /** ms timestamp of the last reply received. */
  readonly lastActivity: number;
  readonly features: ReadonlyMap<string, string>;
  /** What this server showed of REST so far (FtpServerKnowledge.restMode); undefined: not known. */
  readonly restMode?: FtpRestMode | undefined;
  resetCounters(): void;

  pwd(signal?: AbortSignal): Promise<string>;
  cwd(path: string, signal?: AbortSignal): Promise<void>;
  size(path: string, signal?: AbortSignal): Promise<number | null>;
  modifiedAt(path: string, signal?: AbortSignal): Promise<Date | null>;
  /** MLST when available, else SIZE/MDTM/CWD probing. Null when the path does not exist. */
  stat(path: string, signal?: AbortSignal): Promise<FtpStat | null>;
  list(path: string, options?: FtpListOptions): Promise<FtpEntry[]>;
  /** The listing in the server's order, entry batches as they arrive, with backpressure; keeps nothing. */
  streamList(path: string, onEntries: FtpEntriesConsumer, options?: FtpListOptions): Promise<void>;
  nlst(path: string, options?: FtpListOptions): Promise<string[]>;
  download(path: string, destination: Writable, options?: FtpDownloadOptions): Promise<FtpTransferResult>;
  /**
   * stat(), then the download `decide` asks for (null when it asks for none),
   * in one operation: where the server takes pipelined commands, the data
   * connection's EPSV/PASV goes out with the stat's commands (one round trip
   * for both). `decide` may throw; nothing more is sent then.
   */
  statAndDownload(path: string, decide: FtpDownloadDecision, options?: FtpStatAndDownloadOptions): Promise<FtpTransferResult | null>;
  upload(path: string, source: Readable, options?: FtpUploadOptions): Promise<FtpTransferResult>;
  delete(path: string, signal?: AbortSignal): Promise<void>;
  mkdir(path: string, signal?: AbortSignal): Promise<void>;
  rmdir(path: string, signal?: AbortSignal): Promise<void>;
  rename(from: string, to: string, signal?: AbortSignal): Promise<void>;
  noop(signal?: AbortSignal): Promise<void>;
  /** Polite close: QUIT, then end the socket. Never throws. */
  quit(): Promise<void>;
  /** Immediate close. */
  destroy(): void;
}
