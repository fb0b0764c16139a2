import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { learnLoginDirectory } from '../../../src/gateway/loginDirectory.js';
import { FtpError, type FtpSession } from '../../../src/ftp/index.js';
import { problemFor } from '../../../src/http/errors.js';

describe('learnLoginDirectory', () => {
  const session = (pwd: () => Promise<string>): FtpSession => ({ pwd }) as unknown as FtpSession;
  const signal = new AbortController().signal;

  test('the PWD path, normalised', async () => {
    assert.equal(
      await learnLoginDirectory(
        session(async () => '/home/bob/'),
        signal,
      ),
      '/home/bob',
    );
    assert.equal(
      await learnLoginDirectory(
        session(async () => '/'),
        signal,
      ),
      '/',
    );
  });

  for (const bad of ['DISK$USER:[BOB]', 'home/bob', '', '/a\r\nDELE x', '/a\0']) {
    test(`refuses ${JSON.stringify(bad)} with a 502, never "/"`, async () => {
      await assert.rejects(
        learnLoginDirectory(
          session(async () => bad),
          signal,
        ),
        (err: unknown) => {
          assert.ok(err instanceof FtpError && err.code === 'FTP_PARSE');
          assert.equal(problemFor(err, { passThrough: false }).status, 502);
          return true;
        },
      );
    });
  }

  test('a refused PWD is the server failing (502), not a missing file (404)', async () => {
    const refused = new FtpError('PWD failed: 550 x', {
      code: 'FTP_REPLY',
      ftpCode: 550,
      ftpMessage: '550 No such file or directory',
      command: 'PWD',
    });
    await assert.rejects(
      learnLoginDirectory(
        session(async () => Promise.reject(refused)),
        signal,
      ),
      (err: unknown) => {
        assert.ok(err instanceof FtpError && err.category === 'protocol');
        assert.equal(problemFor(err, { passThrough: false }).status, 502);
        return true;
      },
    );
  });
});
