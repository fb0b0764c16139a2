import { isFtpError } from '../ftp/index.js';

/**
 * The log line's view of an error. An FtpError names only the command's verb,
 * never its argument (the FTP layer keeps arguments out of errors, and PASS/ACCT
 * are masked in its command log), so the reply text can be logged whole.
 */
export function logSafe(err: unknown): Record<string, unknown> {
  if (isFtpError(err)) {
    return {
      name: err.name,
      code: err.code,
      category: err.category,
      command: err.command,
      ftpCode: err.ftpCode,
      message: err.message,
      ...(err.ftpMessage !== undefined ? { reply: err.ftpMessage } : {}),
    };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
