// assertSafeArgument: what a caller supplies reaches the control channel only
// without CR, LF or NUL (a smuggled second command).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSafeArgument } from '../../../../src/ftp/control/safeArgument.js';
import { FtpError } from '../../../../src/ftp/errors.js';

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
