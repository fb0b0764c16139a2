/**
 * The typed, frozen configuration every other module receives. Only
 * `loadConfig()` builds one; nothing else reads the environment or the file.
 */

export type DataMode = 'auto' | 'passive' | 'active';
export type TypeOption = 'binary' | 'ascii' | 'auto';
export type Eol = 'lf' | 'crlf';
export type TlsMode = 'none' | 'explicit' | 'implicit';
export type TlsMaxVersion = 'TLSv1.2' | 'TLSv1.3';
export type ApiKeyScope = 'read' | 'write';

export interface PoolConfig {
  max: number;
  min: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
}

export interface TlsConfig {
  mode: TlsMode;
  rejectUnauthorized: boolean;
  /** PEM text, read at load time from the file path the configuration names. */
  ca: string | null;
  maxVersion: TlsMaxVersion | null;
}

export interface TimeoutsConfig {
  connectMs: number;
  commandMs: number;
  dataMs: number;
}

/**
 * Where a server's files are, as RFC 1738 §3.2.2 and curl read the URL path:
 * each segment is a CWD from the login directory (the PWD after login), so
 * `ftp://h/outbox` is `~/outbox`; a first segment `%2F` (an empty first
 * segment, to curl) starts from the server's `/` instead. Only a session can
 * say what the login directory is, so the root stays in this form until one
 * has logged in.
 */
export interface RootConfig {
  relativeTo: 'login' | '/';
  /** Percent-decoded; none empty, "." or "..", none holding "/", CR, LF or NUL. */
  segments: readonly string[];
}

export interface ServerConfig {
  /** "default" for FTP_URL; the config-file key otherwise. */
  name: string;
  host: string;
  /** 21, or 990 when the TLS mode is implicit, unless the URL names one. */
  port: number;
  /** null: pass-through, the caller's HTTP Basic credentials log in. */
  user: string | null;
  /** Percent-decoded from the URL. */
  password: string | null;
  root: RootConfig;
  mode: DataMode;
  type: TypeOption;
  eol: Eol;
  readOnly: boolean;
  /** Large binary downloads go from the data connection into the HTTP socket by splice(2) when the addon is built. */
  kernelRelay: boolean;
  /** Control-channel encoding, an iconv-lite name. */
  encoding: string;
  /** ACCT's argument when the server answers 332 at login; a credential, never logged. null: none. */
  account: string | null;
  /** SITE arguments sent after each login, in order. */
  siteCommands: readonly string[];
  /** IP address advertised in EPRT/PORT; null: the control socket's local address. */
  activeAddress: string | null;
  /** Inclusive local port range for active mode; null: any free port. */
  activePorts: readonly [number, number] | null;
  /** Extensions (lower case, with the dot) that `type=auto` transfers as ASCII. */
  textExtensions: readonly string[];
  pool: PoolConfig;
  tls: TlsConfig;
  timeouts: TimeoutsConfig;
  watch: WatchServerConfig;
}

export interface WatchServerConfig {
  /**
   * How often a watched folder of this server is listed. loadConfig() keeps
   * it at 1000 ms or more (the contract's minimum); only code that builds a
   * Config itself (the tests) can go below.
   */
  pollMs: number;
}

/** (v1.1) A folder whose `stable` files are POSTed to `url` (contract "Events"). */
export interface WebhookWatchConfig {
  server: string;
  /** Root-relative, no leading or trailing "/"; "" is the root. */
  path: string;
  /** The same, as checked segments (none empty, ".", ".." or holding "\\", CR, LF, NUL). */
  segments: readonly string[];
  /** A glob on names (`*`, `?`, `[...]`); `*` does not match a leading ".". */
  pattern: string;
  stableMs: number;
  /** http: or https: only. */
  url: string;
  /** The HMAC-SHA256 key of the signature header; never logged. */
  secret: string;
  /** Take each file through a claim first, so that one replica delivers it. */
  claim: boolean;
  /** Attempts after the first; then the delivery has failed. */
  retries: number;
  /** The wait before the first retry; doubled for each further one. */
  retryBaseMs: number;
  /** One attempt's deadline, answer included. */
  timeoutMs: number;
}

export interface ApiKey {
  key: string;
  /** `write` implies read. */
  scope: ApiKeyScope;
}

export interface LimitsConfig {
  /** Per file; null = unlimited. */
  maxUploadBytes: number | null;
  /** File parts per multipart request. */
  maxFiles: number;
  /** Non-file parts per multipart request. */
  maxFields: number;
  /** Bytes per non-file multipart part. */
  maxFieldSize: number;
  /** A decoded request path longer than this is refused (414) before anything reaches FTP. */
  maxPathBytes: number;
  /** An upload body delivering fewer than bodyMinBytesPerSec over any window of bodyIdleMs is cut (408). */
  bodyIdleMs: number;
  bodyMinBytesPerSec: number;
  /** A download the client reads fewer than sendMinBytesPerSec of over any window of sendIdleMs is cut. */
  sendIdleMs: number;
  sendMinBytesPerSec: number;
  /** A sorted listing with more entries is refused (413); ?sort=none streams any size. */
  maxListEntries: number;
  /** Memory (estimated) all sorted listings of the process may hold at once; a listing that would go over it gets 503. */
  listingMemoryBytes: number;
  /** Transfers one API key (auth off: one client address) may run at once on one server; null = no cap. */
  maxTransfersPerKey: number | null;
}

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  servers: readonly ServerConfig[];
  auth: { apiKeys: readonly ApiKey[]; disabled: boolean };
  cors: { origins: readonly string[] };
  limits: LimitsConfig;
  /** (v1.1) Webhook watches. */
  watches: readonly WebhookWatchConfig[];
  shutdownGraceMs: number;
}
