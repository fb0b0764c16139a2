/**
 * The one place that reads configuration: the environment (FTP_URL, HOST,
 * PORT, API_KEYS, AUTH_DISABLED, LOG_LEVEL, CONFIG_FILE) and the JSON/YAML
 * file CONFIG_FILE names. Returns a deeply frozen Config or throws one
 * ConfigError naming the first bad setting.
 *
 * Precedence, lowest first: built-in defaults < a server URL's query options
 * < keys written beside that URL in the file < the environment.
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './configError.js';
import {
  DEFAULT_FTP_PORT,
  DEFAULT_FTPS_IMPLICIT_PORT,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_POOL,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_TEXT_EXTENSIONS,
  DEFAULT_TIMEOUTS,
  DEFAULT_WATCH,
  DEFAULT_WEBHOOK,
} from './defaults.js';
import { parseFtpUrl } from './parseFtpUrl.js';
import type { ParsedFtpUrl, ServerOptions } from './parseFtpUrl.js';
import { SERVER_NAME_PATTERN, apiKeyValueSchema, configFileSchema, logLevelSchema } from './schemas.js';
import type { ConfigFile, WatchEntryFile } from './schemas.js';
import type { ApiKey, Config, ServerConfig, TlsMode, WebhookWatchConfig } from './types.js';

export interface LoadConfigOptions {
  /** Reads CONFIG_FILE and TLS CA files (utf8). Default: fs.readFileSync. */
  readFile?: (path: string) => string;
}

type ReadFile = (path: string) => string;

const defaultReadFile: ReadFile = (path) => readFileSync(path, 'utf8');

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Config {
  const readFile = options.readFile ?? defaultReadFile;
  const configFile = envValue(env, 'CONFIG_FILE');
  const file = configFile === undefined ? {} : readConfigFile(configFile, readFile);
  const fileDir = configFile === undefined ? process.cwd() : dirname(resolve(configFile));

  const host = parseHost(envValue(env, 'HOST'), file.host);
  const port = parsePort(envValue(env, 'PORT'), file.port);
  const logLevel = parseLogLevel(envValue(env, 'LOG_LEVEL'), file.logLevel);

  const servers: ServerConfig[] = [];
  const ftpUrl = envValue(env, 'FTP_URL');
  if (ftpUrl !== undefined) {
    const parsed = parseFtpUrl(ftpUrl, 'FTP_URL');
    servers.push(buildServer('default', parsed, {}, { urlSetting: 'FTP_URL', keySetting: 'FTP_URL', caDir: process.cwd(), readFile }));
  }
  for (const [name, written] of Object.entries(file.servers ?? {})) {
    const prefix = `servers.${name}`;
    if (!SERVER_NAME_PATTERN.test(name)) {
      throw new ConfigError(prefix, 'a server name must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    if (ftpUrl !== undefined && name === 'default') {
      throw new ConfigError(prefix, 'the name "default" is taken by FTP_URL; rename the server or unset FTP_URL');
    }
    const { url, ...keys } = written;
    const parsed = parseFtpUrl(url, `${prefix}.url`);
    servers.push(buildServer(name, parsed, keys, { urlSetting: `${prefix}.url`, keySetting: prefix, caDir: fileDir, readFile }));
  }
  if (servers.length === 0) {
    throw new ConfigError('FTP_URL', 'no FTP server configured: set FTP_URL or list servers in CONFIG_FILE');
  }

  const apiKeysEnv = envValue(env, 'API_KEYS');
  const apiKeys = apiKeysEnv === undefined ? fileApiKeys(file) : parseApiKeys(apiKeysEnv);
  const authDisabledEnv = envValue(env, 'AUTH_DISABLED');
  const disabled = authDisabledEnv === undefined ? (file.auth?.disabled ?? false) : parseBoolean(authDisabledEnv, 'AUTH_DISABLED');
  if (disabled && apiKeys.length > 0) {
    throw new ConfigError('AUTH_DISABLED', 'is true but API keys are configured; remove one or the other');
  }
  if (!disabled && apiKeys.length === 0 && !isLoopback(host)) {
    throw new ConfigError(
      'API_KEYS',
      `none configured and HOST ${host} is not a loopback address; set API_KEYS, or AUTH_DISABLED=true to serve without auth`,
    );
  }

  return deepFreeze({
    host,
    port,
    logLevel,
    servers,
    auth: { apiKeys, disabled },
    cors: { origins: [...new Set(file.cors?.origins ?? [])] },
    limits: { ...DEFAULT_LIMITS, ...definedOnly(file.limits ?? {}) },
    watches: (file.watches ?? []).map((entry, index) => buildWatch(entry, `watches[${index}]`, servers)),
    shutdownGraceMs: file.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
  });
}

/** Unset and empty variables are the same thing (compose files often write `VAR=`). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

// ---------------------------------------------------------------- the file

function readConfigFile(path: string, readFile: ReadFile): ConfigFile {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConfigError('CONFIG_FILE', `cannot read ${path} (${errorCode(error)})`);
  }
  // YAML 1.2 is a superset of JSON, so one parser serves both, and its errors
  // carry a position without echoing the offending line (which may hold a password).
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const position = firstError.linePos?.[0];
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
    throw new ConfigError('CONFIG_FILE', `${path} is not valid YAML or JSON${where} (${firstError.code})`);
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch {
    throw new ConfigError('CONFIG_FILE', `${path} could not be read as YAML (too many aliases?)`);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('CONFIG_FILE', `${path} must hold a mapping (servers, auth, cors, limits, ...) at the top level`);
  }
  return validate(configFileSchema, data);
}

function validate<T extends z.ZodType>(schema: T, data: unknown): z.output<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ConfigError('CONFIG_FILE', 'is not valid');
  const path = settingPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const setting = path === '' ? (issue.keys[0] ?? 'CONFIG_FILE') : `${path}.${issue.keys[0] ?? ''}`;
      throw new ConfigError(setting, `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${path === '' ? '' : ` in ${path}`}`);
    }
    case 'invalid_value':
      throw new ConfigError(path, `must be one of ${issue.values.map(String).join(', ')}`);
    case 'invalid_type':
      throw new ConfigError(path, issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`);
    default:
      throw new ConfigError(path, issue.message);
  }
}

function settingPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    int: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    record: 'a mapping',
    tuple: 'a list',
  };
  return words[expected] ?? `a ${expected}`;
}

// ---------------------------------------------------------------- servers

interface BuildContext {
  /** How to name the URL in errors (`FTP_URL`, `servers.x.url`). */
  urlSetting: string;
  /** How to name the keys written beside the URL (`servers.x`). */
  keySetting: string;
  /** Relative CA paths resolve against this (the config file's folder, or the working directory). */
  caDir: string;
  readFile: ReadFile;
}

