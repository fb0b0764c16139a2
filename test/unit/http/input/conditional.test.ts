// RFC 9110 §13 over a stat: the tag's shape, the comparison each header
// uses (weak for If-None-Match, strong for If-Match and If-Range), the order
// in which they are evaluated, and the HTTP-date forms a recipient accepts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import {
  entityTags,
  evaluateRead,
  evaluateWrite,
  hasReadPreconditions,
  hasWritePreconditions,
  httpDateSeconds,
  rangeApplies,
  validatorsOf,
} from '../../../../src/http/input/conditional.js';
import { isHttpError } from '../../../../src/http/httpError.js';

// 2026-12-06T10:00:00Z, 1024 bytes.
const MTIME = new Date('2026-12-06T10:00:00.750Z');
const SEC = Math.floor(MTIME.getTime() / 1000);
const TAG = `"${SEC.toString(16)}-400"`;
const file = validatorsOf({ type: 'file', size: 1024, modifiedAt: MTIME });
const absent = validatorsOf(null);
const date = (sec: number): string => new Date(sec * 1000).toUTCString();

function fails412(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => isHttpError(err) && err.status === 412 && err.code === 'PRECONDITION_FAILED');
}

describe('validatorsOf', () => {
  test("nginx's tag: mtime seconds and size in hex, quoted, strong", () => {
    assert.equal(file.etag, TAG);
    assert.equal(file.modifiedSec, SEC);
    assert.deepEqual(file.versionTags, [TAG, `"${SEC.toString(16)}-400-lf"`, `"${SEC.toString(16)}-400-crlf"`]);
  });

  test('an ASCII download is other bytes: a tag of its own per line-end form', () => {
    assert.equal(validatorsOf({ type: 'file', size: 1024, modifiedAt: MTIME }, 'crlf').etag, `"${SEC.toString(16)}-400-crlf"`);
  });

  test('no tag without both size and modification time; none for a directory', () => {
    assert.equal(validatorsOf({ type: 'file', size: null, modifiedAt: MTIME }).etag, null);
    assert.equal(validatorsOf({ type: 'file', size: 5, modifiedAt: null }).etag, null);
    assert.equal(validatorsOf({ type: 'file', size: 5, modifiedAt: new Date(Number.NaN) }).modifiedSec, null);
    const dir = validatorsOf({ type: 'directory', size: null, modifiedAt: MTIME });
    assert.equal(dir.etag, null);
    assert.equal(dir.exists, true);
    assert.deepEqual(absent, { exists: false, etag: null, modifiedSec: null, versionTags: [] });
  });
});

describe('entityTags', () => {
  test('a list, weak tags, a comma inside a tag, optional whitespace', () => {
    assert.deepEqual(entityTags('"a", W/"b" ,"c,d"'), ['"a"', 'W/"b"', '"c,d"']);
    assert.deepEqual(entityTags('""'), ['""']);
    // Empty list elements are ignored (§5.6.1).
    assert.deepEqual(entityTags(', "a",, "b",'), ['"a"', '"b"']);
  });
  test('any list of valid tags comes back as written (seeded random tags, every etagc byte)', () => {
    let seed = 13;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    // etagc (§8.8.3): %x21 / %x23-7E / obs-text, as Node hands header bytes over (latin1).
    const etagc = [
      0x21,
      ...Array.from({ length: 0x7e - 0x23 + 1 }, (_, i) => 0x23 + i),
      ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i),
    ];
    for (let round = 0; round < 200; round++) {
      const tags = Array.from({ length: 1 + next(4) }, () => {
        const opaque = String.fromCharCode(...Array.from({ length: next(12) }, () => etagc[next(etagc.length)] as number));
        return `${next(2) === 0 ? 'W/' : ''}"${opaque}"`;
      });
      const separator = [',', ', ', ' ,\t', ' , , '][next(4)] as string;
      assert.deepEqual(entityTags(tags.join(separator)), tags, tags.join(separator));
    }
  });

  test('what does not parse is null', () => {
    for (const bad of ['a', '"a', '"a" "b"', 'w/"a"', ',', '"a" x']) assert.equal(entityTags(bad), null, bad);
  });
});

describe('httpDateSeconds (§5.6.7)', () => {
  test('IMF-fixdate, RFC 850 and asctime are the same instant', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
    assert.equal(httpDateSeconds('Sun, 06 Nov 1994 08:49:37 GMT'), expected);
    assert.equal(httpDateSeconds('Sunday, 06-Nov-94 08:49:37 GMT'), expected);
    assert.equal(httpDateSeconds('Sun Nov  6 08:49:37 1994'), expected);
  });
  test('anything else is ignored', () => {
    for (const bad of ['2026-12-06T10:00:00Z', 'yesterday', '', 'Sun, 06 Nov 1994 08:49:37 CET', 'Sun, 6 Nov 1994 08:49:37 GMT'])
      assert.equal(httpDateSeconds(bad), null, bad);
    assert.equal(httpDateSeconds(undefined), null);
  });
});

