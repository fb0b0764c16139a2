/**
 * Test files written straight into the FTP server's root (a temp folder that
 * the launcher removes on stop): a random binary file, an LF text file, a
 * 1 KiB file and a folder of empty files for the listing.
 */
import { randomFillSync, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

const BLOCK = 4 * 1024 * 1024;

async function writeBlocks(path: string, total: number, fill: (block: Buffer) => void): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: BLOCK });
  const block = Buffer.allocUnsafe(BLOCK);
  let written = 0;
  while (written < total) {
    const n = Math.min(BLOCK, total - written);
    fill(block);
    // A fresh copy: the stream may still hold the previous block.
    if (!out.write(Buffer.from(block.subarray(0, n)))) await once(out, 'drain');
    written += n;
  }
  out.end();
  await once(out, 'close');
}

/** `total` random bytes. */
export function writeRandomFile(path: string, total: number): Promise<void> {
  return writeBlocks(path, total, (block) => randomFillSync(block));
}

/**
 * `total` bytes of printable text in LF lines of 20–120 bytes. One block of
 * lines is generated and repeated (the line ends are what the ASCII path
 * works on; the letters do not matter).
 */
export function writeTextFile(path: string, total: number): Promise<void> {
  const words =
    'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua 0123456789'.split(
      ' ',
    );
  let text = '';
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  while (text.length < BLOCK) {
    const target = 20 + (next() % 100);
    let line = '';
    while (line.length < target) line += (line === '' ? '' : ' ') + words[next() % words.length];
    text += line.slice(0, target) + '\n';
  }
  const block = Buffer.from(text.slice(0, BLOCK), 'latin1');
  return writeBlocks(path, total, (b) => block.copy(b));
}

export function writeSmallFile(path: string, size = 1024): Buffer {
  const data = randomBytes(size);
  writeFileSync(path, data);
  return data;
}

/** A folder of `count` empty files named f-000001.dat…; returns its path. */
export function writeListFolder(dir: string, count: number): void {
  mkdirSync(dir, { mode: 0o755 });
  for (let i = 1; i <= count; i++) writeFileSync(join(dir, `f-${String(i).padStart(6, '0')}.dat`), '');
}
