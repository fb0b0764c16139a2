import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpError } from '../../../../src/http/httpError.js';
import {
  checkFileName,
  decodeRawPath,
  parsePlainPath,
  rawPathname,
  relativePath,
  splitResourceTarget,
} from '../../../../src/http/input/paths.js';
import { joinRoot, normaliseRoot, resolveRoot } from '../../../../src/gateway/ftpPaths.js';
import { learnLoginDirectory } from '../../../../src/gateway/loginDirectory.js';
import { FtpError, type FtpSession } from '../../../../src/ftp/index.js';
import { problemFor } from '../../../../src/http/errors.js';

function rejects(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof HttpError && err.status === 400 && err.code === 'BAD_PATH');
}

describe('decodeRawPath', () => {
  test('decodes each segment and drops empty ones', () => {
    assert.deepEqual(decodeRawPath('a/b%20c//d%C3%A9/'), ['a', 'b c', 'dé']);
    assert.deepEqual(decodeRawPath(''), []);
    assert.deepEqual(decodeRawPath('/'), []);
    assert.deepEqual(decodeRawPath('50%25.txt'), ['50%.txt']);
    assert.deepEqual(decodeRawPath('a+b'), ['a+b']);
    assert.deepEqual(decodeRawPath('...'), ['...']);
    assert.deepEqual(decodeRawPath('.hidden'), ['.hidden']);
  });

  for (const raw of ['..', '.', 'a/../b', 'a/./b', '%2e%2e', '%2E%2E', '%2e.', '.%2E', '%2e', 'x/%2E%2e/y']) {
    test(`rejects dot segment ${raw}`, () => rejects(() => decodeRawPath(raw)));
  }
  for (const raw of ['a%2Fb', 'a%2fb', '%2F', 'a%5Cb', 'a\\b', 'a%0Db', 'a%0Ab', 'a%00b', 'x/%0D%0ADELE%20y']) {
    test(`rejects ${raw}`, () => rejects(() => decodeRawPath(raw)));
  }
  test('rejects malformed percent-encoding', () => {
    rejects(() => decodeRawPath('a%zz'));
    rejects(() => decodeRawPath('a%C3'));
  });
});

describe('parsePlainPath (move from/to)', () => {
  test('splits without decoding', () => {
    assert.deepEqual(parsePlainPath('/a/b%20c/', 'to'), ['a', 'b%20c']);
    assert.deepEqual(parsePlainPath('%2e%2e', 'to'), ['%2e%2e']);
  });
  for (const bad of ['..', 'a/../b', './a', 'a\\b', 'a\rb', 'a\nb', 'a\0b']) {
    test(`rejects ${JSON.stringify(bad)}`, () => rejects(() => parsePlainPath(bad, 'from')));
  }
});

describe('checkFileName (multipart)', () => {
  test('accepts a single segment', () => assert.equal(checkFileName('report 2024.csv'), 'report 2024.csv'));
  for (const bad of ['', 'a/b', '../x', '..', '.', 'a\\b', 'x\r\nDELE y', 'a\0']) {
    test(`rejects ${JSON.stringify(bad)}`, () => rejects(() => checkFileName(bad)));
  }
});

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

describe('learnLoginDirectory', () => {
  const session = (pwd: () => Promise<string>): FtpSession => ({ pwd }) as unknown as FtpSession;
  const signal = new AbortController().signal;

  test('the PWD path, normalised', async () => {
    assert.equal(await learnLoginDirectory(session(async () => '/home/bob/'), signal), '/home/bob');
    assert.equal(await learnLoginDirectory(session(async () => '/'), signal), '/');
  });

  for (const bad of ['DISK$USER:[BOB]', 'home/bob', '', '/a\r\nDELE x', '/a\0']) {
    test(`refuses ${JSON.stringify(bad)} with a 502, never "/"`, async () => {
      await assert.rejects(learnLoginDirectory(session(async () => bad), signal), (err: unknown) => {
        assert.ok(err instanceof FtpError && err.code === 'FTP_PARSE');
        assert.equal(problemFor(err, { passThrough: false }).status, 502);
        return true;
      });
    });
  }

  test('a refused PWD is the server failing (502), not a missing file (404)', async () => {
    const refused = new FtpError('PWD failed: 550 x', { code: 'FTP_REPLY', category: 'not-found', ftpCode: 550, command: 'PWD' });
    await assert.rejects(learnLoginDirectory(session(async () => Promise.reject(refused)), signal), (err: unknown) => {
      assert.ok(err instanceof FtpError && err.category === 'protocol');
      assert.equal(problemFor(err, { passThrough: false }).status, 502);
      return true;
    });
  });
});

describe('joinRoot', () => {
  test('joins under "/" and under a deeper root', () => {
    assert.equal(joinRoot('/', []), '/');
    assert.equal(joinRoot('/', ['a', 'b']), '/a/b');
    assert.equal(joinRoot('/outbox', []), '/outbox');
    assert.equal(joinRoot('/outbox/', ['a']), '/outbox/a');
    assert.equal(normaliseRoot('//x//y/'), '/x/y');
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

describe('raw targets', () => {
  test('rawPathname strips the query and absolute-form', () => {
    assert.equal(rawPathname('/a/%2e%2e/b?x=1'), '/a/%2e%2e/b');
    assert.equal(rawPathname('http://h:1/a/b?q'), '/a/b');
    assert.equal(rawPathname('http://h:1'), '/');
  });
  test('splitResourceTarget finds server and raw rest', () => {
    const prefix = ['api', 'v1', 'servers'];
    assert.deepEqual(splitResourceTarget('/api/v1/servers/s%20x/files/a/%2e%2e', prefix, 'files'), { server: 's x', rest: 'a/%2e%2e' });
    assert.deepEqual(splitResourceTarget('/api/v1/servers/s/dirs', prefix, 'dirs'), { server: 's', rest: '' });
    assert.equal(splitResourceTarget('/api/v1/servers/s/dirs/x', prefix, 'files'), null);
    assert.equal(splitResourceTarget('/api/v2/servers/s/files/x', prefix, 'files'), null);
  });
});