describe('evaluateRead (GET, HEAD)', () => {
  const read = (headers: IncomingHttpHeaders, v = file) => evaluateRead(headers, v);

  test('If-None-Match: the tag, in a list, weak, or * → 304; another tag → send', () => {
    for (const value of [TAG, `"x", ${TAG}`, `W/${TAG}`, '*']) assert.equal(read({ 'if-none-match': value }), 'not-modified', value);
    for (const value of ['"x"', `"${SEC.toString(16)}-401"`, 'garbage']) assert.equal(read({ 'if-none-match': value }), 'send', value);
  });

  test('If-Modified-Since, at second precision: not modified since → 304; modified after → send', () => {
    assert.equal(read({ 'if-modified-since': date(SEC) }), 'not-modified');
    assert.equal(read({ 'if-modified-since': date(SEC + 60) }), 'not-modified');
    assert.equal(read({ 'if-modified-since': date(SEC - 1) }), 'send');
    assert.equal(read({ 'if-modified-since': 'not a date' }), 'send');
  });

  test('If-Modified-Since is ignored when If-None-Match is present (§13.1.3)', () => {
    assert.equal(read({ 'if-none-match': '"other"', 'if-modified-since': date(SEC) }), 'send');
  });

  test('without a modification time, If-Modified-Since cannot say not modified', () => {
    assert.equal(read({ 'if-modified-since': date(SEC) }, validatorsOf({ type: 'file', size: 1, modifiedAt: null })), 'send');
  });

  test('If-Match: strong comparison (a weak tag never matches), * needs the file to exist', () => {
    assert.equal(read({ 'if-match': TAG }), 'send');
    assert.equal(read({ 'if-match': '*' }), 'send');
    fails412(() => read({ 'if-match': `W/${TAG}` }));
    fails412(() => read({ 'if-match': '"x"' }));
  });

  test('If-Unmodified-Since: modified after the date → 412', () => {
    assert.equal(read({ 'if-unmodified-since': date(SEC) }), 'send');
    fails412(() => read({ 'if-unmodified-since': date(SEC - 1) }));
  });

  test('no precondition: send', () => {
    assert.equal(read({}), 'send');
    assert.equal(read({ 'if-none-match': '  ' }), 'send');
  });
});

describe('evaluateWrite (PUT, DELETE)', () => {
  test('If-Match with the current tag (of any representation of this version) proceeds', () => {
    for (const tag of file.versionTags) evaluateWrite({ 'if-match': tag }, file);
    evaluateWrite({ 'if-match': `"stale", ${TAG}` }, file);
  });

  test('If-Match with a stale or weak tag → 412', () => {
    fails412(() => evaluateWrite({ 'if-match': `"${(SEC - 1).toString(16)}-400"` }, file));
    fails412(() => evaluateWrite({ 'if-match': `W/${TAG}` }, file));
  });

  test('If-Match: * → 412 when the target is absent; any tag → 412 too', () => {
    fails412(() => evaluateWrite({ 'if-match': '*' }, absent));
    fails412(() => evaluateWrite({ 'if-match': TAG }, absent));
    evaluateWrite({ 'if-match': '*' }, file);
  });

  test('If-Unmodified-Since: 412 when modified after; ignored beside If-Match, and for an absent target', () => {
    evaluateWrite({ 'if-unmodified-since': date(SEC) }, file);
    fails412(() => evaluateWrite({ 'if-unmodified-since': date(SEC - 1) }, file));
    evaluateWrite({ 'if-match': TAG, 'if-unmodified-since': date(SEC - 1) }, file);
    evaluateWrite({ 'if-unmodified-since': date(SEC - 1) }, absent);
  });

  test('If-None-Match: * → 412 when the target exists; a matching tag → 412', () => {
    fails412(() => evaluateWrite({ 'if-none-match': '*' }, file));
    evaluateWrite({ 'if-none-match': '*' }, absent);
    fails412(() => evaluateWrite({ 'if-none-match': TAG }, file));
    evaluateWrite({ 'if-none-match': '"other"' }, file);
  });

  test('If-Modified-Since means nothing to a write', () => {
    evaluateWrite({ 'if-modified-since': date(SEC + 60) }, file);
    assert.equal(hasWritePreconditions({ 'if-modified-since': date(SEC) }), false);
    assert.equal(hasReadPreconditions({ 'if-modified-since': date(SEC) }), true);
    assert.equal(hasWritePreconditions({ 'if-match': '*' }), true);
    assert.equal(hasReadPreconditions({ range: 'bytes=0-1' }), false);
  });
});

describe('rangeApplies (If-Range, §13.1.5)', () => {
  test('no If-Range: the range applies', () => assert.equal(rangeApplies({}, file), true));
  test('the current strong tag or exactly the Last-Modified: applies', () => {
    assert.equal(rangeApplies({ 'if-range': TAG }, file), true);
    assert.equal(rangeApplies({ 'if-range': date(SEC) }, file), true);
  });
  test('another tag, a weak tag, another date, garbage: the whole file', () => {
    for (const value of ['"x"', `W/${TAG}`, date(SEC + 1), date(SEC - 1), 'garbage'])
      assert.equal(rangeApplies({ 'if-range': value }, file), false, value);
  });
});
