// Small pure pieces of the protocol client: argument checks, EPSV/PASV
// replies, EPRT/PORT arguments, FEAT, and the category of a negative reply.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSafeArgument } from '../../../../src/ftp/control/safeArgument.js';
import { parseFeatures } from '../../../../src/ftp/control/features.js';
import { parseEpsvReply, parsePasvReply } from '../../../../src/ftp/data/passive.js';
import { formatEprt, formatPort, normaliseAddress } from '../../../../src/ftp/data/active.js';
import { categoryForReply, FtpError, replyError } from '../../../../src/ftp/errors.js';

const isCode = (code: string) => (err: unknown) => err instanceof FtpError && err.code === code;

describe('assertSafeArgument', () => {
  test('refuses CR, LF and NUL anywhere', () => {
    for (const bad of ['a\r\nDELE x', '\n', 'x\0', '\rfoo', 'name\r', 'a%0d%0a'.replace('%0d%0a', '\r\n')]) {
      assert.throws(() => assertSafeArgument(bad), isCode('FTP_BAD_ARGUMENT'));
    }
  });
  test('passes everything else through unchanged, including unicode and spaces', () => {
    for (const ok of ['/dir/file name.txt', 'café/日本語.csv', ' leading space', '%0d%0a literally', 'tab\there']) {
      assert.equal(assertSafeArgument(ok), ok);
    }
  });
  test('property: throws exactly when the string holds CR, LF or NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', ' ', '\r', '\n', '\0', 'é', '.') }), (s) => {
        const unsafe = /[\r\n\0]/.test(s);
        let threw = false;
        try {
          assertSafeArgument(s);
        } catch (err) {
          threw = true;
          assert.ok(isCode('FTP_BAD_ARGUMENT')(err));
        }
        assert.equal(threw, unsafe);
      }),
    );
  });
});

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

describe('FEAT', () => {
  test('features are keyed upper case with their arguments', () => {
    const features = parseFeatures(
      ['211-Features:', ' MDTM', ' MLST type*;size*;modify*;', ' rest STREAM', ' UTF8', '211 End'].join('\n'),
    );
    assert.deepEqual([...features.keys()], ['MDTM', 'MLST', 'REST', 'UTF8']);
    assert.equal(features.get('MLST'), 'type*;size*;modify*;');
    assert.equal(features.get('REST'), 'STREAM');
  });
  test('a single-line FEAT reply has no features', () => {
    assert.equal(parseFeatures('211 no features').size, 0);
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
