import { extname } from 'node:path/posix';
import type { ServerConfig } from '../config/index.js';
import type { FtpDataMode, FtpEol, FtpTransferType } from '../ftp/index.js';

export interface TransferChoice {
  mode: FtpDataMode;
  type: FtpTransferType;
  eol: FtpEol;
}

/**
 * Per-request options override the server's defaults; `type=auto` becomes
 * ASCII for the configured text extensions (lower case, with the dot) and
 * binary otherwise. `mode` stays as asked: only `auto` learns (the session's
 * mode memory), an explicit mode never changes what `auto` remembers.
 */
export function resolveTransferOptions(
  server: Pick<ServerConfig, 'mode' | 'type' | 'eol' | 'textExtensions'>,
  query: { [K in 'mode' | 'type' | 'eol']?: ServerConfig[K] | undefined },
  fileName: string,
): TransferChoice {
  const typeOption = query.type ?? server.type;
  const type: FtpTransferType = typeOption === 'auto' ? (isTextName(fileName, server.textExtensions) ? 'ascii' : 'binary') : typeOption;
  return { mode: query.mode ?? server.mode, type, eol: query.eol ?? server.eol };
}

export function isTextName(fileName: string, textExtensions: readonly string[]): boolean {
  const ext = extname(fileName).toLowerCase();
  return ext !== '' && textExtensions.includes(ext);
}
