import { Transform, type TransformCallback } from 'node:stream';
import type { FtpEol } from '../types.js';

/**
 * TYPE A (RFC 959 §3.1.1.1): on the wire every line ends in CRLF (NVT-ASCII
 * end of line). These transforms convert line ends on Buffers, byte-oriented,
 * so any ASCII-compatible encoding (UTF-8, Latin-1, Shift_JIS's ASCII range)
 * passes through untouched; only 0x0D and 0x0A are looked at.
 *
 * Both keep one byte of state across chunks, so the result does not depend on
 * where the network split the data. A chunk with nothing to change is passed
 * on as the very same Buffer. A chunk that changes is converted as a Latin-1
 * string (each byte one code unit, so any bytes round-trip exactly) by the
 * string's own replaceAll: a few native passes per chunk instead of a
 * Buffer#copy call per line, 1.4-2x faster on 80-byte lines
 * (bench/ascii.ts). No per-byte JavaScript loop: it is slower than both.
 *
 * What the servers do on their side (see test/helpers/servers/): vsftpd converts
 * only with ascii_*_enable; pure-ftpd turns every LF into CRLF on download, so
 * a file stored with CRLF arrives as CR CR LF, which the `lf` decoder turns
 * into CR LF — the file's own bytes, as intended.
 */

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

/** Whether an LF from `from` on has no CR before it (memchr per LF: CRLF text, the common case to pass, is never copied). */
function hasBareLf(chunk: Buffer, from: number): boolean {
  for (let i = chunk.indexOf(LF, from); i >= 0; i = chunk.indexOf(LF, i + 1)) {
    if (i === 0 || chunk[i - 1] !== CR) return true;
  }
  return false;
}

/** Upload: each LF not preceded by CR becomes CRLF; an existing CRLF is kept. */
export function createAsciiEncoder(): Transform {
  return new BareLfToCrlf();
}

/**
 * Download. `lf`: CRLF becomes LF; a CR not followed by LF is kept. `crlf`:
 * each bare LF becomes CRLF (servers that send bare LFs in TYPE A), existing
 * CRLF kept — the same conversion as the encoder.
 */
export function createAsciiDecoder(eol: FtpEol): Transform {
  return eol === 'crlf' ? new BareLfToCrlf() : new CrlfToLf();
}

class BareLfToCrlf extends Transform {
  /** The last byte of the previous chunk was CR: an LF at the start of this one is not bare. */
  #afterCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const len = chunk.length;
    if (len === 0) return callback();
    const afterCr = this.#afterCr;
    this.#afterCr = chunk[len - 1] === CR;
    // An LF that ends a CRLF split across chunks stays as it is.
    const skip = afterCr && chunk[0] === LF ? 1 : 0;
    if (!hasBareLf(chunk, skip)) return callback(null, chunk);
    const text = chunk.toString('latin1', skip);
    // Every CRLF to LF, then every LF to CRLF: bare LFs gain their CR, CRLFs come back as they were.
    const crlf = text.replaceAll('\r\n', '\n').replaceAll('\n', '\r\n');
    callback(null, Buffer.from(skip === 1 ? `\n${crlf}` : crlf, 'latin1'));
  }
}

class CrlfToLf extends Transform {
  /**
   * The previous chunk ended in CR, not yet passed on: whether it is dropped
   * (CRLF) or kept (a lone CR) depends on the next byte.
   */
  #heldCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const len = chunk.length;
    if (len === 0) return callback();
    const held = this.#heldCr;
    const holdLast = chunk[len - 1] === CR;
    this.#heldCr = holdLast;
    if (!held && !holdLast && chunk.indexOf(CRLF) === -1) return callback(null, chunk);
    // Latin-1 maps each byte to one code unit and back, so the string's own
    // replace (one native pass) converts any bytes exactly.
    let text = chunk.toString('latin1', 0, holdLast ? len - 1 : len);
    if (held) text = `\r${text}`;
    if (text.length === 0) return callback();
    callback(null, Buffer.from(text.replaceAll('\r\n', '\n'), 'latin1'));
  }

  override _flush(callback: TransformCallback): void {
    // A CR at the very end of the data has no LF after it: it is a lone CR.
    if (this.#heldCr) {
      this.#heldCr = false;
      return callback(null, Buffer.of(CR));
    }
    callback();
  }
}
