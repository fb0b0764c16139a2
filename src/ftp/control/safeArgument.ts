import { badArgumentError } from '../errors.js';

/**
 * RFC 959 §4.1: commands end at CRLF, so a CR or LF inside an argument would
 * start a second command (the classic injection through file names); NUL
 * truncates names on C servers. Refused before anything is written.
 */
export function assertSafeArgument(value: string, what = 'argument'): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) {
      throw badArgumentError(`${what} contains ${c === 0 ? 'NUL' : c === 0x0d ? 'CR' : 'LF'}`);
    }
  }
  return value;
}
