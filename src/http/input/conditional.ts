import type { IncomingHttpHeaders } from 'node:http';
import type { FtpStat } from '../../ftp/index.js';
import { HttpError } from '../httpError.js';

/**
 * Conditional requests (RFC 9110 §13) over what FTP can tell of a file: its
 * size and modification time (SIZE+MDTM or MLST). The entity tag is nginx's,
 * `"<mtime seconds hex>-<size hex>"`, so it changes whenever either does, and
 * it is strong: If-Match (strong comparison) can use it. An ASCII download is
 * other bytes than the file (converted line ends), so it gets a tag of its
 * own, the file's with the line-end form after it (`"…-lf"`, `"…-crlf"`).
 *
 * Everything here is decided from the stat, before any data connection: a
 * 304 or a 412 costs the FTP server no EPSV/PASV and no RETR or STOR.
 */
export type Representation = 'binary' | 'lf' | 'crlf';

export interface Validators {
  exists: boolean;
  /** The tag of the representation this request would send; null when size or modification time is unknown. */
  etag: string | null;
  /** The modification time at HTTP's precision (whole seconds); null when unknown. */
  modifiedSec: number | null;
  /** Tags that name this version of the file in any representation: what If-Match on a write accepts. */
  versionTags: readonly string[];
}

export function validatorsOf(stat: FtpStat | null, representation: Representation = 'binary'): Validators {
  if (stat === null) return { exists: false, etag: null, modifiedSec: null, versionTags: [] };
  const ms = stat.modifiedAt?.getTime();
  const modifiedSec = ms === undefined || Number.isNaN(ms) ? null : Math.floor(ms / 1000);
  if (stat.type !== 'file' || modifiedSec === null || stat.size === null) return { exists: true, etag: null, modifiedSec, versionTags: [] };
  const base = `${modifiedSec.toString(16)}-${stat.size.toString(16)}`;
  const tag = (r: Representation): string => `"${r === 'binary' ? base : `${base}-${r}`}"`;
  return { exists: true, etag: tag(representation), modifiedSec, versionTags: [tag('binary'), tag('lf'), tag('crlf')] };
}

/**
 * Whether a GET or HEAD carries a precondition the stat must answer first:
 * the download path asks, so that nothing that opens a data connection
 * (EPSV, PASV) goes out before the answer may be a 304.
 */
export function hasReadPreconditions(headers: IncomingHttpHeaders): boolean {
  return hasWritePreconditions(headers) || present(headers['if-modified-since']);
}

/** Whether a PUT or DELETE needs a stat before it writes (If-Modified-Since is for GET and HEAD only: §13.1.3). */
export function hasWritePreconditions(headers: IncomingHttpHeaders): boolean {
  return present(headers['if-match']) || present(headers['if-none-match']) || present(headers['if-unmodified-since']);
}

/**
 * GET and HEAD (§13.2.2, steps 1 to 4): a failed If-Match or If-Unmodified-Since
 * throws 412; a matching If-None-Match, or (without If-None-Match) a file not
 * modified since If-Modified-Since, is a 304.
 */
export function evaluateRead(headers: IncomingHttpHeaders, current: Validators): 'send' | 'not-modified' {
  checkIfMatch(headers, current, current.etag === null ? [] : [current.etag]);
  const ifNoneMatch = headers['if-none-match'];
  if (present(ifNoneMatch)) return noneMatch(ifNoneMatch, current) ? 'send' : 'not-modified';
  const since = httpDateSeconds(headers['if-modified-since']);
  if (since !== null && current.modifiedSec !== null && current.modifiedSec <= since) return 'not-modified';
  return 'send';
}

/**
 * PUT and DELETE (§13.2.2, steps 1 to 3): 412 when If-Match names no current
 * version (`*`: when the target is absent), when the target was modified after
 * If-Unmodified-Since, or when If-None-Match matches (`*`: when it exists).
 * FTP has no conditional write: the caller stats right before it writes, and a
 * change between the two is not seen (docs/api.md says so).
 */
export function evaluateWrite(headers: IncomingHttpHeaders, current: Validators): void {
  checkIfMatch(headers, current, current.versionTags);
  const ifNoneMatch = headers['if-none-match'];
  if (present(ifNoneMatch) && !noneMatch(ifNoneMatch, current)) {
    throw new HttpError(
      412,
      'PRECONDITION_FAILED',
      ifNoneMatch.trim() === '*' ? 'the target exists (If-None-Match: *)' : 'the target matches If-None-Match',
    );
  }
}

/**
 * If-Range (§13.1.5): the Range applies only to the version the client
 * names, by a strong tag or by exactly its Last-Modified; otherwise the
 * whole file is sent (200), never a piece of another version.
 */
export function rangeApplies(headers: IncomingHttpHeaders, current: Validators): boolean {
  const ifRange = headers['if-range'];
  if (!present(ifRange)) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tags = entityTags(value);
    return current.etag !== null && tags !== null && tags.length === 1 && strongMatch(tags[0] as string, current.etag);
  }
  const date = httpDateSeconds(value);
  return date !== null && date === current.modifiedSec;
}

/** If-Match, else If-Unmodified-Since (which If-Match overrides: §13.1.4). */
function checkIfMatch(headers: IncomingHttpHeaders, current: Validators, acceptable: readonly string[]): void {
  const ifMatch = headers['if-match'];
  if (present(ifMatch)) {
    const value = ifMatch.trim();
    const holds = value === '*' ? current.exists : (entityTags(value) ?? []).some((t) => acceptable.some((a) => strongMatch(t, a)));
    if (!holds) {
      throw new HttpError(
        412,
        'PRECONDITION_FAILED',
        value === '*' ? 'the target does not exist (If-Match: *)' : 'the target is not the version If-Match names',
      );
    }
    return;
  }
  const since = httpDateSeconds(headers['if-unmodified-since']);
  // No modification time (a server without MDTM, an absent target): nothing says it changed (§13.1.4).
  if (since !== null && current.modifiedSec !== null && current.modifiedSec > since) {
    throw new HttpError(412, 'PRECONDITION_FAILED', 'the target was modified after If-Unmodified-Since');
  }
}

/** If-None-Match's condition (§13.1.2): true when no tag matches, by the weak comparison. */
function noneMatch(value: string, current: Validators): boolean {
  if (value.trim() === '*') return !current.exists;
  const tags = entityTags(value);
  // A list that does not parse names no version: it matches nothing.
  if (tags === null || current.etag === null) return true;
  return !tags.some((t) => opaque(t) === opaque(current.etag as string));
}

function present(value: string | string[] | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (§8.8.3): a comma may be inside one.
// Empty list elements are allowed and ignored (§5.6.1).
const ENTITY_TAG = /[ \t,]*((?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,[ \t,]*|$)/y;

/** A list of entity tags (Node joins repeated lines with ", "), or null when it does not parse. */
export function entityTags(value: string): string[] | null {
  const tags: string[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const m = ENTITY_TAG.exec(value);
    if (!m) return null;
    tags.push(m[1] as string);
  }
  return tags.length > 0 ? tags : null;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

/** An HTTP-date in whole seconds since the epoch; null for anything else, which §13.1.3/§13.1.4 say to ignore. */
export function httpDateSeconds(value: string | string[] | undefined): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let ms: number;
  if (IMF_FIXDATE.test(text) || RFC850.test(text)) ms = Date.parse(text);
  else if (ASCTIME.test(text)) ms = Date.parse(`${text} GMT`);
  else return null;
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}
