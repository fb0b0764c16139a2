import { parseError } from '../errors.js';
import type { FtpReply } from './ftpReply.js';

/**
 * Incremental reply grouper, RFC 959 §4.2. Lines arrive already decoded; a
 * reply is either "ddd text" or a multi-line block that opens with "ddd-"
 * and closes with a line that starts with the same "ddd " (lines between may
 * be anything, including other digits, as pure-ftpd's banners show):
 *
 *   220---------- Welcome to Pure-FTPd [privsep] ----------
 *   220-You are user number 1 of 50 allowed.
 *   220 This is a private system - No anonymous login
 *
 * A reply is capped in lines and bytes so a hostile server cannot make the
 * client buffer without end.
 */
export class FtpReplyParser {
  readonly #maxBytes: number;
  readonly #maxLines: number;
  #pending = '';
  #block: string[] | null = null;
  #blockCode = '';
  #blockBytes = 0;

  constructor(options: { maxBytes?: number; maxLines?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#maxLines = options.maxLines ?? 4096;
  }

  /** Feeds decoded text; returns the replies completed by it. */
  push(text: string): FtpReply[] {
    const out: FtpReply[] = [];
    let data = this.#pending + text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      let line = data.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = nl + 1;
      const reply = this.#line(line);
      if (reply) out.push(reply);
    }
    this.#pending = data.slice(start);
    data = '';
    // Refuse an unfinished line as soon as it is certain to be too long (its
    // last character may be the CR of a CRLF), so the verdict matches what
    // #line decides for the complete line however the text was chunked.
    if (this.#pending.length - (this.#pending.endsWith('\r') ? 1 : 0) > this.#maxBytes) {
      throw parseError('reply line too long');
    }
    return out;
  }

  /** True when part of a reply has been received but not all of it. */
  get partial(): boolean {
    return this.#pending.length > 0 || this.#block !== null;
  }

  #line(line: string): FtpReply | undefined {
    // Also caps lines that arrive whole in one chunk, which the check on the
    // unfinished remainder in push() never sees.
    if (line.length > this.#maxBytes) throw parseError('reply line too long');
    if (this.#block) {
      this.#blockBytes += line.length + 1;
      this.#block.push(line);
      if (this.#block.length > this.#maxLines || this.#blockBytes > this.#maxBytes) {
        throw parseError('multi-line reply too long');
      }
      if (line.length >= 4 && line.startsWith(this.#blockCode) && line[3] === ' ') {
        const message = this.#block.join('\n');
        const code = Number(this.#blockCode);
        this.#block = null;
        return { code, message };
      }
      return undefined;
    }
    const m = /^([1-5]\d\d)([ -]|$)/.exec(line);
    if (!m) {
      // Some servers send blank lines between replies; anything else is a broken server.
      if (line.trim() === '') return undefined;
      throw parseError(`unparseable reply line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const code = m[1] as string;
    if (m[2] === '-') {
      this.#block = [line];
      this.#blockCode = code;
      this.#blockBytes = line.length + 1;
      return undefined;
    }
    return { code: Number(code), message: line };
  }
}

/** The text of a reply without the "ddd " / "ddd-" prefixes, lines joined by "\n". */
export function replyText(reply: FtpReply): string {
  return reply.message
    .split('\n')
    .map((l) => (/^\d{3}[ -]/.test(l) ? l.slice(4) : l))
    .join('\n');
}
