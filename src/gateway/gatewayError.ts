/**
 * Errors of the gateway's own rules about files and folders, beside the FTP
 * layer's FtpError: the FTP server answered, but what it said means the
 * operation cannot go on (a parent that is a file, a copy that came out
 * short). `code` is stable; the HTTP status is chosen in src/http/errors.ts.
 * The session that raised one stays usable.
 */
export type GatewayErrorCode =
  | 'NOT_FOUND' // the path (or a folder it needs) does not exist
  | 'NOT_A_DIRECTORY' // a folder was needed, a file is there
  | 'IS_A_DIRECTORY' // a file was needed, a folder is there
  | 'DIRECTORY_NOT_EMPTY' // a folder could not be removed
  | 'UPLOAD_INCOMPLETE' // the server kept fewer bytes than were sent
  | 'CLAIM_NOT_HELD' // (claims) no such claim, or its lease expired (a sweep may have returned the file)
  | 'TARGET_EXISTS'; // (claims) an ack would move the file onto one of the same name

export class GatewayError extends Error {
  override readonly name: string = 'GatewayError';
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
