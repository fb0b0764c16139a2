import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideRange } from '../../../../src/http/input/range.js';
import http from 'node:http';
import net from 'node:net';
import express from 'express';

describe('decideRange (RFC 9110 §14)', () => {
  const table: Array<[string | undefined, number | null, ReturnType<typeof decideRange>]> = [
    [undefined, 100, { kind: 'whole' }],
    ['bytes=0-9', null, { kind: 'whole' }],
    ['bytes=0-9', 100, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=10-', 100, { kind: 'partial', start: 10, end: 99 }],
    ['bytes=90-200', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-500', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=99-99', 100, { kind: 'partial', start: 99, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=200-300', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', 100, { kind: 'whole' }],
    ['bytes=5-1', 100, { kind: 'whole' }],
    ['items=0-1', 100, { kind: 'whole' }],
    ['bytes=abc', 100, { kind: 'whole' }],
    ['bytes=-', 100, { kind: 'whole' }],
    ['BYTES = 1 - 2', 100, { kind: 'partial', start: 1, end: 2 }],
    // Positions past what a double holds exactly: a start past any file, a suffix longer than any.
    ['bytes=99999999999999999999-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-99999999999999999999', 100, { kind: 'partial', start: 0, end: 99 }],
  ];
  for (const [header, size, expected] of table) {
    test(`${String(header)} on ${String(size)}`, () => assert.deepEqual(decideRange(header, size), expected));
  }

  test('property: a partial range always lies inside the file', () => {
    fc.assert(
      fc.property(fc.nat(1e6), fc.option(fc.nat(2e6)), fc.option(fc.nat(2e6)), (size, a, b) => {
        const header = `bytes=${a ?? ''}-${b ?? ''}`;
        const d = decideRange(header, size);
        if (d.kind === 'partial') {
          assert.ok(d.start >= 0 && d.start <= d.end && d.end < size);
        }
      }),
    );
  });
});

/** express's own reading of a Range header: req.range(size), over jshttp range-parser. */
function expressRange(header: string, size: number): ReturnType<express.Request['range']> {
  const req = new http.IncomingMessage(new net.Socket());
  req.headers.range = header;
  Object.setPrototypeOf(req, express.request);
  return (req as unknown as express.Request).range(size);
}

describe('decideRange over req.range(): what the layer corrects', () => {
  test('range-parser agrees on the plain cases', () => {
    for (const [header, size] of [
      ['bytes=0-9', 100],
      ['bytes=10-', 100],
      ['bytes=90-200', 100],
      ['bytes=-10', 100],
      ['BYTES = 1 - 2', 100],
    ] as const) {
      const d = decideRange(header, size);
      assert.equal(d.kind, 'partial', header);
      assert.deepEqual(
        expressRange(header, size),
        Object.assign([{ start: (d as { start: number }).start, end: (d as { end: number }).end }], { type: header.split('=')[0] }),
        header,
      );
    }
    assert.equal(expressRange('bytes=100-', 100), -1);
  });
  test('range-parser 1.x answers 416 where RFC 9110 §14.1.2 does not; when this fails, express brings a fixed one and the layer can shrink', () => {
    // A suffix longer than the file is the whole file (206 0-99); last < first is invalid syntax (ignored: 200).
    assert.equal(expressRange('bytes=-500', 100), -1);
    assert.equal(expressRange('bytes=5-1', 100), -1);
    assert.deepEqual(decideRange('bytes=-500', 100), { kind: 'partial', start: 0, end: 99 });
    assert.deepEqual(decideRange('bytes=5-1', 100), { kind: 'whole' });
  });
});
