import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpError } from '../../../src/http/httpError.js';
import { decodeRawPath, parsePlainPath, relativePath } from '../../../src/http/input/paths.js';
import { joinRoot, normaliseRoot, resolveRoot } from '../../../src/gateway/ftpPaths.js';

describe('resolveRoot', () => {
  test('an absolute root ignores the login directory; a relative one waits for it', () => {
    assert.equal(resolveRoot({ relativeTo: '/', segments: ['data', 'out'] }, null), '/data/out');
    assert.equal(resolveRoot({ relativeTo: '/', segments: [] }, '/home/bob'), '/');
    assert.equal(resolveRoot({ relativeTo: 'login', segments: ['outbox'] }, null), null);
    assert.equal(resolveRoot({ relativeTo: 'login', segments: ['outbox'] }, '/home/bob'), '/home/bob/outbox');
    assert.equal(resolveRoot({ relativeTo: 'login', segments: [] }, '/home/bob'), '/home/bob');
  });

  test('a login directory of "/" makes relative and absolute the same', () => {
    assert.equal(resolveRoot({ relativeTo: 'login', segments: [] }, '/'), '/');
    assert.equal(resolveRoot({ relativeTo: 'login', segments: ['a'] }, '/'), '/a');
  });
});

describe('joinRoot', () => {
  test('joins under "/" and under a deeper root', () => {
    assert.equal(joinRoot('/', []), '/');
    assert.equal(joinRoot('/', ['a', 'b']), '/a/b');
    assert.equal(joinRoot('/outbox', []), '/outbox');
    assert.equal(joinRoot('/outbox/', ['a']), '/outbox/a');
    assert.equal(normaliseRoot('//x//y/'), '/x/y');
    // An already normal root comes back as it is; anything else is normalised.
    for (const [root, normal] of [
      ['/', '/'],
      ['/a/b', '/a/b'],
      ['a/b', '/a/b'],
      ['/a/', '/a'],
      ['/a//b', '/a/b'],
      ['', '/'],
      ['//', '/'],
    ])
      assert.equal(normaliseRoot(root as string), normal);
    assert.equal(relativePath(['a', 'b']), 'a/b');
  });

  const anySegmentChar = fc.oneof(
    fc.constantFrom('.', '/', '\\', '\r', '\n', '\0', '%', '2', 'e', 'E', 'f', 'F', 'a', ' ', 'é'),
    fc.string({ minLength: 1, maxLength: 1 }),
  );
  const rawPath = fc.array(anySegmentChar, { maxLength: 40 }).map((cs) => cs.join(''));
  const root = fc.constantFrom('/', '/outbox', '/a/b');

  test('property: a result is inside the root and never holds CR, LF, NUL or a dot segment', () => {
    fc.assert(
      fc.property(root, rawPath, (r, raw) => {
        let segments: string[];
        try {
          segments = decodeRawPath(raw);
        } catch (err) {
          assert.ok(err instanceof HttpError && err.status === 400);
          return;
        }
        const full = joinRoot(r, segments);
        assert.ok(full === r || full.startsWith(r === '/' ? '/' : `${r}/`), full);
        assert.ok(!/[\r\n\0\\]/.test(full));
        const inner = full.slice(r === '/' ? 1 : r.length + 1);
        if (inner !== '') for (const s of inner.split('/')) assert.ok(s !== '' && s !== '.' && s !== '..', full);
      }),
      { numRuns: 5000 },
    );
  });

  test('property: encoding any safe segment list and decoding it gives it back', () => {
    const seg = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[/\\\r\n\0]/.test(s) && s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 6 }), (segments) => {
        assert.deepEqual(decodeRawPath(segments.map(encodeURIComponent).join('/')), segments);
      }),
    );
  });

  test('property: plain paths obey the same rules', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        try {
          const full = joinRoot('/r', parsePlainPath(raw, 'to'));
          assert.ok(full === '/r' || full.startsWith('/r/'));
          assert.ok(!/[\r\n\0\\]/.test(full));
          assert.ok(!full.split('/').includes('..'));
        } catch (err) {
          assert.ok(err instanceof HttpError && err.status === 400);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
