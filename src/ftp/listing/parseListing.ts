import { parseError, type FtpError } from '../errors.js';
import type { FtpEntry } from '../types.js';
import { dialectOrder } from './detectDialect.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { parseMlsxLine } from './parseMlsd.js';

export type FtpListingFormat = 'mlsd' | 'list';

export interface FtpListingParserOptions {
  /** `mlsd`: RFC 3659 fact lines; `list`: free-form LIST output, dialect guessed. */
  format: FtpListingFormat;
  /** Anchors LIST dates without a year. Default: the time the parser is created. */
  now?: Date;
  /** Called with each line no dialect could read (it becomes an `unknown` entry with `raw`). */
  onUnknownLine?: (line: string) => void;
  /** Longest line accepted, in UTF-16 code units (default 64 KiB). */
  maxLineLength?: number;
  /** The server's SYST reply: the dialects it names are tried first (see detectDialect). */
  system?: string;
  /** The dialect this server's last listing was in: tried before any other. */
  dialect?: string;
}

const DEFAULT_MAX_LINE = 64 * 1024;

/**
 * Incremental listing parser: text arrives in chunks straight off the data
 * connection (already decoded), lines may be split anywhere, end in CRLF or
 * LF, and the last may lack its line end.
 */
export interface FtpListingParser {
  /** Feeds text; returns the entries completed by it. */
  push(chunkText: string): FtpEntry[];
  /** Flushes the last line. */
  end(): FtpEntry[];
  /** Non-empty lines no dialect could read so far (each became an `unknown` entry). */
  readonly unknownLines: number;
  /** The LIST dialect chosen (`mlsd` for MLSD), or undefined before the first recognised line. */
  readonly dialect: string | undefined;
}

export function createListingParser(options: FtpListingParserOptions): FtpListingParser {
  return new ListingParser(options);
}

/** Parses a whole listing given as lines (line ends already removed or not). */
export function parseListingLines(lines: readonly string[], options: FtpListingParserOptions): FtpEntry[] {
  const parser = new ListingParser(options);
  const out: FtpEntry[] = [];
  for (const line of lines) parser.line(line.endsWith('\r') ? line.slice(0, -1) : line, out);
  out.push(...parser.end());
  return out;
}

class ListingParser implements FtpListingParser {
  readonly #format: FtpListingFormat;
  readonly #now: Date;
  readonly #onUnknownLine: ((line: string) => void) | undefined;
  readonly #maxLine: number;
  /** The dialects to sniff, in order, until one recognises a line. */
  readonly #order: readonly FtpListingDialect[];
  /** Pieces of the line not yet ended; joined once its LF arrives (linear, even fed byte by byte). */
  #pending: string[] = [];
  #pendingLength = 0;
  /** Lines of an entry that goes on on the next line (VMS), held until it ends. */
  #held: string[] = [];
  #dialect: FtpListingDialect | undefined;
  #recognised = 0;
  #unknown = 0;
  #ended = false;

  constructor(options: FtpListingParserOptions) {
    this.#format = options.format;
    this.#now = options.now ?? new Date();
    this.#onUnknownLine = options.onUnknownLine;
    this.#maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
    this.#order = dialectOrder(options.dialect, options.system);
  }

  get unknownLines(): number {
    return this.#unknown;
  }

  get dialect(): string | undefined {
    if (this.#format === 'mlsd') return this.#recognised > 0 ? 'mlsd' : undefined;
    return this.#dialect?.name;
  }

  push(chunkText: string): FtpEntry[] {
    if (this.#ended) throw new Error('listing parser: push after end');
    const out: FtpEntry[] = [];
    let start = 0;
    for (;;) {
      const nl = chunkText.indexOf('\n', start);
      if (nl < 0) break;
      let line = chunkText.slice(start, nl);
      if (this.#pending.length > 0) {
        this.#pending.push(line);
        line = this.#pending.join('');
        this.#pending = [];
        this.#pendingLength = 0;
      }
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, out);
    }
    if (start < chunkText.length) {
      const rest = chunkText.slice(start);
      this.#pending.push(rest);
      this.#pendingLength += rest.length;
      // The line is not over yet; refuse as soon as it is certain to be too
      // long (one more character may be the CR of its CRLF), so the verdict is
      // the same however the text is chunked.
      const last = rest.endsWith('\r') ? 1 : 0;
      if (this.#pendingLength - last > this.#maxLine) throw lineTooLong(this.#maxLine);
    }
    return out;
  }

  end(): FtpEntry[] {
    if (this.#ended) return [];
    const out: FtpEntry[] = [];
    if (this.#pending.length > 0) {
      let line = this.#pending.join('');
      this.#pending = [];
      this.#pendingLength = 0;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, out);
    }
    // An entry still waiting for its next line never got it.
    this.#releaseHeld(out);
    this.#ended = true;
    return out;
  }

  /**
   * One complete line without its line end; what it completes goes to `out`.
   * Internal to this module.
   *
   * A line no dialect reads is kept as an `unknown` entry, never dropped:
   * the caller sees what the server sent, and a server that sends nothing
   * but garbage fills the same limits as one that sends entries.
   */
  line(line: string, out: FtpEntry[]): void {
    if (line.length > this.#maxLine) throw lineTooLong(this.#maxLine);
    if (line.trim() === '') return;
    if (this.#held.length > 0) {
      const text = `${this.#held.join(' ')} ${line}`;
      const dialect = this.#dialect as FtpListingDialect;
      if (text.length <= this.#maxLine && dialect.continues?.(text)) {
        this.#held.push(line);
        return;
      }
      const result = dialect.parseLine(text, this.#now);
      if (result !== undefined) {
        this.#held = [];
        this.#accept(result, out);
        return;
      }
      // The held lines were no entry's start after all: each is what it is, and this line starts afresh.
      this.#releaseHeld(out);
    }
    let result: FtpListingLineResult;
    if (this.#format === 'mlsd') result = parseMlsxLine(line);
    else {
      const dialect = this.#pick(line);
      if (dialect?.continues?.(line)) {
        this.#held.push(line);
        return;
      }
      result = dialect?.parseLine(line, this.#now);
    }
    if (result === undefined) this.#unread(line, out);
    else this.#accept(result, out);
  }

  #accept(result: FtpEntry | null, out: FtpEntry[]): void {
    this.#recognised++;
    // RFC 3659 servers mark them cdir/pdir (null above); LIST servers and
    // careless MLSD ones list them by name.
    if (result === null || result.name === '.' || result.name === '..') return;
    out.push(result);
  }

  #unread(line: string, out: FtpEntry[]): void {
    if (line === '.' || line === '..') return;
    this.#unknown++;
    this.#onUnknownLine?.(line);
    out.push({ name: line, type: 'unknown', size: null, modifiedAt: null, raw: line });
  }

  #releaseHeld(out: FtpEntry[]): void {
    const held = this.#held;
    this.#held = [];
    for (const line of held) this.#unread(line, out);
  }

  /**
   * The listing's dialect: the first that recognised a line keeps it for the
   * rest of the listing (basic-ftp's rule), so a stray line is never read in
   * another dialect; until then each line is sniffed, in `#order`.
   */
  #pick(line: string): FtpListingDialect | undefined {
    if (!this.#dialect) this.#dialect = this.#order.find((d) => d.testLine(line));
    return this.#dialect;
  }
}

function lineTooLong(max: number): FtpError {
  return parseError(`listing line longer than ${max} characters`);
}
