import diagnostics_channel from 'node:diagnostics_channel';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ftpChannels } from '../ftp/index.js';
import type { FtpCommandEvent, FtpProfileEvent, FtpReplyEvent, FtpServerEvent, FtpSessionEvent, FtpTransferEvent } from '../ftp/index.js';

/**
 * Field paths whose values pino replaces before serialising. Headers appear
 * both at top level (`{ headers }`) and under `req`/`res`; credentials under
 * any object one or two levels deep.
 */
export const REDACT_PATHS: readonly string[] = [
  ...[
    'authorization',
    'Authorization',
    'proxy-authorization',
    'Proxy-Authorization',
    'x-api-key',
    'X-API-Key',
    'X-Api-Key',
    'cookie',
    'Cookie',
    'set-cookie',
    'Set-Cookie',
  ].flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`, `res.headers["${h}"]`, `*.headers["${h}"]`]),
  'authorization',
  'apiKey',
  'apiKeys',
  'password',
  'pass',
  'account',
  'secret',
  '*.secret',
  '*.*.secret',
  '*.authorization',
  '*.apiKey',
  '*.apiKeys',
  '*.password',
  '*.pass',
  '*.*.password',
  '*.account',
  '*.*.account',
  '*.*.apiKey',
];

/** `scheme://user:secret@host` → `scheme://user:***@host`, anywhere in a string. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;
/** `Bearer xyz` / `Basic xyz` as it could appear inside a message. */
const AUTH_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** Masks credentials that may hide inside free text (error messages, URLs). */
export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@').replace(AUTH_VALUE, '$1 ***');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

type Scrub = (text: string) => string;

/** Scrubs string values of plain objects, three levels deep; copies only what changes. */
function scrubFields(object: Record<string, unknown>, scrub: Scrub, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    let clean: unknown = value;
    if (typeof value === 'string') clean = scrub(value);
    else if (depth < 3 && isPlainObject(value)) clean = scrubFields(value, scrub, depth + 1);
    if (clean !== value) (out ??= { ...object })[key] = clean;
  }
  return out ?? object;
}

/** Shorter secrets would mask ordinary words in every line. */
const MIN_MASKED_SECRET = 4;

/**
 * The credentials never reach a log by construction: PASS/ACCT are masked by
 * command in the FTP layer, errors carry no command arguments, headers are
 * redacted by path. What remains is a copy a caller typed itself, e.g. into a
 * request path that the URL and an FTP server's 550 then echo; those copies
 * are masked here. (Only in the log: an error body never carries such text,
 * so masking there could not turn into a "which guess was it" answer.)
 */
function secretMask(secrets: readonly string[]): Scrub {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_MASKED_SECRET) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  const longestFirst = [...forms].sort((a, b) => b.length - a.length);
  if (longestFirst.length === 0) return scrubSecrets;
  return (text) => {
    let out = scrubSecrets(text);
    for (const form of longestFirst) if (out.includes(form)) out = out.split(form).join('[REDACTED]');
    return out;
  };
}

/** The secrets a log must not repeat: configured FTP passwords and accounts (ACCT), API keys, webhook secrets. */
export function configSecrets(config: Pick<Config, 'servers' | 'auth' | 'watches'>): string[] {
  return [
    ...config.servers.flatMap((s) => [s.password, s.account].filter((secret): secret is string => typeof secret === 'string')),
    ...config.auth.apiKeys.map((k) => k.key),
    // Webhook HMAC keys, and any password or token a webhook URL carries.
    ...config.watches.flatMap((w) => [w.secret, ...urlSecrets(w.url)]),
  ];
}

function urlSecrets(url: string): string[] {
  try {
    const { password, search } = new URL(url);
    const values = [...new URLSearchParams(search).values()].filter((v) => v.length >= 8);
    return [...(password === '' ? [] : [decodeURIComponent(password)]), ...values];
  } catch {
    return [];
  }
}

export interface CreateLoggerOptions {
  /** Masked wherever they turn up in a line (see `configSecrets`). */
  secrets?: readonly string[];
}

