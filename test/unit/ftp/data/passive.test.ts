import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEpsvReply, parsePasvReply } from '../../../../src/ftp/data/passive.js';
import { FtpError } from '../../../../src/ftp/errors.js';

const isCode = (code: string) => (err: unknown) => err instanceof FtpError && err.code === code;

describe('passive replies', () => {
  test('EPSV with any delimiter', () => {
    assert.equal(parseEpsvReply({ code: 229, message: '229 Entering Extended Passive Mode (|||6446|)' }), 6446);
    assert.equal(parseEpsvReply({ code: 229, message: '229 EPSV OK (!!!20385!)' }), 20385);
    assert.throws(() => parseEpsvReply({ code: 229, message: '229 Entering Extended Passive Mode' }), isCode('FTP_PARSE'));
    assert.throws(() => parseEpsvReply({ code: 229, message: '229 (|||70000|)' }), isCode('FTP_PARSE'));
  });
  test('PASV with and without parentheses', () => {
    assert.deepEqual(parsePasvReply({ code: 227, message: '227 Entering Passive Mode (127,0,0,1,195,149).' }), {
      host: '127.0.0.1',
      port: 195 * 256 + 149,
    });
    assert.deepEqual(parsePasvReply({ code: 227, message: '227 Entering Passive Mode 10,0,0,5,4,1' }), { host: '10.0.0.5', port: 1025 });
    assert.throws(() => parsePasvReply({ code: 227, message: '227 Entering Passive Mode (300,0,0,1,1,1)' }), isCode('FTP_PARSE'));
    assert.throws(() => parsePasvReply({ code: 227, message: '227 nothing here' }), isCode('FTP_PARSE'));
  });
});
