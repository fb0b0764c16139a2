import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEXT_EXTENSIONS } from '../../../src/config/index.js';
import { resolveTransferOptions } from '../../../src/gateway/transferOptions.js';

describe('resolveTransferOptions', () => {
  const server = { mode: 'passive' as const, type: 'auto' as const, eol: 'crlf' as const, textExtensions: DEFAULT_TEXT_EXTENSIONS };
  test('server defaults, type=auto by extension', () => {
    assert.deepEqual(resolveTransferOptions(server, {}, 'A.CSV'), { mode: 'passive', type: 'ascii', eol: 'crlf' });
    assert.deepEqual(resolveTransferOptions(server, {}, 'a.bin'), { mode: 'passive', type: 'binary', eol: 'crlf' });
    assert.equal(resolveTransferOptions(server, {}, 'README').type, 'binary');
  });
  test('the query wins', () => {
    assert.deepEqual(resolveTransferOptions(server, { mode: 'active', type: 'binary', eol: 'lf' }, 'a.txt'), {
      mode: 'active',
      type: 'binary',
      eol: 'lf',
    });
  });
});
