// The kernel relay's line-end conversion (native/line_ends.c) against the
// one-byte-at-a-time reference rules that ascii.ts is held to: whole, byte by
// byte and in random splits, with the flag carried from block to block as the
// relay thread carries it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kernelConvert, kernelRelayAvailable, type KernelRelayConversion } from '../../../../src/ftp/data/kernelRelay.js';
import { splitAt } from '../../../helpers/splitAt.js';
import { bytewise, lineEndInput as input, refBareLfToCrlf, refCrlfToLf, splitPoints as splits } from '../../../helpers/lineEnds.js';

const CR = 0x0d;

function skip(): { skip?: string } {
  if (kernelRelayAvailable()) return {};
  if (process.env.CI) throw new Error('the kernel relay addon is not built (npm run build:native)');
  return { skip: 'kernel relay addon not built (npm run build:native)' };
}

/** Blocks through the native conversion, the flag carried over; at the end a held CR is a lone CR (as the relay does at EOF). */
function native(conversion: KernelRelayConversion, blocks: readonly Uint8Array[]): Buffer {
  const out: Buffer[] = [];
  let state = false;
  for (const block of blocks) {
    const r = kernelConvert(conversion, Buffer.from(block), state);
    assert.ok(r);
    out.push(r.output);
    state = r.lineState;
  }
  if (conversion === 'crlf-to-lf' && state) out.push(Buffer.of(CR));
  return Buffer.concat(out);
}

describe('kernel relay line-end conversion', skip(), () => {
  it('known cases', () => {
    const b = (s: string): Buffer => Buffer.from(s, 'latin1');
    assert.equal(native('crlf-to-lf', [b('a\r\nb\rc\r'), b('\nd\r')]).toString('latin1'), 'a\nb\rc\nd\r');
    assert.equal(native('lf-to-crlf', [b('a\nb\r'), b('\nc\n\n')]).toString('latin1'), 'a\r\nb\r\nc\r\n\r\n');
    assert.equal(native('crlf-to-lf', []).length, 0);
  });

  for (const [conversion, reference] of [
    ['crlf-to-lf', refCrlfToLf],
    ['lf-to-crlf', refBareLfToCrlf],
  ] as const) {
    it(`${conversion}: the reference result whole, byte by byte and in any split`, () => {
      fc.assert(
        fc.property(input, splits, (x, points) => {
          const expected = reference(x);
          assert.deepEqual(native(conversion, [x]), expected);
          assert.deepEqual(native(conversion, bytewise(x)), expected);
          assert.deepEqual(native(conversion, splitAt(x, points)), expected);
        }),
        { numRuns: 300 },
      );
    });
  }
});
