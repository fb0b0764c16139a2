// The Content-Disposition a download sends: express's res.attachment (jshttp
// content-disposition), which downloadFile.ts relies on for RFC 6266/8187 names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { binaryUnit } from '../../../../helpers/arbitraries.js';

/** The header express's res.attachment (jshttp content-disposition) gives a download of `name`. */
function contentDisposition(name: string): string {
  const res = new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
  Object.setPrototypeOf(res, express.response);
  (res as unknown as express.Response).attachment(name);
  return String(res.getHeader('content-disposition'));
}

describe('Content-Disposition of downloads (res.attachment, RFC 6266)', () => {
  test('plain ASCII name: a token, or quoted', () => {
    assert.equal(contentDisposition('a.txt'), 'attachment; filename=a.txt');
    assert.equal(contentDisposition('a b.txt'), 'attachment; filename="a b.txt"');
  });
  test('UTF-8 name gets filename*', () => {
    assert.equal(contentDisposition('résumé.pdf'), `attachment; filename="r?sum?.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
  });
  test('quotes and backslashes are escaped in the quoted form; a %XX name gets filename* too', () => {
    assert.equal(contentDisposition('a"b\\c.txt'), 'attachment; filename="a\\"b\\\\c.txt"');
    assert.equal(contentDisposition('50%25.txt'), `attachment; filename=50%25.txt; filename*=UTF-8''50%2525.txt`);
  });
  test('property: printable ASCII only, and the exact name decodes back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40, unit: binaryUnit }), (name) => {
        // A path segment has no "/", and is percent-decoded UTF-8: no lone surrogate (BAD_PATH).
        fc.pre(!name.includes('/') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name));
        const v = contentDisposition(name);
        assert.ok(/^[\x20-\x7e]*$/.test(v), v);
        const star = /filename\*=UTF-8''(.*)$/.exec(v);
        if (star) assert.equal(decodeURIComponent(star[1] ?? ''), name);
        else assert.ok(v === `attachment; filename=${name}` || v === `attachment; filename="${name.replace(/[\\"]/g, '\\$&')}"`, v);
      }),
    );
  });
});
