/**
 * One error type for everything the FTP layer can fail with. It carries a
 * stable `code`, a `category` the HTTP layer maps in one place, and the FTP
 * reply when there was one. The FTP layer knows nothing of HTTP statuses.
 *
 * The category is not chosen where an error is made: it follows from the
 * code (CATEGORIES), and for a negative reply from the reply itself
 * (categoryForReply). Every error is made by one of the factories below.
 *
 * Whether a session survives an error is not read from the error: a session
 * that is out of step destroys itself, and `session.usable` is the one rule.
 */

export type FtpErrorCategory =
  | 'not-found'
  | 'permission'
  | 'auth'
  | 'unavailable'
  | 'timeout'
  | 'storage-full'
  | 'protocol'
  | 'bad-input'
  | 'aborted';

export type FtpErrorCode =
  | 'FTP_REPLY' // the server answered with a 4xx/5xx (or unexpected) reply
  | 'FTP_BAD_ARGUMENT' // an argument was refused (CR, LF or NUL; a bad offset or length); nothing was sent
  | 'FTP_TIMEOUT' // a connect, command or data timeout expired
  | 'FTP_CONNECTION_CLOSED' // the control connection closed or failed
  | 'FTP_CONNECT_FAILED' // could not open the control connection
  | 'FTP_DATA_CONNECTION' // the data connection could not be opened or broke
  | 'FTP_TLS' // TLS handshake or certificate failure
  | 'FTP_PARSE' // the server sent something unparseable (reply, PASV, listing)
  | 'FTP_ABORTED' // the caller aborted (AbortSignal)
  | 'FTP_TRANSFER_INCOMPLETE' // the data ended but the byte count or final reply says it is incomplete
  | 'FTP_POOL_TIMEOUT' // no pooled session free in time
  | 'FTP_POOL_CLOSED'; // the pool is draining or closed

/** What a negative reply can mean (categoryForReply): never a timeout or an abort. */
export type FtpReplyCategory = Exclude<FtpErrorCategory, 'timeout' | 'aborted'>;

/** The category of every code but FTP_REPLY, whose category is the reply's. */
export const CATEGORIES: Readonly<Record<Exclude<FtpErrorCode, 'FTP_REPLY'>, FtpErrorCategory>> = {
  FTP_BAD_ARGUMENT: 'bad-input',
  FTP_TIMEOUT: 'timeout',
  FTP_CONNECTION_CLOSED: 'unavailable',
  FTP_CONNECT_FAILED: 'unavailable',
  FTP_DATA_CONNECTION: 'protocol',
  FTP_TLS: 'protocol',
  FTP_PARSE: 'protocol',
  FTP_ABORTED: 'aborted',
  FTP_TRANSFER_INCOMPLETE: 'protocol',
  FTP_POOL_TIMEOUT: 'unavailable',
  FTP_POOL_CLOSED: 'unavailable',
};

export interface FtpErrorOptions {
  code: FtpErrorCode;
  ftpCode?: number;
  ftpMessage?: string;
  /** The command verb that failed (never its argument: it may be a password). */
  command?: string;
  cause?: unknown;
}

export class FtpError extends Error {
  override readonly name: string = 'FtpError';
  readonly code: FtpErrorCode;
  readonly category: FtpErrorCategory;
  readonly ftpCode: number | undefined;
  readonly ftpMessage: string | undefined;
  readonly command: string | undefined;

  constructor(message: string, options: FtpErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.category =
      options.code === 'FTP_REPLY'
        ? categoryForReply(options.ftpCode ?? 0, options.ftpMessage ?? '', options.command)
        : CATEGORIES[options.code];
    this.ftpCode = options.ftpCode;
    this.ftpMessage = options.ftpMessage;
    this.command = options.command;
  }
}

/**
 * Commands whose refusal is the server failing the session, never about a
 * path the caller named: the data methods, and PWD (asked after login to
 * anchor a root).
 */
const SESSION_COMMANDS = new Set(['EPSV', 'PASV', 'EPRT', 'PORT', 'PWD']);

/**
 * Category of a negative reply. RFC 959 §4.2 gives the codes; the texts differ
 * per server, so 550 is read as "not found" unless the text says otherwise.
 *   vsftpd:    "550 Failed to open file." / "550 Permission denied."
 *   proftpd:   "550 x: No such file or directory"
 *   pure-ftpd: "550 Can't open x: No such file or directory"
 * A refused data method is a data-connection failure whatever the reply
 * says: vsftpd answers a disabled PORT or PASV with "550 Permission denied.",
 * which is not a permission problem of the file (SESSION_COMMANDS).
 */
