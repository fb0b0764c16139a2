import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../../../../src/http/httpError.js';
import { parseMoveBody, parseQuery } from '../../../../src/http/input/schemas.js';

const bad = (code: string) => (err: unknown) => err instanceof HttpError && err.status === 400 && err.code === code;

describe('query schema', () => {
  test('accepts the contract values', () => {
    assert.deepEqual(
      parseQuery({ mode: 'active', type: 'ascii', eol: 'crlf', atomic: 'false', append: 'true', mkdirs: 'false', recursive: 'true' }),
      {
        mode: 'active',
        type: 'ascii',
        eol: 'crlf',
        atomic: false,
        append: true,
        mkdirs: false,
        recursive: true,
      },
    );
    assert.deepEqual(parseQuery({ sort: 'none' }), { sort: 'none' });
    assert.deepEqual(parseQuery({ sort: 'name' }), { sort: 'name' });
    assert.deepEqual(parseQuery({}), {});
    assert.deepEqual(parseQuery(undefined), {});
  });
  for (const q of [
    { mode: 'fast' },
    { type: 'text' },
    { eol: 'cr' },
    { atomic: 'yes' },
    { recursive: '1' },
    { mode: ['active', 'passive'] },
    { sort: 'size' },
    { sort: '' },
    { sort: ['none', 'none'] },
  ]) {
    test(`rejects ${JSON.stringify(q)}`, () => assert.throws(() => parseQuery(q), bad('BAD_OPTION')));
  }
});

describe('move body schema', () => {
  test('valid', () => assert.deepEqual(parseMoveBody({ from: 'a', to: 'b', overwrite: true }), { from: 'a', to: 'b', overwrite: true }));
  for (const b of [
    undefined,
    {},
    { from: 'a' },
    { from: '', to: 'b' },
    { from: 'a', to: 'b', overwrite: 'yes' },
    { from: 1, to: 'b' },
    { from: 'a', to: 'b', overwite: true },
  ]) {
    test(`rejects ${JSON.stringify(b)}`, () => assert.throws(() => parseMoveBody(b), bad('BAD_BODY')));
  }
});
