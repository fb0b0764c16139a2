// Property-based checks (fast-check) of the pure parts the hostile and
// faulty inputs go through: path rules, the listing and reply parsers, and
// the ASCII line-end transforms.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { FtpError } from '../../src/ftp/errors.js';
import { createAsciiDecoder, createAsciiEncoder } from '../../src/ftp/data/ascii.js';
import { createListingParser } from '../../src/ftp/listing/parseListing.js';
import { FtpReplyParser } from '../../src/ftp/reply/ftpReplyParser.js';
import { HttpError } from '../../src/http/httpError.js';
import { decodeRawPath, parsePlainPath, checkFileName } from '../../src/http/input/paths.js';
import { joinRoot } from '../../src/gateway/ftpPaths.js';
import { recordFigures } from './summary.js';
import { binaryUnit } from '../helpers/arbitraries.js';

const RUNS = 400;
const tally = { properties: 0, runs: 0, counterexamples: 0 };

// biome-ignore lint/suspicious/noConfusingVoidType: a predicate may assert and return nothing, as fast-check's own type says
async function property<T>(arb: fc.Arbitrary<T>, predicate: (value: T) => boolean | void | Promise<boolean | void>): Promise<void> {
  tally.properties++;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        tally.runs++;
        const result = await predicate(v);
        return result !== false;
      }),
      { numRuns: RUNS },
    );
  } catch (error) {
    tally.counterexamples++;
    throw error;
  }
}

/** Strings rich in the characters that matter: separators, dots, escapes, CR/LF/NUL, non-ASCII. */
const pathText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '/',
        '.',
        '..',
        '%',
        '%2e',
        '%2E',
        '%2f',
        '%2F',
        '%5c',
        '\\',
        '%0d',
        '%0a',
        '%00',
        '\r',
        '\n',
        '\0',
        '%zz',
        '%e0',
        'a',
        'b',
        'é',
        '☃',
        ' ',
        'DELE x',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const ROOT = '/srv/root';

function confined(segments: readonly string[]): void {
  const absolute = joinRoot(ROOT, segments);
  assert.doesNotMatch(absolute, /[\r\n\0]/, 'no CR/LF/NUL in an FTP argument');
  assert.equal(posix.normalize(absolute), absolute, 'nothing left to normalise (no . or .. segments)');
  assert.ok(absolute === ROOT || absolute.startsWith(`${ROOT}/`), `inside the root: ${absolute}`);
}

function onlyBadPath(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HttpError && error.status === 400 && error.code === 'BAD_PATH', String(error));
  }
}

function onlyFtpError(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FtpError, `not a typed error: ${String(error)}`);
  }
}

async function convert(transform: () => NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    transform(),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

/** A buffer and a random split of it into chunks. */
const splitBytes = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ whole: Buffer; chunks: Buffer[] }> =>
  fc.tuple(bytes, fc.array(fc.nat(), { maxLength: 8 })).map(([b, cuts]) => {
    const whole = Buffer.from(b);
    const points = [...new Set(cuts.map((c) => (whole.length === 0 ? 0 : c % whole.length)))].sort((x, y) => x - y);
    const chunks: Buffer[] = [];
    let at = 0;
    for (const p of points) {
      chunks.push(whole.subarray(at, p));
      at = p;
    }
    chunks.push(whole.subarray(at));
    return { whole, chunks: chunks.filter((c) => c.length > 0) };
  });

const textBytes = fc.uint8Array({ maxLength: 300 }).map((a) => a.map((b) => [0x0d, 0x0a, 0x41, 0x20, b][b % 5] ?? b));
const noCr = textBytes.map((a) => a.map((b) => (b === 0x0d ? 0x0a : b)));

