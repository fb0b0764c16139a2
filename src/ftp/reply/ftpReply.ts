/** A complete server reply (RFC 959 §4.2): one code, one or more lines of text. */
export interface FtpReply {
  code: number;
  /** All lines joined by "\n", codes and separators kept as sent. */
  message: string;
}

export function isPositivePreliminary(r: FtpReply): boolean { return r.code >= 100 && r.code < 200; }
export function isPositiveCompletion(r: FtpReply): boolean { return r.code >= 200 && r.code < 300; }
export function isPositiveIntermediate(r: FtpReply): boolean { return r.code >= 300 && r.code < 400; }
export function isNegative(r: FtpReply): boolean { return r.code >= 400; }
