import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createAsciiDecoder, createAsciiEncoder } from '../../../../src/ftp/data/ascii.js';
import { splitAt } from '../../../helpers/splitAt.js';
import { bytewise, lineEndInput, refBareLfToCrlf, refCrlfToLf, splitPoints } from '../../../helpers/lineEnds.js';

const CR = 0x0d;
const LF = 0x0a;

/** Feeds chunks through a fresh transform; returns the output and the chunk objects it emitted. */
async function run(t: Transform, chunks: readonly Uint8Array[]): Promise<{ bytes: Buffer; emitted: Buffer[] }> {
  const emitted: Buffer[] = [];
  t.on('data', (b: Buffer) => emitted.push(b));
  const ended = once(t, 'end');
  for (const c of chunks) t.write(c);
  t.end();
  await ended;
  return { bytes: Buffer.concat(emitted), emitted };
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const s = (buf: Uint8Array): string => Buffer.from(buf).toString('latin1');

async function encode(chunks: readonly Uint8Array[]): Promise<Buffer> {
  return (await run(createAsciiEncoder(), chunks)).bytes;
}
async function decodeLf(chunks: readonly Uint8Array[]): Promise<Buffer> {
  return (await run(createAsciiDecoder('lf'), chunks)).bytes;
}
async function decodeCrlf(chunks: readonly Uint8Array[]): Promise<Buffer> {
  return (await run(createAsciiDecoder('crlf'), chunks)).bytes;
}

const input = lineEndInput;
const splits = splitPoints;
const noCr = (x: Uint8Array): Uint8Array => x.filter((v) => v !== CR);

describe('createAsciiEncoder', () => {
  it('turns bare LF into CRLF and keeps existing CRLF', async () => {
    assert.equal(s(await encode([b('a\nb\r\nc\n\nd\r')])), 'a\r\nb\r\nc\r\n\r\nd\r');
    assert.equal(s(await encode([b('\n')])), '\r\n');
    assert.equal(s(await encode([b('\r\r\n')])), '\r\r\n');
  });

  it('does not double a CRLF split across chunks', async () => {
    assert.equal(s(await encode([b('a\r'), b('\nb')])), 'a\r\nb');
    assert.equal(s(await encode([b('a'), b('\n'), b('b')])), 'a\r\nb');
    assert.equal(s(await encode([b('a\r'), b(''), b('\n')])), 'a\r\n', 'an empty chunk keeps the state');
  });

  it('passes a chunk with nothing to change through as the same Buffer', async () => {
    const chunk = b('no line ends\r\n here\r\n');
    const { emitted } = await run(createAsciiEncoder(), [chunk]);
    assert.equal(emitted.length, 1);
    assert.equal(emitted[0], chunk);
  });

  it('matches the reference for any chunking (random splits and byte by byte)', async () => {
    await fc.assert(
      fc.asyncProperty(input, splits, async (x, points) => {
        const expected = refBareLfToCrlf(x);
        assert.deepEqual(await encode([x]), expected);
        assert.deepEqual(await encode(splitAt(x, points)), expected);
        assert.deepEqual(await encode(bytewise(x)), expected);
      }),
    );
  });

  it('leaves no bare LF, adds exactly one byte per bare LF, and is idempotent', async () => {
    await fc.assert(
      fc.asyncProperty(input, splits, async (x, points) => {
        const y = await encode(splitAt(x, points));
        y.forEach((v, i) => {
          if (v === LF) assert.equal(y[i - 1], CR, `bare LF at ${i}`);
        });
        const bare = x.filter((v, i) => v === LF && (i === 0 || x[i - 1] !== CR)).length;
        assert.equal(y.length, x.length + bare);
        assert.deepEqual(await encode([y]), y);
      }),
    );
  });
});

describe('createAsciiDecoder(lf)', () => {
  it('turns CRLF into LF and keeps a lone CR', async () => {
    assert.equal(s(await decodeLf([b('a\r\nb\rc\n\r\n')])), 'a\nb\rc\n\n');
    assert.equal(s(await decodeLf([b('\r\r\n')])), '\r\n', "pure-ftpd's CR CR LF for a stored CRLF");
  });

  it('holds a CR at the end of a chunk until the next byte is known', async () => {
    assert.equal(s(await decodeLf([b('a\r'), b('\nb')])), 'a\nb');
    assert.equal(s(await decodeLf([b('a\r'), b('b')])), 'a\rb');
    assert.equal(s(await decodeLf([b('a\r'), b('\r'), b('\n')])), 'a\r\n');
    assert.equal(s(await decodeLf([b('a\r'), b(''), b('\n')])), 'a\n', 'an empty chunk keeps the held CR');
  });

  it('flushes a CR held at the end of the data', async () => {
    assert.equal(s(await decodeLf([b('a\r')])), 'a\r');
    assert.equal(s(await decodeLf([b('\r')])), '\r');
  });

  it('passes a chunk with nothing to change through as the same Buffer', async () => {
    const chunk = b('no line ends here\n\rx');
    const { emitted } = await run(createAsciiDecoder('lf'), [chunk]);
    assert.equal(emitted.length, 1);
    assert.equal(emitted[0], chunk);
  });

  it('matches the reference for any chunking (random splits and byte by byte)', async () => {
    await fc.assert(
      fc.asyncProperty(input, splits, async (x, points) => {
        const expected = refCrlfToLf(x);
        assert.deepEqual(await decodeLf([x]), expected);
        assert.deepEqual(await decodeLf(splitAt(x, points)), expected);
        assert.deepEqual(await decodeLf(bytewise(x)), expected);
      }),
    );
  });

  it('undoes the encoder: decode(encode(x)) is x with each CRLF read as LF', async () => {
    // Proof sketch: encode only inserts a CR before LFs that had none, so in
    // encode(x) every LF has exactly one CR before it that the decoder drops;
    // every other byte is untouched. Hence decode(encode(x)) = x with CRLF → LF,
    // and for x without CR the round trip is exact.
    await fc.assert(
      fc.asyncProperty(input, splits, splits, async (x, p1, p2) => {
        const encoded = await encode(splitAt(x, p1));
        const decoded = await decodeLf(splitAt(encoded, p2));
        assert.equal(s(decoded), s(x).replaceAll('\r\n', '\n'));
        const plain = noCr(x);
        assert.deepEqual(await decodeLf(splitAt(await encode([plain]), p2)), Buffer.from(plain));
      }),
    );
  });

  it('round-trips wire text: encode(decode(y)) = y when y has no CR but in CRLF', async () => {
    await fc.assert(
      fc.asyncProperty(input, splits, async (x, points) => {
        const wire = await encode([noCr(x)]); // every CR is part of a CRLF
        assert.deepEqual(await encode(splitAt(await decodeLf(splitAt(wire, points)), points)), wire);
      }),
    );
  });
});

describe('createAsciiDecoder(crlf)', () => {
  it('turns bare LF into CRLF and keeps CRLF', async () => {
    assert.equal(s(await decodeCrlf([b('a\nb\r\n')])), 'a\r\nb\r\n');
    assert.equal(s(await decodeCrlf([b('a\r'), b('\n')])), 'a\r\n');
  });

  it('matches the reference for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(input, splits, async (x, points) => {
        const expected = refBareLfToCrlf(x);
        assert.deepEqual(await decodeCrlf(splitAt(x, points)), expected);
        assert.deepEqual(await decodeCrlf(bytewise(x)), expected);
      }),
    );
  });
});
