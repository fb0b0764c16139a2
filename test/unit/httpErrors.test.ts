import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FtpError, type FtpErrorCategory, type FtpErrorCode } from '../../src/ftp/index.js';
import { problemFor } from '../../src/http/errors.js';
import { HttpError } from '../../src/http/httpError.js';

const configured = { passThrough: false, secrets: [] };
const passThrough = { passThrough: true, secrets: ['hunter2'] };

function ftp(code: FtpErrorCode, category: FtpErrorCategory, extra: Partial<{ ftpCode: number; ftpMessage: string; command: string }> = {}): FtpError {
  return new FtpError('x', { code, category, ...extra });
}

describe('problemFor: the contract error table', () => {
  const rows: Array<[string, FtpError, number]> = [
    ['550 missing', ftp('FTP_REPLY', 'not-found', { ftpCode: 550 }), 404],
    ['550 permission', ftp('FTP_REPLY', 'permission', { ftpCode: 550 }), 403],
    ['530 configured login', ftp('FTP_REPLY', 'auth', { ftpCode: 530, command: 'PASS' }), 502],
    ['421', ftp('FTP_REPLY', 'unavailable', { ftpCode: 421 }), 503],
    ['unreachable', ftp('FTP_CONNECT_FAILED', 'unavailable'), 503],
    ['pool timeout', ftp('FTP_POOL_TIMEOUT', 'unavailable'), 503],
    ['pool closed', ftp('FTP_POOL_CLOSED', 'unavailable'), 503],
    ['timeout', ftp('FTP_TIMEOUT', 'timeout'), 504],
    ['552', ftp('FTP_REPLY', 'storage-full', { ftpCode: 552 }), 507],
    ['452', ftp('FTP_REPLY', 'storage-full', { ftpCode: 452 }), 507],
    ['garbage', ftp('FTP_PARSE', 'protocol'), 502],
    ['data connection', ftp('FTP_DATA_CONNECTION', 'unavailable'), 502],
    ['tls', ftp('FTP_TLS', 'auth'), 502],
    ['incomplete', ftp('FTP_TRANSFER_INCOMPLETE', 'protocol'), 502],
    ['unexpected reply', ftp('FTP_REPLY', 'protocol', { ftpCode: 500 }), 502],
    ['bad argument', ftp('FTP_BAD_ARGUMENT', 'bad-input'), 400],
  ];
  for (const [name, err, status] of rows) {
    test(`${name} → ${status}`, () => {
      const p = problemFor(err, configured);
      assert.equal(p.status, status);
      assert.equal(p.body.status, status);
      assert.equal(p.body.code, err.code);
      assert.match(p.body.type, /^urn:ftp-gateway:problem:/);
      assert.equal(typeof p.body.title, 'string');
    });
  }
  test('pass-through auth failure → 401 with a Basic challenge', () => {
    const p = problemFor(ftp('FTP_REPLY', 'auth', { ftpCode: 530, command: 'PASS', ftpMessage: '530 Login incorrect.' }), passThrough);
    assert.equal(p.status, 401);
    assert.match(p.headers['WWW-Authenticate'] ?? '', /^Basic /);
    assert.equal(p.body.ftpCode, 530);
    assert.equal(p.body.ftpMessage, undefined, 'no reply text from a PASS exchange');
  });
  test('pool timeout sends Retry-After', () => {
    assert.equal(problemFor(ftp('FTP_POOL_TIMEOUT', 'unavailable'), configured).headers['Retry-After'], '1');
  });
  test('ftpCode and ftpMessage pass through, secrets scrubbed', () => {
    const p = problemFor(ftp('FTP_REPLY', 'not-found', { ftpCode: 550, ftpMessage: 'hunter2: No such file; PASS abc' }), passThrough);
    assert.equal(p.body.ftpCode, 550);
    assert.equal(p.body.ftpMessage, '***: No such file; PASS ***');
  });
  test('HttpError keeps its status, code and headers', () => {
    const p = problemFor(new HttpError(416, 'RANGE_NOT_SATISFIABLE', 'nope', { headers: { 'Content-Range': 'bytes */5' } }), configured);
    assert.equal(p.status, 416);
    assert.equal(p.body.code, 'RANGE_NOT_SATISFIABLE');
    assert.equal(p.headers['Content-Range'], 'bytes */5');
  });
  test('body-parser errors: malformed → 400, too large → 413', () => {
    assert.equal(problemFor(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', status: 400 }), configured).status, 400);
    assert.equal(problemFor(Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 }), configured).status, 413);
  });
  test('anything else is a 500 without internals', () => {
    const p = problemFor(new Error('secret internals'), configured);
    assert.equal(p.status, 500);
    assert.ok(!JSON.stringify(p.body).includes('secret internals'));
  });
});
