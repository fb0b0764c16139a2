import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../../../src/http/httpError.js';
import { checkFileName, decodeRawPath, parsePlainPath, rawPathname, splitResourceTarget } from '../../../../src/http/input/paths.js';

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
