import { parseError, type FtpError } from '../errors.js';
import type { FtpEntry } from '../types.js';
import type { FtpListingDialect, FtpListingLineResult } from './ftpListingDialect.js';
import { dosListDialect } from './parseDosList.js';
import { parseMlsxLine } from './parseMlsd.js';
import { unixListDialect } from './parseUnixList.js';

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
}

/**
 * LIST dialects in the order they are tried. The first that recognises a line
 * is used for the rest of the listing (basic-ftp's rule): a DOS line would
 * never pass the Unix test and vice versa, but guessing once keeps a stray
 * line from being read in the wrong dialect.
 */
export const listDialects: readonly FtpListingDialect[] = [unixListDialect, dosListDialect];

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
  for (const line of lines) {
    const entry = parser.line(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (entry) out.push(entry);
  }
  out.push(...parser.end());
  return out;
}

class ListingParser implements FtpListingParser {
  readonly #format: FtpListingFormat;
  readonly #now: Date;
  readonly #onUnknownLine: ((line: string) => void) | undefined;
  readonly #maxLine: number;
  /** Pieces of the line not yet ended; joined once its LF arrives (linear, even fed byte by byte). */
  #pending: string[] = [];
  #pendingLength = 0;
  #dialect: FtpListingDialect | undefined;
  #recognised = 0;
  #unknown = 0;
  #ended = false;

  constructor(options: FtpListingParserOptions) {
    this.#format = options.format;
    this.#now = options.now ?? new Date();
    this.#onUnknownLine = options.onUnknownLine;
    this.#maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
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
      const entry = this.line(line);
      if (entry) out.push(entry);
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
      const entry = this.line(line);
      if (entry) out.push(entry);
    }
    this.#ended = true;
    return out;
  }

  /**
   * One complete line without its line end. Internal to this module.
   *
   * A line no dialect reads is kept as an `unknown` entry, never dropped:
   * the caller sees what the server sent, and a server that sends nothing
   * but garbage fills the same limits as one that sends entries.
   */
  line(line: string): FtpEntry | undefined {
    if (line.length > this.#maxLine) throw lineTooLong(this.#maxLine);
    if (line.trim() === '') return undefined;
    const result = this.#parse(line);
    if (result === undefined) {
      if (line === '.' || line === '..') return undefined;
      this.#unknown++;
      this.#onUnknownLine?.(line);
      return { name: line, type: 'unknown', size: null, modifiedAt: null, raw: line };
    }
    this.#recognised++;
    // RFC 3659 servers mark them cdir/pdir (null above); LIST servers and
    // careless MLSD ones list them by name.
    if (result === null || result.name === '.' || result.name === '..') return undefined;
    return result;
  }

  #parse(line: string): FtpListingLineResult {
    if (this.#format === 'mlsd') return parseMlsxLine(line);
    if (!this.#dialect) {
      this.#dialect = listDialects.find((d) => d.testLine(line));
      if (!this.#dialect) return undefined;
    }
    return this.#dialect.parseLine(line, this.#now);
  }
}

function lineTooLong(max: number): FtpError {
  return parseError(`listing line longer than ${max} characters`);
}
