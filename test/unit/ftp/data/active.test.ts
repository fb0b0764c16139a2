import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEprt, formatPort, normaliseAddress } from '../../../../src/ftp/data/active.js';

describe('active arguments', () => {
  test('EPRT for IPv4 and IPv6 (RFC 2428 §2)', () => {
    assert.equal(formatEprt('132.235.1.2', 6275), '|1|132.235.1.2|6275|');
    assert.equal(formatEprt('1080::8:800:200C:417A', 5282), '|2|1080::8:800:200C:417A|5282|');
  });
  test('PORT for IPv4 only (RFC 959 §4.1.2)', () => {
    assert.equal(formatPort('127.0.0.1', 50000), '127,0,0,1,195,80');
    assert.equal(formatPort('::ffff:10.1.2.3', 1025), '10,1,2,3,4,1');
    assert.equal(formatPort('::1', 1025), null);
    assert.equal(normaliseAddress('::ffff:127.0.0.1'), '127.0.0.1');
  });
});