function buildServer(name: string, url: ParsedFtpUrl, written: ServerOptions, context: BuildContext): ServerConfig {
  const fromUrl = url.options;
  const pick = <K extends keyof ServerOptions>(key: K): ServerOptions[K] => (written[key] !== undefined ? written[key] : fromUrl[key]);

  const tlsMode: TlsMode = written.tls?.mode ?? fromUrl.tls?.mode ?? url.schemeTls;
  const pool = { ...DEFAULT_POOL, ...definedOnly(fromUrl.pool ?? {}), ...definedOnly(written.pool ?? {}) };
  if (pool.min > pool.max) {
    const setting = written.pool?.min !== undefined ? `${context.keySetting}.pool.min` : `${context.keySetting}.pool.max`;
    throw new ConfigError(setting, `pool.min (${pool.min}) must not be above pool.max (${pool.max})`);
  }

  const caPath = written.tls?.ca !== undefined ? written.tls.ca : (fromUrl.tls?.ca ?? null);
  const caSetting = written.tls?.ca !== undefined ? `${context.keySetting}.tls.ca` : `${context.urlSetting}?tlsCa`;

  return {
    name,
    host: url.host,
    port: url.port ?? (tlsMode === 'implicit' ? DEFAULT_FTPS_IMPLICIT_PORT : DEFAULT_FTP_PORT),
    user: url.user,
    password: url.password,
    root: url.root,
    mode: pick('mode') ?? 'auto',
    type: pick('type') ?? 'binary',
    eol: pick('eol') ?? 'lf',
    readOnly: pick('readOnly') ?? false,
    kernelRelay: pick('kernelRelay') ?? true,
    encoding: pick('encoding') ?? 'utf8',
    account: written.account ?? null,
    siteCommands: written.siteCommands ?? [],
    activeAddress: pick('activeAddress') ?? null,
    activePorts: pick('activePorts') ?? null,
    textExtensions: pick('textExtensions') ?? [...DEFAULT_TEXT_EXTENSIONS],
    pool,
    tls: {
      mode: tlsMode,
      rejectUnauthorized: written.tls?.rejectUnauthorized ?? fromUrl.tls?.rejectUnauthorized ?? true,
      ca: caPath === null ? null : readCa(caPath, caSetting, context),
      maxVersion: (written.tls?.maxVersion !== undefined ? written.tls.maxVersion : fromUrl.tls?.maxVersion) ?? null,
    },
    timeouts: { ...DEFAULT_TIMEOUTS, ...definedOnly(written.timeouts ?? {}) },
    watch: { ...DEFAULT_WATCH, ...definedOnly(written.watch ?? {}) },
  };
}

// ---------------------------------------------------------------- watches

