/** The values used when neither the environment, the config file nor a URL says otherwise. */

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_FTP_PORT = 21;
/** RFC 4217 §1 / IANA "ftps" (implicit TLS). */
export const DEFAULT_FTPS_IMPLICIT_PORT = 990;

export const DEFAULT_TEXT_EXTENSIONS: readonly string[] = Object.freeze([
  '.txt',
  '.csv',
  '.tsv',
  '.html',
  '.htm',
  '.xml',
  '.json',
  '.md',
  '.log',
  '.ini',
  '.conf',
  '.yaml',
  '.yml',
  '.css',
  '.js',
  '.sql',
  '.sh',
  '.bat',
  '.properties',
]);

export const DEFAULT_POOL = { max: 8, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 10_000 } as const;
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, commandMs: 30_000, dataMs: 60_000 } as const;
export const DEFAULT_LIMITS = {
  maxUploadBytes: null,
  maxFiles: 20,
  maxFields: 100,
  maxFieldSize: 1024 * 1024,
  maxPathBytes: 1024,
  bodyIdleMs: 30_000,
  bodyMinBytesPerSec: 1024,
  sendIdleMs: 30_000,
  sendMinBytesPerSec: 1024,
  maxListEntries: 100_000,
  // About 250,000 entries of usual names (rowBytes' estimate): a sorted
  // listing of maxListEntries fits twice, and 24 concurrent listings of a
  // 200,000-entry folder stay under a 256 MiB container (issue 10.4;
  // test/reliability/listingMemory.test.ts).
  listingMemoryBytes: 64 * 1024 * 1024,
  maxTransfersPerKey: null,
} as const;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/** (v1.1) Contract "Events": a watched folder is listed every 5 s unless the server says otherwise. */
export const DEFAULT_WATCH = { pollMs: 5_000 } as const;
/** A webhook watch's defaults: the contract's pattern and stableMs, and a bounded retry (1+2+4+8+16 s of waiting). */
export const DEFAULT_WEBHOOK = { pattern: '*', stableMs: 5_000, claim: false, retries: 5, retryBaseMs: 1_000, timeoutMs: 10_000 } as const;
