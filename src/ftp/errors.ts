/**
 * One error type for everything the FTP layer can fail with. It carries a
 * stable `code`, a `category` the HTTP layer maps in one place, and the FTP
 * reply when there was one. The FTP layer knows nothing of HTTP statuses.
 *
 * Reuse rule (from basic-ftp): a reply error leaves the control connection
 * usable; any other error kills the session.
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

export interface FtpErrorOptions {
  code: FtpErrorCode;
  category: FtpErrorCategory;
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
    this.category = options.category;
    this.ftpCode = options.ftpCode;
    this.ftpMessage = options.ftpMessage;
    this.command = options.command;
  }

  /** True when the control connection is still in a known state after this error. */
  get keepsSession(): boolean {
    return this.code === 'FTP_REPLY' || this.code === 'FTP_BAD_ARGUMENT';
  }
}

/**
 * Category of a negative reply. RFC 959 §4.2 gives the codes; the texts differ
 * per server, so 550 is read as "not found" unless the text says otherwise.
 *   vsftpd:    "550 Failed to open file." / "550 Permission denied."
 *   proftpd:   "550 x: No such file or directory"
 *   pure-ftpd: "550 Can't open x: No such file or directory"
 */
export function categoryForReply(code: number, message: string, verb?: string): FtpErrorCategory {
  if (code === 421) return 'unavailable';
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

export function replyError(verb: string, code: number, message: string): FtpError {
  // The reply's lines start with their code already ("550 x: No such file").
  const first = firstLine(message);
  return new FtpError(`${verb} failed: ${first.startsWith(String(code)) ? first : `${code} ${first}`}`, {
    code: 'FTP_REPLY',
    category: categoryForReply(code, message, verb),
    ftpCode: code,
    ftpMessage: message,
    command: verb,
  });
}

export function isFtpError(err: unknown): err is FtpError {
  return err instanceof FtpError;
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return (i < 0 ? text : text.slice(0, i)).trim();
}
