import { FtpError, isFtpError } from '../errors.js';
import type { FtpSession } from '../types.js';

export function poolTimeoutError(name: string, ms: number, cause: unknown): FtpError {
  return new FtpError(`FTP pool "${name}": no session free within ${ms} ms`, {
    code: 'FTP_POOL_TIMEOUT',
    category: 'unavailable',
    cause,
  });
}

export function poolClosedError(name: string): FtpError {
  return new FtpError(`FTP pool "${name}" is closed`, { code: 'FTP_POOL_CLOSED', category: 'unavailable' });
}

export function poolAbortedError(name: string, reason: unknown): FtpError {
  return new FtpError(`FTP pool "${name}": acquire aborted`, { code: 'FTP_ABORTED', category: 'aborted', cause: reason });
}

export function createTimeoutError(name: string, ms: number): FtpError {
  return new FtpError(`FTP pool "${name}": connecting a session took longer than ${ms} ms`, {
    code: 'FTP_TIMEOUT',
    category: 'timeout',
  });
}

/**
 * The error says the session was already dead when the operation started:
 * the socket closed under us, or the server sent 421 (RFC 959 §4.2: "closing
 * control connection"; vsftpd idles sessions out with "421 Timeout.").
 */
export function isDeadConnection(err: unknown): boolean {
  return isFtpError(err) && (err.code === 'FTP_CONNECTION_CLOSED' || err.ftpCode === 421);
}

/**
 * basic-ftp's reuse rule: a reply error leaves the control connection in a
 * known state, anything else kills it. A 421 reply is the server hanging up.
 */
export function sessionSurvives(err: unknown, session: FtpSession): boolean {
  return isFtpError(err) && err.keepsSession && err.ftpCode !== 421 && session.usable;
}
