/**
 * Parses `ftp://user:pass@host:port/root?option=value` (FTP_URL, or a
 * server's `url` in the config file) into connection facts plus the query
 * options, validated with the same field schemas as the config file.
 *
 * Never puts the URL, the user-info or a query value that failed to parse
 * into an error message: any of them may hold the password.
 */
import { isIP } from 'node:net';
import type { z } from 'zod';
import { ConfigError } from './configError.js';
import {
  dataModeSchema,
  encodingSchema,
  eolSchema,
  intSchema,
  ipAddressSchema,
  parsePortRange,
  tlsMaxVersionSchema,
  tlsModeSchema,
  typeOptionSchema,
} from './schemas.js';
import type { ServerFile } from './schemas.js';
import type { RootConfig } from './types.js';

/** The keys a URL query may set, in config-file shape (tls.ca is still a path here). */
export type ServerOptions = Omit<ServerFile, 'url'>;

export interface ParsedFtpUrl {
  host: string;
  /** The port written in the URL, or null (then 21, or 990 for implicit TLS). */
  port: number | null;
  user: string | null;
  password: string | null;
  root: RootConfig;
  /** 'implicit' for ftps://, 'none' for ftp://. */
  schemeTls: 'none' | 'implicit';
  options: ServerOptions;
}

const HOST_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$/;

const OPTION_NAMES = [
  'mode',
  'type',
  'eol',
  'poolMax',
  'activeAddress',
  'activePorts',
  'readOnly',
  'kernelRelay',
  'encoding',
  'tls',
  'tlsRejectUnauthorized',
  'tlsCa',
  'tlsMaxVersion',
] as const;
type OptionName = (typeof OPTION_NAMES)[number];

export function parseFtpUrl(text: string, setting: string): ParsedFtpUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Node's TypeError carries the input (password included): drop it.
    throw new ConfigError(setting, 'is not a valid URL (expected ftp://user:pass@host:port/root)');
  }
  if (url.protocol !== 'ftp:' && url.protocol !== 'ftps:') {
    throw new ConfigError(setting, 'must start with ftp:// or ftps://');
  }
  if (url.hash !== '') throw new ConfigError(setting, 'must not have a #fragment');

  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new ConfigError(setting, 'has no host');
  if (isIP(host) === 0 && !HOST_NAME_PATTERN.test(host)) throw new ConfigError(setting, 'has an invalid host name');

  const user = url.username === '' ? null : decode(url.username, setting, 'the user name');
  const password = url.password === '' ? null : decode(url.password, setting, 'the password');
  if (user === null && password !== null) throw new ConfigError(setting, 'has a password but no user name');

  const options = parseQuery(url.searchParams, setting, url.protocol === 'ftps:');

  return {
    host,
    port: explicitPort(text.trim(), url, setting),
    user,
    password,
    root: rootFromPath(rawPath(text.trim()), url.pathname, setting),
    schemeTls: url.protocol === 'ftps:' ? 'implicit' : 'none',
    options,
  };
}

function decode(component: string, setting: string, what: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new ConfigError(setting, `${what} is not valid percent-encoding`);
  }
}

/**
 * The WHATWG parser hides the default port of ftp:// (":21" reads back as ""),
 * but "written 21" and "not written" differ when the TLS mode is implicit
 * (default 990), so look at the authority as written.
 */
