import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createListingParser, parseListingLines, type FtpListingFormat } from '../../../../src/ftp/listing/parseListing.js';
import type { FtpEntry } from '../../../../src/ftp/types.js';
import { splitAt } from '../../../helpers/splitAt.js';

/**
 * Listings captured from real servers (test/fixtures/listings, see its
 * README). Each is parsed whole, byte by byte and in random byte splits
 * through a streaming UTF-8 decoder and the streaming parser (as the client
 * does); no line may be left unread; the entries must match the README's served
 * tree; and where a server has both LIST and MLSD, the two must agree.
 */
const DIR = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'listings');
/** Capture time from the README: LIST dates without a year are read relative to it. */
const NOW = new Date('2026-11-25T12:20:12Z');

interface Expected {
  type: FtpEntry['type'];
  size: number | null;
  modifiedAt: string;
  target?: string;
}

/** The README's served tree, as each kind of listing shows it. */
function expectedTree(file: string): Map<string, Expected> {
  if (file === 'iis-dos-list.txt') {
    return new Map<string, Expected>([
      ['name', { type: 'directory', size: null, modifiedAt: '2023-01-02T10:00:00.000Z' }],
      ['sub dir', { type: 'directory', size: null, modifiedAt: '2023-01-02T10:00:00.000Z' }],
      ['old.txt', { type: 'file', size: 4, modifiedAt: '2019-03-04T00:00:00.000Z' }],
      ['plain.txt', { type: 'file', size: 25, modifiedAt: '2026-11-25T12:20:00.000Z' }],
      ['name with spaces.bin', { type: 'file', size: 1000, modifiedAt: '2026-11-25T12:20:00.000Z' }],
      ['backup 2022.zip', { type: 'file', size: 5368709120, modifiedAt: '2022-07-14T23:59:00.000Z' }],
    ]);
  }
  // MLSD has seconds; LIST only minutes.
  const now = formatOf(file) === 'mlsd' ? '2026-11-25T12:20:12.000Z' : '2026-11-25T12:20:00.000Z';
  const tree = new Map<string, Expected>([
    ['plain.txt', { type: 'file', size: 25, modifiedAt: now }],
    ['name with spaces.bin', { type: 'file', size: 1000, modifiedAt: now }],
    ['sub dir', { type: 'directory', size: null, modifiedAt: now }],
    ['caf\u00e9.txt', { type: 'file', size: 6, modifiedAt: now }],
    ['old.txt', { type: 'file', size: 4, modifiedAt: '2019-03-04T00:00:00.000Z' }],
  ]);
  if (file === 'ftp-srv-list.txt')
    tree.set('link', { type: 'file', size: 25, modifiedAt: now }); // ftp-srv follows links
  else if (formatOf(file) === 'mlsd')
    tree.set('link', { type: 'symlink', size: null, modifiedAt: now }); // no target given
  else tree.set('link', { type: 'symlink', size: null, modifiedAt: now, target: 'plain.txt' });
  return tree;
}

function byName(entries: readonly FtpEntry[]): Map<string, Expected> {
  return new Map(
    entries.map((e) => [
      e.name,
      {
        type: e.type,
        size: e.size,
        modifiedAt: e.modifiedAt?.toISOString() ?? 'null',
        ...(e.target === undefined ? {} : { target: e.target }),
      },
    ]),
  );
}

const REQUIRED = [
  'vsftpd-list.txt',
  'pure-ftpd-list.txt',
  'pure-ftpd-mlsd.txt',
  'proftpd-list.txt',
  'proftpd-mlsd.txt',
  'ftp-srv-list.txt',
  'iis-dos-list.txt',
];
const files = readdirSync(DIR).filter((f) => /-(list|mlsd)\.txt$/.test(f));

function formatOf(file: string): FtpListingFormat {
  return file.endsWith('-mlsd.txt') ? 'mlsd' : 'list';
}

/** Bytes off the data connection → streaming UTF-8 decoder → streaming listing parser. */
function parseChunks(chunks: readonly Uint8Array[], format: FtpListingFormat): FtpEntry[] {
  const parser = createListingParser({ format, now: NOW, onUnknownLine: (l) => assert.fail(`unknown line ${JSON.stringify(l)}`) });
  const decoder = new StringDecoder('utf8');
  const out = chunks.flatMap((c) => parser.push(decoder.write(Buffer.from(c))));
  out.push(...parser.push(decoder.end()), ...parser.end());
  return out;
}

describe('captured listings', () => {
  it('has a fixture for every server and format', () => {
    for (const f of REQUIRED) assert.ok(files.includes(f), `missing fixture ${f}`);
  });

  for (const file of files) {
    const bytes = readFileSync(join(DIR, file));
    const format = formatOf(file);

    it(`${file}: matches the README's tree, whole, byte by byte and in random splits alike`, () => {
      const whole = parseChunks([bytes], format);
      assert.equal(whole.length, expectedTree(file).size, 'one entry per child, no . or ..');
      assert.deepEqual(byName(whole), expectedTree(file));
      assert.deepEqual(parseListingLines(bytes.toString('utf8').split('\n'), { format, now: NOW }), whole);
      assert.deepEqual(
        parseChunks(
          Array.from(bytes, (b) => Uint8Array.of(b)),
          format,
        ),
        whole,
      );
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
          assert.deepEqual(parseChunks(splitAt(bytes, points), format), whole);
        }),
        { numRuns: 50 },
      );
    });
  }

  for (const file of files.filter((f) => f.endsWith('-mlsd.txt'))) {
    const listFile = file.replace('-mlsd.txt', '-list.txt');
    if (!files.includes(listFile)) continue;
    it(`${listFile} and ${file} agree on names, types and sizes`, () => {
      const summary = (f: string): Map<string, string> =>
        new Map(
          parseListingLines(readFileSync(join(DIR, f), 'utf8').split('\n'), { format: formatOf(f), now: NOW }).map((e) => [
            e.name,
            `${e.type} ${e.size}`,
          ]),
        );
      assert.deepEqual(summary(file), summary(listFile));
    });
  }
});