/** Checked here, at startup: a webhook watch on an unknown server or a bad folder is a config error, not a runtime one. */
function buildWatch(entry: WatchEntryFile, setting: string, servers: readonly ServerConfig[]): WebhookWatchConfig {
  if (!servers.some((s) => s.name === entry.server)) {
    throw new ConfigError(`${setting}.server`, 'names no configured server');
  }
  const segments = (entry.path ?? '').split('/').filter((segment) => segment !== '');
  for (const segment of segments) {
    // The same segment rules as a request path (contract "Resources"): nothing that could climb out of the root.
    if (segment === '.' || segment === '..' || /[\\\r\n\0]/.test(segment)) {
      throw new ConfigError(`${setting}.path`, 'segments must not be "." or ".." nor hold "\\", CR, LF or NUL');
    }
  }
  return {
    server: entry.server,
    path: segments.join('/'),
    segments,
    pattern: entry.pattern ?? DEFAULT_WEBHOOK.pattern,
    stableMs: entry.stableMs ?? DEFAULT_WEBHOOK.stableMs,
    url: entry.url,
    secret: entry.secret,
    claim: entry.claim ?? DEFAULT_WEBHOOK.claim,
    retries: entry.retries ?? DEFAULT_WEBHOOK.retries,
    retryBaseMs: entry.retryBaseMs ?? DEFAULT_WEBHOOK.retryBaseMs,
    timeoutMs: entry.timeoutMs ?? DEFAULT_WEBHOOK.timeoutMs,
  };
}

function readCa(path: string, setting: string, context: BuildContext): string {
  const absolute = resolve(context.caDir, path);
  let text: string;
  try {
    text = context.readFile(absolute);
  } catch (error) {
    throw new ConfigError(setting, `cannot read ${absolute} (${errorCode(error)})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(setting, `${absolute} holds no PEM certificate`);
  }
  return text;
}

// ---------------------------------------------------------------- env values

const HOST_NAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function parseHost(fromEnv: string | undefined, fromFile: string | undefined): string {
  const setting = fromEnv !== undefined ? 'HOST' : 'host';
  let host = fromEnv ?? fromFile?.trim() ?? DEFAULT_HOST;
  // Accept "[::1]" as written in URLs; listen() wants it bare.
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host) === 0 && !HOST_NAME_PATTERN.test(host)) {
    throw new ConfigError(setting, 'must be an IP address or a host name');
  }
  return host;
}

function parsePort(fromEnv: string | undefined, fromFile: number | undefined): number {
  if (fromEnv === undefined) return fromFile ?? DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(fromEnv) || Number(fromEnv) > 65535) {
    throw new ConfigError('PORT', 'must be a port number between 0 and 65535');
  }
  return Number(fromEnv);
}

function parseLogLevel(fromEnv: string | undefined, fromFile: string | undefined): string {
  if (fromEnv === undefined) return fromFile ?? DEFAULT_LOG_LEVEL;
  const result = logLevelSchema.safeParse(fromEnv.toLowerCase());
  if (!result.success) throw new ConfigError('LOG_LEVEL', `must be one of ${logLevelSchema.options.join(', ')}`);
  return result.data;
}

function parseBoolean(value: string, setting: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ConfigError(setting, 'must be true or false');
}

/**
 * `key`, `key:read` or `key:write`, comma-separated. A bare key is a write
 * key (write implies read), the same default as a file entry without scope.
 * Errors name the entry by position, never by its text.
 */
function parseApiKeys(value: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = value.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (entry === '') return;
    const colon = entry.lastIndexOf(':');
    let key = entry;
    let scope: ApiKey['scope'] = 'write';
    if (colon !== -1) {
      const suffix = entry.slice(colon + 1);
      if (suffix !== 'read' && suffix !== 'write')
        throw new ConfigError('API_KEYS', `entry ${index + 1}: the scope after ":" must be read or write`);
      key = entry.slice(0, colon);
      scope = suffix;
    }
    if (!apiKeyValueSchema.safeParse(key).success) {
      throw new ConfigError('API_KEYS', `entry ${index + 1}: a key must be printable ASCII without spaces or commas`);
    }
    keys.push({ key, scope });
  });
  if (keys.length === 0) throw new ConfigError('API_KEYS', 'lists no key (unset it to use auth.apiKeys from the file)');
  return uniqueKeys(keys, 'API_KEYS');
}

function fileApiKeys(file: ConfigFile): ApiKey[] {
  const keys = (file.auth?.apiKeys ?? []).map((entry) => ({ key: entry.key, scope: entry.scope ?? 'write' }));
  return uniqueKeys(keys, 'auth.apiKeys');
}

function uniqueKeys(keys: ApiKey[], setting: string): ApiKey[] {
  const seen = new Set<string>();
  keys.forEach((entry, index) => {
    if (seen.has(entry.key)) throw new ConfigError(setting, `entry ${index + 1} repeats an earlier key`);
    seen.add(entry.key);
  });
  return keys;
}

// ---------------------------------------------------------------- helpers

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (also IPv4-mapped 127.x) and "localhost". */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'unreadable';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