describe('properties', () => {
  after(() => recordFigures('properties', { properties: { ...tally } }));

  test('a raw request path either gives segments inside the root, with no CR/LF/NUL, or is a 400', async () => {
    await property(pathText, (raw) => onlyBadPath(() => confined(decodeRawPath(raw))));
  });

  test('move from/to strings either stay inside the root or are a 400', async () => {
    await property(pathText, (raw) => onlyBadPath(() => confined(parsePlainPath(raw, 'from'))));
  });

  test('a multipart file name is one safe segment or a 400', async () => {
    await property(pathText, (raw) =>
      onlyBadPath(() => {
        const name = checkFileName(raw);
        assert.deepEqual(parsePlainPath(name, 'filename'), [name]);
        confined([name]);
      }),
    );
  });

  test('the LIST parser never throws anything but FtpError, however the text is split', async () => {
    await property(fc.tuple(fc.array(fc.string({ unit: binaryUnit, maxLength: 120 }), { maxLength: 10 }), fc.nat()), ([lines, split]) =>
      onlyFtpError(() => {
        const text = lines.join('\r\n');
        const p = createListingParser({ format: 'list', maxLineLength: 200 });
        const at = text.length === 0 ? 0 : split % text.length;
        p.push(text.slice(0, at));
        p.push(text.slice(at));
        p.end();
      }),
    );
  });

  test('the MLSD parser never throws anything but FtpError', async () => {
    const fact = fc
      .tuple(fc.constantFrom('type', 'size', 'modify', 'perm', 'unique', 'x'), fc.string({ maxLength: 16 }))
      .map(([k, v]) => `${k}=${v};`);
    const line = fc
      .tuple(fc.array(fact, { maxLength: 5 }), fc.string({ maxLength: 20 }))
      .map(([facts, name]) => `${facts.join('')} ${name}`);
    await property(fc.array(fc.oneof(line, fc.string({ unit: binaryUnit, maxLength: 60 })), { maxLength: 10 }), (lines) =>
      onlyFtpError(() => {
        const p = createListingParser({ format: 'mlsd' });
        p.push(lines.join('\n'));
        p.end();
      }),
    );
  });

  test('the reply parser never throws anything but FtpError, whole or split', async () => {
    const replyish = fc.array(
      fc.oneof(
        fc.constantFrom('220 ok', '220-', '220-x', '220 end', '421 bye', '\r\n', '\n', '\r', '999 ', '12', 'abc'),
        fc.string({ unit: binaryUnit, maxLength: 30 }),
      ),
      { maxLength: 20 },
    );
    await property(fc.tuple(replyish, fc.nat()), ([parts, split]) =>
      onlyFtpError(() => {
        const text = parts.join('');
        const p = new FtpReplyParser({ maxBytes: 256, maxLines: 8 });
        const at = text.length === 0 ? 0 : split % text.length;
        p.push(text.slice(0, at));
        p.push(text.slice(at));
      }),
    );
  });

  test('ASCII: text without CR survives upload encoding and lf download decoding, in any chunking', async () => {
    await property(splitBytes(noCr), async ({ whole, chunks }) => {
      const wire = await convert(createAsciiEncoder, chunks);
      assert.doesNotMatch(wire.toString('latin1'), /(^|[^\r])\n/, 'every LF on the wire follows a CR');
      const back = await convert(() => createAsciiDecoder('lf'), [wire.subarray(0, wire.length >> 1), wire.subarray(wire.length >> 1)]);
      assert.ok(back.equals(whole));
    });
  });

  test('ASCII: each transform gives the same bytes however the input is split, and encoding is idempotent', async () => {
    await property(splitBytes(textBytes), async ({ whole, chunks }) => {
      for (const make of [createAsciiEncoder, () => createAsciiDecoder('lf'), () => createAsciiDecoder('crlf')]) {
        const once = await convert(make, [whole]);
        assert.ok((await convert(make, chunks)).equals(once));
      }
      const encoded = await convert(createAsciiEncoder, chunks);
      assert.ok((await convert(createAsciiEncoder, [encoded])).equals(encoded));
    });
  });
});
