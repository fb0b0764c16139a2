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
 * on as the very same Buffer; otherwise the output is allocated once, at its
 * exact size, and filled with Buffer#copy runs between the line ends found
 * with Buffer#indexOf (memchr). No per-byte JavaScript loop: it is slower
 * than indexOf + copy even for short lines.
 *
 * What the servers do on their side (see test/helpers/servers/): vsftpd converts
 * only with ascii_*_enable; pure-ftpd turns every LF into CRLF on download, so
 * a file stored with CRLF arrives as CR CR LF, which the `lf` decoder turns
 * into CR LF — the file's own bytes, as intended.
 */

const CR = 0x0d;
const LF = 0x0a;

/**
 * Scratch list of line-end positions in the chunk being converted. Shared by
 * all transforms: _transform runs synchronously to completion, so no two
 * conversions ever use it at once, and its size stays bounded by the largest
 * chunk seen instead of growing per stream.
 */
let positions = new Int32Array(4096);

function recordPosition(n: number, position: number): number {
  if (n === positions.length) {
    const grown = new Int32Array(n * 2);
    grown.set(positions);
    positions = grown;
  }
  positions[n] = position;
  return n + 1;
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

    // One memchr pass records where a CR must go; the copy pass then needs no
    // second search.
    let n = 0;
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) {
      if (i === 0 ? afterCr : chunk[i - 1] === CR) continue;
      n = recordPosition(n, i);
    }
    if (n === 0) return callback(null, chunk);

    const out = Buffer.allocUnsafe(len + n);
    let o = 0;
    let from = 0;
    for (let k = 0; k < n; k++) {
      const i = positions[k] as number;
      o += chunk.copy(out, o, from, i);
      out[o++] = CR;
      from = i; // the LF itself starts the next run
    }
    chunk.copy(out, o, from);
    callback(null, out);
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
    // The held CR is emitted unless this chunk starts with its LF.
    const emitHeld = held && chunk[0] !== LF;
    const holdLast = chunk[len - 1] === CR;
    this.#heldCr = holdLast;

    let n = 0; // CRs inside this chunk that are followed by LF, to drop
    for (let i = chunk.indexOf(CR); i >= 0 && i < len - 1; i = chunk.indexOf(CR, i + 1)) {
      if (chunk[i + 1] === LF) n = recordPosition(n, i);
    }
    if (n === 0 && !holdLast && !emitHeld) return callback(null, chunk);

    const outLen = len - n - (holdLast ? 1 : 0) + (emitHeld ? 1 : 0);
    if (outLen === 0) return callback();
    const out = Buffer.allocUnsafe(outLen);
    let o = 0;
    if (emitHeld) out[o++] = CR;
    let from = 0;
    for (let k = 0; k < n; k++) {
      const i = positions[k] as number;
      o += chunk.copy(out, o, from, i);
      from = i + 1; // skip the CR, keep the LF
    }
    chunk.copy(out, o, from, holdLast ? len - 1 : len);
    callback(null, out);
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
