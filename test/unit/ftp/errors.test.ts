import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryForReply, replyError } from '../../../src/ftp/errors.js';

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