/**
 * The gateway's logger. `destination` defaults to stdout (tests pass a stream).
 * Redaction is by field path (`REDACT_PATHS`) plus a scrub of credentials in
 * the message and string fields, because URLs with user-info turn up in error
 * messages, and callers can type a secret into a path.
 */
export function createLogger(level: string, destination?: DestinationStream, extra: CreateLoggerOptions = {}): Logger {
  const scrub = secretMask(extra.secrets ?? []);
  const errSerializer = (err: Error): Record<string, unknown> =>
    scrubFields(pino.stdSerializers.err(err) as unknown as Record<string, unknown>, scrub);
  const options: pino.LoggerOptions = {
    level,
    base: null,
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
    serializers: { err: errSerializer, error: errSerializer },
    formatters: { log: (object) => scrubFields(object, scrub) },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>;
        return method.apply(this, scrubbed);
      },
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** PASS and ACCT arrive masked from the FTP layer; mask again so a regression there cannot reach a log. */
function maskCommand(verb: string, text: string): string {
  const upper = verb.toUpperCase();
  return upper === 'PASS' || upper === 'ACCT' || /^\s*(PASS|ACCT)\b/i.test(text) ? `${upper} ****` : scrubSecrets(text);
}

/**
 * Debug-level logs of the FTP conversation, from the FTP layer's diagnostics
 * channels, a debug line whenever a server profile changes, and an info line
 * whenever pipelining is learned about a server (once per server). Returns the unsubscribe function.
 */
export function subscribeFtpLogging(logger: Logger): () => void {
  const ftp = logger.child({ component: 'ftp' });
  const handlers: Array<[diagnostics_channel.Channel, (message: unknown) => void]> = [
    [
      ftpChannels.command,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpCommandEvent;
        ftp.debug({ sessionId: e.sessionId, host: e.host, command: maskCommand(e.verb, e.text) }, 'ftp command');
      },
    ],
    [
      ftpChannels.reply,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpReplyEvent;
        // The reply to PASS never echoes the password on the servers we know, but scrub URLs anyway.
        ftp.debug({ sessionId: e.sessionId, host: e.host, verb: e.verb, code: e.code, reply: scrubSecrets(e.message) }, 'ftp reply');
      },
    ],
    [
      ftpChannels.session,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpSessionEvent;
        ftp.debug({ sessionId: e.sessionId, host: e.host, port: e.port, reason: e.reason }, `ftp session ${e.event}`);
      },
    ],
    [
      ftpChannels.transfer,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpTransferEvent;
        ftp.debug(
          {
            sessionId: e.sessionId,
            host: e.host,
            direction: e.direction,
            method: e.method,
            type: e.type,
            bytes: e.bytes,
            durationMs: e.durationMs,
            ok: e.ok,
            kernelRelay: e.kernelRelay,
          },
          'ftp transfer',
        );
      },
    ],
    [
      ftpChannels.profile,
      (message) => {
        if (!ftp.isLevelEnabled('debug')) return;
        const e = message as FtpProfileEvent;
        // Facts are the server's words (SYST, FEAT, PWD) and never credentials; scrubbed all the same.
        const value = typeof e.value === 'string' ? scrubSecrets(e.value) : e.value;
        ftp.debug({ server: e.name, host: e.host, port: e.port, fact: e.fact, value }, 'ftp server profile changed');
      },
    ],
    [
      ftpChannels.server,
      (message) => {
        const e = message as FtpServerEvent;
        ftp.info({ sessionId: e.sessionId, host: e.host, port: e.port, [e.fact]: e.value, how: e.how }, 'ftp server learned');
      },
    ],
  ];
  // Below debug only the info line of learned facts is wanted: the other
  // channels then keep no subscriber, so the FTP layer builds no event for them.
  const subscribed = ftp.isLevelEnabled('debug') ? handlers : handlers.filter(([channel]) => channel === ftpChannels.server);
  for (const [channel, handler] of subscribed) diagnostics_channel.subscribe(channel.name, handler);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    for (const [channel, handler] of subscribed) diagnostics_channel.unsubscribe(channel.name, handler);
  };
}
