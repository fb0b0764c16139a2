import { isFtpError } from '../ftp/index.js';

/**
 * `/readyz` needs no key, so its detail follows the same rule in a few words:
 * what failed and the reply's number (`login refused (530)`), never its text.
 */
export function readinessDetail(err: unknown): string {
  if (!isFtpError(err)) {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? `check failed (${code})` : 'check failed';
  }
  const n = Number.isInteger(err.ftpCode) ? ` (${err.ftpCode})` : '';
  switch (err.code) {
    case 'FTP_REPLY':
      if (err.category === 'auth') return `login refused${n}`;
      if (err.category === 'unavailable') return `server unavailable${n}`;
      return `unexpected reply${n}`;
    case 'FTP_CONNECT_FAILED': {
      // The socket's errno name (ECONNREFUSED) comes from this host, not from the FTP server.
      const errno = (err.cause as { code?: unknown } | undefined)?.code;
      return typeof errno === 'string' && /^E[A-Z]+$/.test(errno) ? `unreachable (${errno})` : 'unreachable';
    }
    case 'FTP_CONNECTION_CLOSED':
      return `connection closed${n}`;
    case 'FTP_TIMEOUT':
      return 'no answer in time';
    case 'FTP_TLS':
      return 'TLS failed';
    case 'FTP_PARSE':
      return 'unreadable reply';
    case 'FTP_POOL_TIMEOUT':
      return 'no session free in time';
    case 'FTP_POOL_CLOSED':
      return 'closing';
    case 'FTP_ABORTED':
      return 'aborted';
    default:
      return err.code.toLowerCase().replace(/^ftp_/, '').replace(/_/g, ' ');
  }
}
