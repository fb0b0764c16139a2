/**
 * `Range` for downloads (RFC 9110 §14.1.2, §14.2). Only what FTP's REST can
 * serve: one byte range. A header we cannot honour is ignored (200, whole
 * file) as §14.2 allows; a single range that starts past the end is 416.
 *
 * jshttp's range-parser (what express's `req.range()` runs) reads the header;
 * this is the project's policy around it. range-parser 1.x answers two
 * headers unsatisfiable against §14.1.2: a suffix longer than the file
 * (`bytes=-500` on 100 bytes: the whole file) and a reversed `bytes=5-1`
 * (invalid syntax: ignored). Both show only as its "unsatisfiable", so that
 * answer alone is looked at again. range-parser 2 fixes the first
 * (jshttp/range-parser#66) but needs Node 22; test/unit/http/input/range.test.ts
 * pins both, so an upgrade shows whether the correction is still needed.
 */
import parseRange from 'range-parser';

export type RangeDecision = { kind: 'whole' } | { kind: 'partial'; start: number; end: number /* inclusive */ } | { kind: 'unsatisfiable' };

const WHOLE: RangeDecision = { kind: 'whole' };
const UNSATISFIABLE: RangeDecision = { kind: 'unsatisfiable' };

export function decideRange(header: string | undefined, size: number | null): RangeDecision {
  if (header === undefined || size === null) return WHOLE;
  // Several ranges would need multipart/byteranges; the contract answers
  // them with the whole file, even ranges that would combine into one.
  if (header.includes(',')) return WHOLE;
  const ranges = parseRange(size, header);
  if (ranges === -2) return WHOLE; // malformed: ignored
  const equals = header.indexOf('=');
  if (header.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE;
  if (ranges === -1) return notSatisfied(header.slice(equals + 1), size);
  const [range] = ranges;
  return range ? { kind: 'partial', start: range.start, end: range.end } : UNSATISFIABLE;
}

/**
 * What a range-spec range-parser found unsatisfiable means. Having said -1
 * and not -2, it has checked the syntax: the spec is "first-last" with digits
 * in `last` and in `first` unless it is a suffix.
 */
function notSatisfied(spec: string, size: number): RangeDecision {
  const dash = spec.indexOf('-');
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  // A suffix longer than the file selects the whole file; "-0" never selects anything.
  if (first === '') return Number(last) > 0 && size > 0 ? { kind: 'partial', start: 0, end: size - 1 } : UNSATISFIABLE;
  // "last < first" is invalid syntax (§14.1.2): the header is ignored.
  if (last !== '' && Number(last) < Number(first)) return WHOLE;
  return UNSATISFIABLE;
}
