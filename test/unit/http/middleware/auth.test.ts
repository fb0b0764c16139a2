import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isWrite, matchKey, parseBasicAuth, presentedKey } from '../../../../src/http/middleware/auth.js';

const digest = (k: string): Buffer => createHash('sha256').update(k).digest();

describe('API keys', () => {
  const keys = [
    { digest: digest('reader'), scope: 'read' as const },
    { digest: digest('writer'), scope: 'write' as const },
  ];
  test('matches by value, with its scope', () => {
    assert.equal(matchKey(keys, 'reader'), 'read');
    assert.equal(matchKey(keys, 'writer'), 'write');
    assert.equal(matchKey(keys, 'writer '), null);
    assert.equal(matchKey(keys, ''), null);
    assert.equal(matchKey(keys, 'x'.repeat(10_000)), null);
  });
  test('the same key listed twice keeps the widest scope', () => {
    assert.equal(
      matchKey(
        [
          { digest: digest('k'), scope: 'write' },
          { digest: digest('k'), scope: 'read' },
        ],
        'k',
      ),
      'write',
    );
  });
  test('presentedKey reads X-API-Key or Bearer, never Basic', () => {
    assert.equal(presentedKey({ headers: { 'x-api-key': 'k1' } }), 'k1');
    assert.equal(presentedKey({ headers: { authorization: 'Bearer k2' } }), 'k2');
    assert.equal(presentedKey({ headers: { authorization: 'bearer   k3 ' } }), 'k3');
    assert.equal(presentedKey({ headers: { authorization: 'Basic dTpw' } }), null);
    assert.equal(presentedKey({ headers: { authorization: 'Basic dTpw', 'x-api-key': 'k4' } }), 'k4');
    assert.equal(presentedKey({ headers: {} }), null);
  });
  test('write methods', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS']) assert.equal(isWrite(m), false);
    for (const m of ['PUT', 'POST', 'DELETE', 'PATCH']) assert.equal(isWrite(m), true);
  });
});

describe('parseBasicAuth (RFC 7617)', () => {
  const basic = (s: string): string => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;
  test('user and a password that may contain ":"', () => {
    assert.deepEqual(parseBasicAuth(basic('alice:pa:ss')), { user: 'alice', password: 'pa:ss' });
    assert.deepEqual(parseBasicAuth(basic('élise:')), { user: 'élise', password: '' });
  });
  test('refuses what cannot be a login', () => {
    assert.equal(parseBasicAuth(undefined), null);
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth(basic('nocolon')), null);
    assert.equal(parseBasicAuth(basic(':pw')), null);
    assert.equal(parseBasicAuth(basic('u:p\r\nDELE x')), null);
    assert.equal(parseBasicAuth(basic('u\0:p')), null);
    // basic-auth itself lets a line end through in the user-id: the layer on top refuses it.
    assert.equal(parseBasicAuth(basic('u\nUSER root:p')), null);
    assert.equal(parseBasicAuth(basic('u\r:p')), null);
  });
  test('the scheme is case-insensitive (RFC 9110 §11.1)', () => {
    assert.deepEqual(parseBasicAuth(`bASIC ${Buffer.from('bob:pw').toString('base64')}`), { user: 'bob', password: 'pw' });
  });
});
