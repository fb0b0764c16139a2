/**
 * `Range` for downloads (RFC 9110 §14.1.2, §14.2). Only what FTP's REST can
 * serve: one byte range. A header we cannot honour is ignored (200, whole
 * file) as §14.2 allows; a single range that starts past the end is 416.
 *
 * Not express's `req.range()`: the range-parser 1.x it brings answers two
 * headers against §14.1.2 (a suffix longer than the file, `bytes=-500` on 100
 * bytes, and a reversed `bytes=5-1` both come back unsatisfiable), and
 * correcting that means parsing the header here anyway. range-parser 2 fixes
 * the first (jshttp/range-parser#66) but needs Node 22 and refuses the
 * whitespace this parser accepts. test/unit/http/input/range.test.ts pins both.
 */
export type RangeDecision = { kind: 'whole' } | { kind: 'partial'; start: number; end: number /* inclusive */ } | { kind: 'unsatisfiable' };

const SINGLE = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

export function decideRange(header: string | undefined, size: number | null): RangeDecision {
  if (header === undefined || size === null) return { kind: 'whole' };
  // Several ranges ("bytes=0-1,5-6") would need multipart/byteranges; the
  // contract answers them with the whole file.
  if (header.includes(',')) return { kind: 'whole' };
  const m = SINGLE.exec(header);
  if (!m) return { kind: 'whole' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // Suffix range "-n": the last n bytes; n = 0 can never be satisfied.
    const n = Number(last);
    if (!Number.isSafeInteger(n)) return { kind: 'whole' };
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return { kind: 'whole' };
  const requestedEnd = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  // "last < first" is invalid syntax (§14.1.2): the header is ignored.
  if (Number.isSafeInteger(requestedEnd) && requestedEnd < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = Number.isSafeInteger(requestedEnd) ? Math.min(requestedEnd, size - 1) : size - 1;
  return { kind: 'partial', start, end };
}
