import fc from 'fast-check';

const CR = 0x0d;
const LF = 0x0a;

// Reference implementations of the TYPE A line-end rules: one byte at a time
// over the whole input, written for clarity, not speed. ascii.ts is held to
// them.
export function refBareLfToCrlf(x: Uint8Array): Buffer {
  const out: number[] = [];
  x.forEach((byte, i) => {
    if (byte === LF && (i === 0 || x[i - 1] !== CR)) out.push(CR);
    out.push(byte);
  });
  return Buffer.from(out);
}

export function refCrlfToLf(x: Uint8Array): Buffer {
  const out: number[] = [];
  x.forEach((byte, i) => {
    if (byte === CR && x[i + 1] === LF) return;
    out.push(byte);
  });
  return Buffer.from(out);
}

export const bytewise = (x: Uint8Array): Uint8Array[] => Array.from(x, (v) => Uint8Array.of(v));

/** Inputs dense in CR and LF, plus arbitrary bytes. */
export const lineEndInput = fc.oneof(
  fc.array(fc.constantFrom(CR, LF, 0x61), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
  fc.array(fc.constantFrom(CR, CR, LF, LF, 0x61, 0x00, 0xff), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
  fc.uint8Array({ maxLength: 300 }),
);

/** Where to cut an input into chunks (see splitAt). */
export const splitPoints = fc.array(fc.nat(), { maxLength: 20 });
