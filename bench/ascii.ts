/**
 * Throughput of the TYPE A transforms: 256 MiB through each, in 64 KiB
 * chunks, through a real pipeline (so stream overhead is included).
 * Run: npx tsx bench/ascii.ts [MiB]
 */
import { PassThrough, Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createAsciiDecoder, createAsciiEncoder } from '../src/ftp/data/ascii.js';

const totalMiB = Number(process.argv[2] ?? 256);
const CHUNK = 64 * 1024;

/** A 64 KiB chunk of text lines of about 80 bytes ending in `eol`. */
function textChunk(eol: string): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog, 0123456789 abcdefghijklmnopq'.slice(0, 80 - eol.length) + eol;
  return Buffer.from(line.repeat(Math.ceil(CHUNK / line.length)).slice(0, CHUNK), 'latin1');
}

async function measure(label: string, make: () => Transform, chunk: Buffer): Promise<void> {
  const count = Math.floor((totalMiB * 1024 * 1024) / chunk.length);
  let outBytes = 0;
  const source = Readable.from(
    (function* () {
      // A copy per chunk, as a socket would deliver fresh Buffers.
      for (let i = 0; i < count; i++) yield Buffer.from(chunk);
    })(),
    { objectMode: false },
  );
  const sink = new Writable({
    write(data: Buffer, _enc, cb) {
      outBytes += data.length;
      cb();
    },
  });
  const start = performance.now();
  await pipeline(source, make(), sink);
  const seconds = (performance.now() - start) / 1000;
  const mb = (count * chunk.length) / 1e6;
  console.log(
    `${label.padEnd(44)} ${(mb / seconds).toFixed(0).padStart(6)} MB/s  (in ${mb.toFixed(0)} MB, out ${(outBytes / 1e6).toFixed(0)} MB)`,
  );
}

async function main(): Promise<void> {
  // Warm-up (JIT), not reported.
  const saved = console.log;
  console.log = () => {};
  await measure('warm-up', createAsciiEncoder, textChunk('\n'));
  await measure('warm-up', () => createAsciiDecoder('lf'), textChunk('\r\n'));
  console.log = saved;
  console.log(`${totalMiB} MiB in 64 KiB chunks, lines of 80 bytes`);
  await measure('baseline: PassThrough', () => new PassThrough(), textChunk('\r\n'));
  await measure('encoder, LF text (every chunk rewritten)', createAsciiEncoder, textChunk('\n'));
  await measure('encoder, CRLF text (fast path)', createAsciiEncoder, textChunk('\r\n'));
  await measure('decoder lf, CRLF text (every chunk rewritten)', () => createAsciiDecoder('lf'), textChunk('\r\n'));
  await measure('decoder lf, LF text (fast path)', () => createAsciiDecoder('lf'), textChunk('\n'));
  await measure('decoder crlf, LF text (every chunk rewritten)', () => createAsciiDecoder('crlf'), textChunk('\n'));
}

await main();
