import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FtpError, type FtpErrorCategory, type FtpErrorCode, type FtpReplyCategory } from '../../../src/ftp/index.js';
import { FTP_ERROR_DETAILS, FTP_REPLY_DETAILS, PASS_THROUGH_AUTH_DETAIL, problemFor } from '../../../src/http/errors.js';
import { readinessDetail } from '../../../src/gateway/readinessDetail.js';
import { HttpError } from '../../../src/http/httpError.js';

const configured = { passThrough: false };
const passThrough = { passThrough: true };

/** What proftpd says to a DELE of a path with the password in it, under the gateway root /srv/ftp. */
const ECHO = '550 /srv/ftp/hunter2/etc/passwd: No such file or directory';

/** Replies that read as each category (categoryForReply), each with server text that must not leak. */
const REPLIES: Record<FtpReplyCategory, { ftpCode: number; ftpMessage: string; command?: string }> = {
  'not-found': { ftpCode: 550, ftpMessage: ECHO },
  permission: { ftpCode: 550, ftpMessage: '550 /srv/ftp/hunter2: Permission denied' },
  auth: { ftpCode: 530, ftpMessage: '530 Login incorrect for hunter2', command: 'PASS' },
  unavailable: { ftpCode: 421, ftpMessage: '421 /srv/ftp is full' },
  'storage-full': { ftpCode: 552, ftpMessage: '552 /srv/ftp/hunter2: quota exceeded' },
  'bad-input': { ftpCode: 553, ftpMessage: '553 /srv/ftp/hunter2: bad file name' },
  protocol: { ftpCode: 500, ftpMessage: '500 /srv/ftp/hunter2 unknown' },
};

/**
 * An FtpError of `code`; its category follows from the code, for a reply from
 * the reply (a sample one for `category` unless `extra` gives it): checked,
 * so each row says which category it stands for.
 */
function ftp(
  code: FtpErrorCode,
  category: FtpErrorCategory,
  extra: Partial<{ ftpCode: number; ftpMessage: string; command: string }> = {},
): FtpError {
  const reply = code === 'FTP_REPLY' ? { ...REPLIES[category as FtpReplyCategory], ...extra } : extra;
  const err = new FtpError(`${reply.command ?? 'X'} failed: ${reply.ftpMessage ?? 'server text'}`, { code, ...reply });
  assert.equal(err.category, category, `${code} ${JSON.stringify(extra)}`);
  return err;
}

