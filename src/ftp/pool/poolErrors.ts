import { isFtpError, timeoutError, type FtpError } from '../errors.js';

// The pool's errors are made in errors.ts with all the others.
export { poolAbortedError, poolClosedError, poolTimeoutError } from '../errors.js';

export function createTimeoutError(name: string, ms: number): FtpError {
  return timeoutError(`FTP pool "${name}": no session connected`, ms);
}

/**
 * The error says the session was already dead when the operation started:
 * the socket closed under us, or the server sent 421 (RFC 959 §4.2: "closing
 * control connection"; vsftpd idles sessions out with "421 Timeout.").
 */
export function isDeadConnection(err: unknown): boolean {
  return isFtpError(err) && (err.code === 'FTP_CONNECTION_CLOSED' || err.ftpCode === 421);
}
