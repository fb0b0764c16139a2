/**
 * The zod schemas behind the configuration. Field schemas are shared by the
 * config file and the FTP URL query options so both accept exactly the same
 * values; the option enums are exported for the OpenAPI document and the
 * request validators.
 *
 * File schemas carry no defaults: loadConfig() layers defaults < URL query
 * options < keys written beside the URL, so it must see what was written.
 */
import { isIP } from 'node:net';
import iconv from 'iconv-lite';
import { z } from 'zod';

export const dataModeSchema = z.enum(['auto', 'passive', 'active']);
export const typeOptionSchema = z.enum(['binary', 'ascii', 'auto']);
export const eolSchema = z.enum(['lf', 'crlf']);
export const tlsModeSchema = z.enum(['none', 'explicit', 'implicit']);
export const tlsMaxVersionSchema = z.enum(['TLSv1.2', 'TLSv1.3']);
export const apiKeyScopeSchema = z.enum(['read', 'write']);
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const serverNameSchema = z
  .string()
  .regex(SERVER_NAME_PATTERN, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Node's timers overflow (and fire at once) above this. */
const MAX_TIMER_MS = 2_147_483_647;

export function intSchema(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.number().int('must be an integer').min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`);
}

export const portSchema = intSchema(1, 65535);
export const listenPortSchema = intSchema(0, 65535);
export const durationMsSchema = intSchema(1, MAX_TIMER_MS);

export const ipAddressSchema = z.string().refine((value) => isIP(value) !== 0, 'must be an IPv4 or IPv6 address');

export const encodingSchema = z.string().refine((value) => iconv.encodingExists(value), 'is not an encoding iconv-lite knows');

/** "50000-50100" (inclusive) or a single port "50000". */
export const ACTIVE_PORTS_PATTERN = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/;

export function parsePortRange(text: string): readonly [number, number] | string {
  const match = ACTIVE_PORTS_PATTERN.exec(text);
  if (!match) return 'must be a port range such as "50000-50100"';
  const lo = Number(match[1]);
  const hi = Number(match[2] ?? match[1]);
  if (lo < 1 || hi > 65535) return 'ports must be between 1 and 65535';
  if (lo > hi) return 'the first port must not be above the last';
  return [lo, hi] as const;
}

export const activePortsSchema = z
  .union([z.string(), z.tuple([portSchema, portSchema])], {
    error: 'must be a port range such as "50000-50100" or [50000, 50100]',
  })
  .transform((value, ctx) => {
    const range = typeof value === 'string' ? parsePortRange(value) : value;
    if (typeof range === 'string') {
      ctx.addIssue({ code: 'custom', message: range });
      return z.NEVER;
    }
    if (range[0] > range[1]) {
      ctx.addIssue({ code: 'custom', message: 'the first port must not be above the last' });
      return z.NEVER;
    }
    return range;
  });

export const textExtensionsSchema = z
  .array(z.string().regex(/^\.[A-Za-z0-9_+-]{1,32}$/, 'must be an extension with its dot, such as ".txt"'))
  .transform((list) => [...new Set(list.map((ext) => ext.toLowerCase()))]);

/** Text that goes on the control channel as it is: one line, no control characters. */
const controlLineSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters')
  .refine(
    (value) => [...value].every((ch) => ch >= ' ' && ch !== '\u007f'),
    'must be one line without control characters (CR, LF, NUL, ...)',
  );

/** ACCT's argument (RFC 959 §4.1.1), for servers that answer 332 after USER or PASS. */
export const accountSchema = controlLineSchema;

/**
 * SITE commands sent after each login, in order (z/OS `RECFM=FB LRECL=80`,
 * OS/400 `NAMEFMT 1`). Written with or without the verb: "SITE X" is "X".
 */
export const siteCommandsSchema = z
  .array(controlLineSchema.transform((value) => value.replace(/^\s*SITE\s+/i, '').trim()))
  .max(32, 'must be at most 32 commands')
  .refine((list) => list.every((command) => command !== ''), 'must hold the SITE argument, not only the verb');

export const poolFileSchema = z.strictObject({
  max: intSchema(1, 1000).optional(),
  min: intSchema(0, 1000).optional(),
  idleTimeoutMs: durationMsSchema.optional(),
  acquireTimeoutMs: durationMsSchema.optional(),
});

export const tlsFileSchema = z.strictObject({
  mode: tlsModeSchema.optional(),
  rejectUnauthorized: z.boolean().optional(),
  /** A path to a PEM file; its text is read at load time. */
  ca: z.string().min(1, 'must be a file path').nullable().optional(),
  maxVersion: tlsMaxVersionSchema.nullable().optional(),
});

export const timeoutsFileSchema = z.strictObject({
  connectMs: durationMsSchema.optional(),
  commandMs: durationMsSchema.optional(),
  dataMs: durationMsSchema.optional(),
});

/** (v1.1) How often a folder watched for events is listed: at least a second (contract "Events"). */
export const watchFileSchema = z.strictObject({
  pollMs: intSchema(1000, MAX_TIMER_MS).optional(),
});

export const serverFileSchema = z.strictObject({
  url: z.string({ error: 'is required: an ftp:// or ftps:// URL' }),
  mode: dataModeSchema.optional(),
  type: typeOptionSchema.optional(),
  eol: eolSchema.optional(),
  readOnly: z.boolean().optional(),
  kernelRelay: z.boolean().optional(),
  encoding: encodingSchema.optional(),
  account: accountSchema.nullable().optional(),
  siteCommands: siteCommandsSchema.optional(),
  activeAddress: ipAddressSchema.nullable().optional(),
  activePorts: activePortsSchema.nullable().optional(),
  textExtensions: textExtensionsSchema.optional(),
  pool: poolFileSchema.optional(),
  tls: tlsFileSchema.optional(),
  timeouts: timeoutsFileSchema.optional(),
  watch: watchFileSchema.optional(),
});

/** A webhook URL: http or https only, so a config cannot point the gateway at file:, ftp: or anything else. */
export const webhookUrlSchema = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

/** (v1.1) A folder whose stable files are POSTed to a webhook (contract "Events"). */
export const watchEntryFileSchema = z.strictObject({
  server: z.string({ error: 'is required: a configured server name' }),
  path: z.string().max(4096, 'must be at most 4096 characters').optional(),
  pattern: z
    .string()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters')
    .refine((value) => !value.includes('/'), 'is a glob on names: it must not contain "/"')
    .optional(),
  stableMs: intSchema(0, MAX_TIMER_MS).optional(),
  url: webhookUrlSchema,
  secret: z.string({ error: 'is required: the HMAC key' }).min(16, 'must be at least 16 characters'),
  claim: z.boolean().optional(),
  // Additions: how hard a delivery is tried.
  retries: intSchema(0, 20).optional(),
  retryBaseMs: intSchema(100, MAX_TIMER_MS).optional(),
  timeoutMs: intSchema(100, MAX_TIMER_MS).optional(),
});

export const apiKeyValueSchema = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .refine((key) => !key.includes(','), 'must not contain a comma');

export const apiKeyFileSchema = z.strictObject({
  key: apiKeyValueSchema,
  scope: apiKeyScopeSchema.optional(),
});

export const corsOriginSchema = z.string().refine((value) => {
  if (value === '*') return true;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be "*" or an origin such as "https://app.example.com" (no path, no trailing slash)');

export const configFileSchema = z.strictObject({
  host: z.string().optional(),
  port: listenPortSchema.optional(),
  logLevel: logLevelSchema.optional(),
  servers: z.record(z.string(), serverFileSchema).optional(),
  auth: z
    .strictObject({
      apiKeys: z.array(apiKeyFileSchema).optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
  cors: z.strictObject({ origins: z.array(corsOriginSchema).optional() }).optional(),
  limits: z
    .strictObject({
      maxUploadBytes: intSchema(1).nullable().optional(),
      maxFiles: intSchema(1, 10_000).optional(),
      maxFields: intSchema(0, 10_000).optional(),
      maxFieldSize: intSchema(1).optional(),
      maxPathBytes: intSchema(1, 65_536).optional(),
      // A second at least: the kernel relay reports its progress every 250 ms,
      // and a shorter window could see none of a transfer that flows.
      bodyIdleMs: intSchema(1000, MAX_TIMER_MS).optional(),
      bodyMinBytesPerSec: intSchema(0).optional(),
      sendIdleMs: intSchema(1000, MAX_TIMER_MS).optional(),
      sendMinBytesPerSec: intSchema(0).optional(),
      maxListEntries: intSchema(1).optional(),
      listingMemoryBytes: intSchema(1).optional(),
      maxTransfersPerKey: intSchema(1, 100_000).nullable().optional(),
    })
    .optional(),
  watches: z.array(watchEntryFileSchema).optional(),
  shutdownGraceMs: intSchema(0, MAX_TIMER_MS).optional(),
});

export type ConfigFile = z.output<typeof configFileSchema>;
export type ServerFile = z.output<typeof serverFileSchema>;
export type WatchEntryFile = z.output<typeof watchEntryFileSchema>;