/** Nothing the FTP server sent, no server-side path, no secret, masked or not. */
function assertNoServerText(body: object): void {
  const text = JSON.stringify(body);
  for (const leak of ['server text', 'No such file', '/srv/ftp', 'hunter2', '***', '550 550'])
    assert.ok(!text.includes(leak), `${leak} in ${text}`);
  assert.ok(!('ftpMessage' in body), 'no ftpMessage member');
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
    ['data connection', ftp('FTP_DATA_CONNECTION', 'protocol'), 502],
    ['tls', ftp('FTP_TLS', 'protocol'), 502],
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
      assertNoServerText(p.body);
    });
  }
  test('pass-through auth failure → 401 with a Basic challenge', () => {
    const p = problemFor(ftp('FTP_REPLY', 'auth', { ftpCode: 530, command: 'PASS', ftpMessage: '530 Login incorrect.' }), passThrough);
    assert.equal(p.status, 401);
    assert.match(p.headers['WWW-Authenticate'] ?? '', /^Basic /);
    assert.equal(p.body.ftpCode, 530);
    assert.equal(p.body.detail, PASS_THROUGH_AUTH_DETAIL);
    assertNoServerText(p.body);
  });
  test('pool timeout sends Retry-After', () => {
    assert.equal(problemFor(ftp('FTP_POOL_TIMEOUT', 'unavailable'), configured).headers['Retry-After'], '1');
  });
  test('ftpCode passes as a number; the reply text, its paths and echoed secrets do not, and nothing is masked', () => {
    for (const ctx of [configured, passThrough]) {
      const p = problemFor(ftp('FTP_REPLY', 'not-found', { ftpCode: 550, ftpMessage: ECHO, command: 'DELE' }), ctx);
      assert.equal(p.status, 404);
      assert.equal(p.body.ftpCode, 550);
      assert.equal(p.body.detail, 'no such file or directory');
      assertNoServerText(p.body);
    }
  });
  test('the same guess and a wrong one get the same body (no password oracle)', () => {
    const body = (guess: string) =>
      problemFor(
        ftp('FTP_REPLY', 'not-found', { ftpCode: 550, ftpMessage: `550 /srv/ftp/${guess}: No such file or directory`, command: 'CWD' }),
        configured,
      ).body;
    assert.deepEqual(body('hunter2'), body('wrong-guess'));
  });
  test('every FtpError code has its own fixed sentence; a reply has one per category', () => {
    for (const [code, detail] of Object.entries(FTP_ERROR_DETAILS)) {
      const p = problemFor(new FtpError(`X failed: ${ECHO}`, { code: code as FtpErrorCode, ftpMessage: ECHO }), configured);
      assert.equal(p.body.detail, detail, code);
      assertNoServerText(p.body);
    }
    for (const [category, detail] of Object.entries(FTP_REPLY_DETAILS)) {
      const p = problemFor(ftp('FTP_REPLY', category as FtpReplyCategory), configured);
      assert.equal(p.body.detail, detail, category);
      assertNoServerText(p.body);
    }
    const sentences = [...Object.values(FTP_ERROR_DETAILS), ...Object.values(FTP_REPLY_DETAILS), PASS_THROUGH_AUTH_DETAIL];
    for (const sentence of sentences) assert.doesNotMatch(sentence, /\//, 'no path in a fixed sentence');
    // One FTP_REPLY code, several causes: the sentence follows the category.
    const byCategory = (category: FtpReplyCategory) => problemFor(ftp('FTP_REPLY', category, { ftpCode: 550 }), configured);
    assert.deepEqual([byCategory('not-found').status, byCategory('permission').status], [404, 403]);
    assert.notEqual(byCategory('not-found').body.detail, byCategory('permission').body.detail);
  });
  test('an FtpError without a reply has no ftpCode', () => {
    assert.equal('ftpCode' in problemFor(ftp('FTP_TIMEOUT', 'timeout'), configured).body, false);
  });
  test('HttpError keeps its status, code and headers', () => {
    const p = problemFor(new HttpError(416, 'RANGE_NOT_SATISFIABLE', 'nope', { headers: { 'Content-Range': 'bytes */5' } }), configured);
    assert.equal(p.status, 416);
    assert.equal(p.body.code, 'RANGE_NOT_SATISFIABLE');
    assert.equal(p.headers['Content-Range'], 'bytes */5');
    assert.equal(p.body.detail, 'nope', 'the gateway wrote it: it stays');
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

describe('readinessDetail: /readyz in fixed words', () => {
  test('the reply number, never its text', () => {
    const cases: Array<[FtpError, string]> = [
      [
        ftp('FTP_REPLY', 'auth', { ftpCode: 530, command: 'PASS', ftpMessage: '530 Login incorrect for hunter2 at /srv/ftp' }),
        'login refused (530)',
      ],
      [
        ftp('FTP_REPLY', 'unavailable', { ftpCode: 421, command: 'connect', ftpMessage: '421 /srv/ftp is full' }),
        'server unavailable (421)',
      ],
      [ftp('FTP_REPLY', 'protocol', { ftpCode: 500, command: 'NOOP', ftpMessage: ECHO }), 'unexpected reply (500)'],
      [ftp('FTP_CONNECTION_CLOSED', 'unavailable', { ftpCode: 421, ftpMessage: ECHO }), 'connection closed (421)'],
      [
        new FtpError('cannot connect to h:21: connect ECONNREFUSED', {
          code: 'FTP_CONNECT_FAILED',
          cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
        }),
        'unreachable (ECONNREFUSED)',
      ],
      [ftp('FTP_TIMEOUT', 'timeout'), 'no answer in time'],
      [ftp('FTP_TLS', 'protocol'), 'TLS failed'],
      [ftp('FTP_POOL_TIMEOUT', 'unavailable'), 'no session free in time'],
    ];
    for (const [err, detail] of cases) assert.equal(readinessDetail(err), detail);
  });
  test('any other error: its code when it is one, never its message', () => {
    assert.equal(
      readinessDetail(Object.assign(new Error('connect ECONNREFUSED ftp://bob:hunter2@h'), { code: 'ECONNREFUSED' })),
      'check failed (ECONNREFUSED)',
    );
    assert.equal(readinessDetail(Object.assign(new Error('x'), { code: 'not a code: hunter2' })), 'check failed');
    assert.equal(readinessDetail('hunter2'), 'check failed');
  });
});
