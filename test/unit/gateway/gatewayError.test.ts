// The gateway's domain errors (src/gateway/gatewayError.ts): raised by the
// FTP operations without any HTTP in them, given their status only by the one
// table in src/http/errors.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FtpError, type FtpSession, type FtpStat } from '../../../src/ftp/index.js';
import { ensureDirectory, removeTree, requireDirectory, requireParent } from '../../../src/gateway/ftpOps.js';
import { GatewayError, type GatewayErrorCode } from '../../../src/gateway/gatewayError.js';
import { uploadFailure } from '../../../src/http/body/uploadFailure.js';
import { tooLarge } from '../../../src/http/body/requestBody.js';
import { GATEWAY_ERROR_STATUS, problemFor } from '../../../src/http/errors.js';
import { HttpError } from '../../../src/http/httpError.js';

const signal = new AbortController().signal;
const refused = (): FtpError => new FtpError('550 no', { code: 'FTP_REPLY', ftpCode: 550, ftpMessage: '550 No such file or directory' });

/** A session whose every path is `stat` (null: absent) and where CWD and MKD are refused. */
function session(stat: FtpStat | null): FtpSession {
  return {
    cwd: async () => {
      throw refused();
    },
    mkdir: async () => {
      throw refused();
    },
    stat: async () => stat,
  } as unknown as FtpSession;
}
const file = { type: 'file', size: 3 } as FtpStat;

function gatewayError(code: GatewayErrorCode): (err: unknown) => boolean {
  return (err) => err instanceof GatewayError && err.code === code;
}

describe('FTP operations raise GatewayErrors, not HTTP errors', () => {
  test('requireDirectory: absent → NOT_FOUND, a file → NOT_A_DIRECTORY', async () => {
    await assert.rejects(requireDirectory(session(null), '/a', signal), gatewayError('NOT_FOUND'));
    await assert.rejects(requireDirectory(session(file), '/a', signal), gatewayError('NOT_A_DIRECTORY'));
  });

  test('requireParent and ensureDirectory: a parent that is a file → NOT_A_DIRECTORY', async () => {
    await assert.rejects(requireParent(session(file), '/', ['a'], signal), gatewayError('NOT_A_DIRECTORY'));
    await assert.rejects(requireParent(session(null), '/', ['a'], signal), gatewayError('NOT_FOUND'));
    await assert.rejects(ensureDirectory(session(file), '/', ['a', 'b'], signal), gatewayError('NOT_A_DIRECTORY'));
  });

  test('removeTree: a tree deeper than it may go → DIRECTORY_NOT_EMPTY', async () => {
    const deep = { list: async () => [{ name: 'd', type: 'directory' }] } as unknown as FtpSession;
    await assert.rejects(removeTree(deep, '/d', { signal, mode: 'passive' }), gatewayError('DIRECTORY_NOT_EMPTY'));
  });
});

describe('GatewayError → problem+json, in the one table', () => {
  const expected: Record<GatewayErrorCode, number> = {
    NOT_FOUND: 404,
    NOT_A_DIRECTORY: 409,
    IS_A_DIRECTORY: 409,
    DIRECTORY_NOT_EMPTY: 409,
    UPLOAD_INCOMPLETE: 502,
    CLAIM_NOT_HELD: 409,
    TARGET_EXISTS: 409,
  };

  test('each code keeps its status, its code and the gateway sentence', () => {
    assert.deepEqual(GATEWAY_ERROR_STATUS, expected);
    for (const [code, status] of Object.entries(expected) as Array<[GatewayErrorCode, number]>) {
      const p = problemFor(new GatewayError(code, 'the sentence'), { passThrough: false });
      assert.equal(p.status, status);
      assert.equal(p.body.code, code);
      assert.equal(p.body.detail, 'the sentence');
      assert.equal(p.body.type, `urn:ftp-gateway:problem:${code.toLowerCase().replace(/_/g, '-')}`);
    }
  });
});

describe('uploadFailure: what the HTTP side tells the gateway about a failed upload', () => {
  const failed = new Error('stream ended early');

  test('an abort the gateway chose is the cause, and a broken limit', () => {
    const c = new AbortController();
    const slow = new HttpError(408, 'BODY_TOO_SLOW', 'slow');
    c.abort(slow);
    assert.deepEqual(
      uploadFailure(c.signal, failed, () => tooLarge(5)),
      { cause: slow, brokeLimit: true },
    );
  });

  test('a limit the body broke comes next; otherwise the failure itself, no limit broken', () => {
    const big = uploadFailure(signal, failed, () => tooLarge(5));
    assert.ok(big.cause instanceof HttpError && big.cause.status === 413 && big.brokeLimit);
    assert.deepEqual(
      uploadFailure(signal, failed, () => null),
      { cause: failed, brokeLimit: false },
    );
    const c = new AbortController();
    c.abort(new Error('client gone'));
    assert.deepEqual(
      uploadFailure(c.signal, failed, () => null),
      { cause: failed, brokeLimit: false },
    );
  });
});
