/** A complete server reply (RFC 959 §4.2): one code, one or more lines of text. */
export interface FtpReply {
  code: number;
  /** All lines joined by "\n", codes and separators kept as sent. */
  message: string;
}
