// One error axis: an FtpError's category follows from its code, and for a
// negative reply from the reply; every factory makes the code it names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  abortedError,
  badArgumentError,
  CATEGORIES,
  categoryForReply,
  closedError,
  connectFailedError,
  dataConnectionError,
  dataIdleError,
  FtpError,
  incompleteError,
  parseError,
  poolAbortedError,
  poolClosedError,
  poolTimeoutError,
  replyError,
  timeoutError,
  tlsError,
  transferError,
  type FtpErrorCode,
} from '../../../src/ftp/errors.js';

describe('FtpError: the category is a function of the code', () => {
  test('every code but FTP_REPLY has its one category, whatever else the error carries', () => {
    for (const [code, category] of Object.entries(CATEGORIES)) {
      const plain = new FtpError('x', { code: code as FtpErrorCode });
      const withReply = new FtpError('x', {
        code: code as FtpErrorCode,
        ftpCode: 550,
        ftpMessage: '550 Permission denied',
        command: 'USER',
      });
      assert.equal(plain.category, category, code);
      assert.equal(withReply.category, category, `${code} with a reply`);
    }
  });

  test("FTP_REPLY takes the reply's category", () => {
    const cases: Array<[number, string, string, string]> = [
      [550, '550 Failed to open file.', 'RETR', 'not-found'],
      [550, '550 Permission denied.', 'RETR', 'permission'],
      [551, '551 ENOENT: no such file or directory', 'RETR', 'not-found'],
      [553, '553 Could not create file.', 'STOR', 'bad-input'],
      [530, '530 Login incorrect.', 'PASS', 'auth'],
      [500, '500 Unknown command.', 'PASS', 'auth'],
      [552, '552 Quota exceeded', 'STOR', 'storage-full'],
      [421, '421 Timeout.', 'LIST', 'unavailable'],
      [500, '500 Unknown command.', 'SITE', 'protocol'],
      // Refusals of commands that name no path of the caller's are never not-found/permission.
      [550, '550 Permission denied.', 'PORT', 'protocol'],
      [500, '500 EPSV not understood', 'EPSV', 'protocol'],
      [550, '550 No such file or directory', 'PWD', 'protocol'],
      [421, '421 Timeout.', 'EPSV', 'unavailable'],
    ];
    for (const [code, message, verb, category] of cases) {
      assert.equal(categoryForReply(code, message, verb), category, `${code} ${verb}`);
      assert.equal(replyError(verb, code, message).category, category, `replyError ${code} ${verb}`);
      assert.equal(new FtpError('x', { code: 'FTP_REPLY', ftpCode: code, ftpMessage: message, command: verb }).category, category);
    }
  });

  test('each factory makes the code it names', () => {
    const cause = new Error('cause');
    const made: Array<[FtpError, FtpErrorCode]> = [
      [badArgumentError('x'), 'FTP_BAD_ARGUMENT'],
      [timeoutError('no reply to CWD', 10, 'CWD'), 'FTP_TIMEOUT'],
      [dataIdleError(10), 'FTP_TIMEOUT'],
      [closedError('x', cause), 'FTP_CONNECTION_CLOSED'],
      [connectFailedError({ host: 'h', port: 21 }, cause), 'FTP_CONNECT_FAILED'],
      [dataConnectionError('x', cause), 'FTP_DATA_CONNECTION'],
      [tlsError(cause), 'FTP_TLS'],
      [parseError('x'), 'FTP_PARSE'],
      [abortedError(cause), 'FTP_ABORTED'],
      [incompleteError('x'), 'FTP_TRANSFER_INCOMPLETE'],
      [poolTimeoutError('p', 10, cause), 'FTP_POOL_TIMEOUT'],
      [poolClosedError('p'), 'FTP_POOL_CLOSED'],
      [poolAbortedError('p', cause), 'FTP_ABORTED'],
      [replyError('DELE', 550, '550 x'), 'FTP_REPLY'],
    ];
    for (const [err, code] of made) {
      assert.ok(err instanceof FtpError);
      assert.equal(err.code, code, err.message);
    }
    assert.equal(timeoutError('no reply to CWD', 10, 'CWD').command, 'CWD');
    assert.equal(closedError('x', undefined, { code: 421, message: '421 bye' }).ftpCode, 421);
  });

  test('transferError: the caller’s abort first, an FtpError as it is, anything else incomplete', () => {
    const own = dataIdleError(5);
    assert.equal(transferError(own), own);
    assert.equal(transferError(new Error('EPIPE')).code, 'FTP_TRANSFER_INCOMPLETE');
    assert.equal(transferError(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })).code, 'FTP_ABORTED');
    assert.equal(transferError(own, AbortSignal.abort()).code, 'FTP_ABORTED');
  });
});

describe('categoryForReply', () => {
  const cases: Array<[number, string, string | undefined, string]> = [
    [550, '550 Failed to open file.', 'RETR', 'not-found'],
    [550, '550 x: No such file or directory', 'RETR', 'not-found'],
    [550, '550 Permission denied.', 'STOR', 'permission'],
    [551, '551 ENOENT: no such file or directory', 'RETR', 'not-found'],
    [450, '450 File unavailable', 'DELE', 'not-found'],
    [530, '530 Login incorrect.', 'PASS', 'auth'],
    [421, '421 Timeout.', 'NOOP', 'unavailable'],
    [452, '452 Insufficient storage space', 'STOR', 'storage-full'],
    [552, '552 Quota exceeded', 'STOR', 'storage-full'],
    [553, '553 Could not create file.', 'STOR', 'bad-input'],
    [425, "425 Can't open data connection.", 'RETR', 'protocol'],
    [500, '500 Unknown command.', 'XYZ', 'protocol'],
  ];
  for (const [code, message, verb, category] of cases) {
    test(`${message} → ${category}`, () => assert.equal(categoryForReply(code, message, verb), category));
  }
});

describe('replyError', () => {
  test('the message names the code once; the whole reply stays in ftpMessage for the log', () => {
    const err = replyError('DELE', 550, '550 /base/x: No such file or directory');
    assert.equal(err.message, 'DELE failed: 550 /base/x: No such file or directory');
    assert.equal(replyError('CWD', 550, '550-first\n550 last').message, 'CWD failed: 550-first');
    assert.equal(replyError('NOOP', 500, 'no code in front').message, 'NOOP failed: 500 no code in front');
    assert.equal(err.ftpMessage, '550 /base/x: No such file or directory');
    assert.equal(err.command, 'DELE');
  });
});