function explicitPort(text: string, url: URL, setting: string): number | null {
  if (url.port !== '') {
    const port = Number(url.port);
    if (port < 1) throw new ConfigError(setting, 'port must be between 1 and 65535');
    return port;
  }
  const afterScheme = text.slice(text.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  return /:0*21$/.test(hostPort) ? 21 : null;
}

/** The path as written: the URL parser resolves "/a/../b" to "/b" silently. */
function rawPath(text: string): string {
  const afterScheme = text.slice(text.indexOf('://') + 3);
  const slash = afterScheme.search(/[/?#]/);
  if (slash === -1 || afterScheme[slash] !== '/') return '';
  return afterScheme.slice(slash).split(/[?#]/, 1)[0] ?? '';
}

/**
 * The root as RFC 1738 §3.2.2 and curl read the URL path: segments below the
 * login directory, or below "/" when the first segment decodes to something
 * starting with "/" (`%2F`; also the empty first segment of `ftp://h//data`,
 * which curl turns into `CWD /`). A "/" decoded inside a later segment
 * separates, as it does for curl on a Unix server. Every resulting segment
 * is checked, so `a%2F..` cannot smuggle a ".." in.
 */
function rootFromPath(written: string, pathname: string, setting: string): RootConfig {
  if (written.split(/[/\\]/).some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) {
    throw new ConfigError(setting, 'the root path must not contain "." or ".."');
  }
  // pathname always starts with the "/" that ends the authority: not part of the path proper.
  const decoded = pathname
    .slice(1)
    .split('/')
    .map((raw) => decode(raw, setting, 'the root path'))
    .join('/');
  const segments = decoded.split('/').filter((segment) => segment !== '');
  for (const segment of segments) {
    if (segment === '.' || segment === '..') throw new ConfigError(setting, 'the root path must not contain "." or ".."');
    if (/[\r\n\0]/.test(segment)) throw new ConfigError(setting, 'the root path must not contain CR, LF or NUL');
  }
  return { relativeTo: decoded.startsWith('/') ? '/' : 'login', segments };
}

function parseQuery(params: URLSearchParams, setting: string, ftps: boolean): ServerOptions {
  const seen = new Set<string>();
  const options: ServerOptions = {};
  for (const [name, value] of params) {
    const where = `${setting}?${name}`;
    if (!(OPTION_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(where, `unknown query option "${safeName(name)}" (known: ${OPTION_NAMES.join(', ')})`);
    }
    if (seen.has(name)) throw new ConfigError(where, 'is given more than once');
    seen.add(name);
    applyOption(options, name as OptionName, value, where, ftps);
  }
  return options;
}

function applyOption(options: ServerOptions, name: OptionName, value: string, where: string, ftps: boolean): void {
  switch (name) {
    case 'mode':
      options.mode = check(dataModeSchema, value, where);
      return;
    case 'type':
      options.type = check(typeOptionSchema, value, where);
      return;
    case 'eol':
      options.eol = check(eolSchema, value, where);
      return;
    case 'encoding':
      options.encoding = check(encodingSchema, value, where);
      return;
    case 'poolMax':
      options.pool = { ...options.pool, max: check(intSchema(1, 1000), integer(value, where), where) };
      return;
    case 'activeAddress':
      options.activeAddress = check(ipAddressSchema, value, where);
      return;
    case 'activePorts': {
      const range = parsePortRange(value);
      if (typeof range === 'string') throw new ConfigError(where, range);
      options.activePorts = range;
      return;
    }
    case 'readOnly':
      options.readOnly = boolean(value, where);
      return;
    case 'kernelRelay':
      options.kernelRelay = boolean(value, where);
      return;
    case 'tls': {
      const mode = check(tlsModeSchema, value, where);
      if (ftps && mode !== 'implicit') throw new ConfigError(where, 'ftps:// is implicit TLS; use ftp:// with tls=explicit for AUTH TLS');
      options.tls = { ...options.tls, mode };
      return;
    }
    case 'tlsRejectUnauthorized':
      options.tls = { ...options.tls, rejectUnauthorized: boolean(value, where) };
      return;
    case 'tlsCa':
      if (value === '') throw new ConfigError(where, 'must be a file path');
      options.tls = { ...options.tls, ca: value };
      return;
    case 'tlsMaxVersion':
      options.tls = { ...options.tls, maxVersion: check(tlsMaxVersionSchema, value, where) };
      return;
  }
}

function check<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const problem =
    issue?.code === 'invalid_value' ? `must be one of ${issue.values.map(String).join(', ')}` : (issue?.message ?? 'is not valid');
  throw new ConfigError(where, problem);
}

function integer(value: string, where: string): number {
  if (!/^\d{1,10}$/.test(value)) throw new ConfigError(where, 'must be a whole number');
  return Number(value);
}

function boolean(value: string, where: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(where, 'must be true or false');
}

/** An unknown option name is echoed so the operator can spot the typo; keep it printable and short. */
function safeName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
