import fc from 'fast-check';

const SURROGATES = 0xe000 - 0xd800;

/**
 * One Unicode scalar value (any code point but a surrogate): the unit of
 * `fc.string({ unit: binaryUnit })`, which generates what
 * `fc.string({ unit: 'binary' })` does, the same values for the same seed.
 * fast-check 4's own 'binary' unit maps every one of the 1.1 million code
 * points into a table the first time a process uses it, about 3 s of a unit
 * run; this one maps back by arithmetic.
 */
export const binaryUnit: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES),
  (value) => {
    const code = typeof value === 'string' && value.length <= 2 ? value.codePointAt(0) : undefined;
    if (code === undefined || String.fromCodePoint(code) !== value || (code >= 0xd800 && code < 0xe000)) {
      throw new Error('not one Unicode scalar value');
    }
    return code < 0xd800 ? code : code - SURROGATES;
  },
);
