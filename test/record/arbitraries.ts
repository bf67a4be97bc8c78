/** fast-check generators of typed SQL values, weighted towards every encoding boundary. */
import fc from 'fast-check';
import { int64Value } from '../../src/record/value.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';

export interface Typed {
  v: SqlValue;
  c: StorageClass;
}

/** Every integer serial-type boundary: 0, 1, ±127/128, ±2^15, ±2^23, ±2^31, ±2^47, ±2^53, ±2^63. */
export const INTEGER_BOUNDARIES: bigint[] = (() => {
  const out = new Set<bigint>([0n, 1n, -1n, 2n]);
  for (const bits of [7, 8, 15, 16, 23, 24, 31, 32, 47, 48, 53, 63]) {
    const p = 1n << BigInt(bits);
    for (const d of [-1n, 0n, 1n]) {
      out.add(p + d);
      out.add(-p + d);
    }
  }
  return [...out].filter((v) => v >= -(1n << 63n) && v < 1n << 63n);
})();

export const REAL_SPECIALS: number[] = [
  0, -0, 1, -1, 0.5, -2.5, 1e-300, -1e-300, 5e-324, -5e-324, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
  Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 64, 1e20, 127, 128, 3.0, 0.1,
];

export const integerArb: fc.Arbitrary<number | bigint> = fc
  .oneof(
    fc.constantFrom(...INTEGER_BOUNDARIES),
    fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    fc.integer({ min: -1000, max: 1000 }).map(BigInt),
    fc.integer().map(BigInt),
  )
  .map(int64Value);

export const realArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...REAL_SPECIALS),
  fc.double({ noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }).map((x) => x / 4),
  fc.integer().map((x) => x), // integral reals (still stored as REAL)
);

const charArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'A', 'B', 'z', 'Z', ' ', '_', '[', '0') },
  { weight: 1, arbitrary: fc.constantFrom('\0', 'é', 'É', 'ß', '\u00ff', '\u0100', '\ud7ff', '\ue000', '\uffef', '\ufeff', '\ufffd', '\uffff', '😀', '𝄞', '\u{10ffff}', '\u{10000}') },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((c) => c < 0xd800 || c > 0xdfff)
      .map((c) => String.fromCodePoint(c)),
  },
);

/** Well-formed strings (no lone surrogates) with NULs, spaces, case, BMP and astral characters. */
export function textArb(maxLength = 40): fc.Arbitrary<string> {
  return fc.array(charArb, { maxLength }).map((a) => a.join(''));
}

export function blobArb(maxLength = 64): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.array(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), { maxLength: 8 }).map((a) => Uint8Array.from(a)),
  );
}

export function typedArb(opts: { maxText?: number; maxBlob?: number } = {}): fc.Arbitrary<Typed> {
  return fc.oneof(
    fc.constant<Typed>({ v: null, c: 'null' }),
    integerArb.map((v): Typed => ({ v, c: 'integer' })),
    realArb.map((v): Typed => ({ v, c: 'real' })),
    textArb(opts.maxText).map((v): Typed => ({ v, c: 'text' })),
    blobArb(opts.maxBlob).map((v): Typed => ({ v, c: 'blob' })),
  );
}

export const encodingArb = fc.constantFrom<1 | 2 | 3>(1, 2, 3);