export function categoryForReply(code: number, message: string, verb?: string): FtpReplyCategory {
  if (code === 421) return 'unavailable';
  if (verb !== undefined && SESSION_COMMANDS.has(verb)) return 'protocol';
  if (code === 530 || code === 532 || code === 331 || code === 332) return 'auth';
  if (code === 452 || code === 552) return 'storage-full';
  if (code === 450 || code === 550) {
    if (/permission|denied|not allowed|access|forbidden|refused/i.test(message)) return 'permission';
    return 'not-found';
  }
  // ftp-srv answers a missing file with "551 ENOENT: no such file or directory".
  if (code >= 550 && code <= 553 && /no such file|not found|does not exist|doesn't exist|ENOENT/i.test(message)) return 'not-found';
  if (code === 553) return /permission|denied|not allowed/i.test(message) ? 'permission' : 'bad-input';
  if (verb === 'USER' || verb === 'PASS' || verb === 'ACCT') return 'auth';
  return 'protocol';
}

export function replyError(verb: string, code: number, message: string, text?: string): FtpError {
  // The reply's lines start with their code already ("550 x: No such file").
  const first = firstLine(message);
  const said = first.startsWith(String(code)) ? first : `${code} ${first}`;
  return new FtpError(text === undefined ? `${verb} failed: ${said}` : `${text}: ${said}`, {
    code: 'FTP_REPLY',
    ftpCode: code,
    ftpMessage: message,
    command: verb,
  });
}

export function isFtpError(err: unknown): err is FtpError {
  return err instanceof FtpError;
}

/**
 * REST answered as a command the server does not have (500/501/502/504):
 * no transfer there starts anywhere but at byte 0. The session is in step.
 */
export function isRestRefused(err: unknown): err is FtpError {
  return isReplyError(err) && err.command === 'REST' && [500, 501, 502, 504].includes(err.ftpCode ?? 0);
}

/** True for a negative (or unexpected) reply: the server answered, the session is in step. */
export function isReplyError(err: unknown): err is FtpError {
  return isFtpError(err) && err.code === 'FTP_REPLY';
}

// ---------------------------------------------------------------- factories

export function badArgumentError(message: string): FtpError {
  return new FtpError(message, { code: 'FTP_BAD_ARGUMENT' });
}

/** `what` did not happen within `ms`: "no reply to CWD within 30000 ms". */
export function timeoutError(what: string, ms: number, command?: string): FtpError {
  return new FtpError(`${what} within ${ms} ms`, { code: 'FTP_TIMEOUT', ...(command === undefined ? {} : { command }) });
}

/** A data connection on which no byte moved for `ms` (either direction, either engine). */
export function dataIdleError(ms: number): FtpError {
  return timeoutError('no byte moved on the data connection', ms);
}

export function closedError(message: string, cause?: unknown, reply?: { code: number; message: string }): FtpError {
  return new FtpError(message, {
    code: 'FTP_CONNECTION_CLOSED',
    cause,
    ...(reply ? { ftpCode: reply.code, ftpMessage: reply.message } : {}),
  });
}

export function connectFailedError(target: { host: string; port: number }, cause: unknown): FtpError {
  return new FtpError(`cannot connect to ${target.host}:${target.port}: ${describe(cause)}`, { code: 'FTP_CONNECT_FAILED', cause });
}

export function dataConnectionError(
  message: string,
  cause?: unknown,
  reply?: { code: number; message: string; command: string },
): FtpError {
  return new FtpError(message, {
    code: 'FTP_DATA_CONNECTION',
    cause,
    ...(reply ? { ftpCode: reply.code, ftpMessage: reply.message, command: reply.command } : {}),
  });
}

export function tlsError(err: Error, what = 'TLS'): FtpError {
  return new FtpError(`${what} failed: ${err.message}`, { code: 'FTP_TLS', cause: err });
}

/** `reply.message` only when the server's text may be kept (never a path the server sent back). */
export function parseError(message: string, reply?: { code: number; message?: string; command: string }): FtpError {
  return new FtpError(message, {
    code: 'FTP_PARSE',
    ...(reply ? { ftpCode: reply.code, command: reply.command } : {}),
    ...(reply?.message !== undefined ? { ftpMessage: reply.message } : {}),
  });
}

export function abortedError(reason?: unknown): FtpError {
  return new FtpError('operation aborted', { code: 'FTP_ABORTED', cause: reason });
}

export function incompleteError(message: string, cause?: unknown): FtpError {
  return new FtpError(message, { code: 'FTP_TRANSFER_INCOMPLETE', cause });
}

export function poolTimeoutError(name: string, ms: number, cause: unknown): FtpError {
  return new FtpError(`FTP pool "${name}": no session free within ${ms} ms`, { code: 'FTP_POOL_TIMEOUT', cause });
}

export function poolClosedError(name: string): FtpError {
  return new FtpError(`FTP pool "${name}" is closed`, { code: 'FTP_POOL_CLOSED' });
}

export function poolAbortedError(name: string, reason: unknown): FtpError {
  return new FtpError(`FTP pool "${name}": acquire aborted`, { code: 'FTP_ABORTED', cause: reason });
}

/**
 * What a failed stream step becomes: the caller's abort, an FtpError as it
 * is, Node's AbortError as an abort, anything else an incomplete transfer.
 */
export function transferError(err: unknown, signal?: AbortSignal): FtpError {
  if (signal?.aborted) return abortedError(signal.reason);
  if (err instanceof FtpError) return err;
  if ((err as NodeJS.ErrnoException | null)?.code === 'ABORT_ERR') return abortedError(err);
  return incompleteError(`transfer failed: ${describe(err)}`, err);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return (i < 0 ? text : text.slice(0, i)).trim();
}
