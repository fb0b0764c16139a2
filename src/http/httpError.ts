/**
 * Errors the HTTP layer raises itself (bad input, auth, conflicts, limits).
 * FtpErrors from the FTP layer stay FtpErrors; the one mapping table lives in
 * errors.ts. `code` is stable and machine-readable; tests assert on it.
 */
export type HttpErrorCode =
  | 'BAD_PATH'
  | 'PATH_TOO_LONG'
  | 'BAD_OPTION'
  | 'BAD_BODY'
  | 'BAD_CLAIM_ID'
  | 'UNAUTHORIZED'
  | 'FTP_LOGIN_REQUIRED'
  | 'FORBIDDEN'
  | 'READ_ONLY'
  | 'NOT_FOUND'
  | 'UNKNOWN_SERVER'
  | 'IS_A_DIRECTORY'
  | 'NOT_A_DIRECTORY'
  | 'DIRECTORY_NOT_EMPTY'
  | 'TARGET_EXISTS'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'BODY_TOO_SLOW'
  | 'TOO_MANY_TRANSFERS'
  | 'LISTING_TOO_LARGE'
  | 'LISTING_BUDGET_FULL'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UPLOAD_INCOMPLETE'
  | 'SHUTTING_DOWN';

export interface HttpErrorOptions {
  /** Extra response headers (Content-Range on 416, WWW-Authenticate on 401...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: HttpErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
  }
}

export function badPath(detail: string): HttpError {
  return new HttpError(400, 'BAD_PATH', detail);
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
