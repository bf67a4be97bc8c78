/**
 * varint.ts: the number fast paths of varintLength/writeVarint (no BigInt for non-negative safe
 * integers) give the same bytes as the general 64-bit path, and readVarint reads them back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readVarint, varintLength, writeVarint } from '../../src/format/varint.js';

function bytesOf(v: number | bigint): Uint8Array {
  const buf = new Uint8Array(9);
  const n = writeVarint(buf, 0, v);
  expect(n).toBe(varintLength(v));
  return buf.slice(0, n);
}

describe('varint', () => {
  it('a safe integer written as a number is the same varint as written as a bigint (property)', () => {
    const edges = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 35 - 1, 2 ** 42, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER];
    for (const v of edges) expect(bytesOf(v)).toEqual(bytesOf(BigInt(v)));
    fc.assert(
      // Small values (the two- and three-byte shift paths) as often as large ones.
      fc.property(fc.oneof(fc.maxSafeNat(), fc.nat({ max: 2 ** 22 })), (v) => {
        const bytes = bytesOf(v);
        expect(bytes).toEqual(bytesOf(BigInt(v)));
        const pos = { offset: 0 };
        expect(readVarint(bytes, pos)).toBe(v);
        expect(pos.offset).toBe(bytes.length);
      }),
      { numRuns: 200 },
    );
  });

  it('negative and 64-bit values take the general path: 9 bytes for negatives, exact round trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
        const bytes = bytesOf(v);
        if (v < 0n) expect(bytes.length).toBe(9);
        const got = readVarint(bytes, { offset: 0 });
        expect(BigInt(got)).toBe(v);
      }),
      { numRuns: 200 },
    );
    expect(bytesOf(-1)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  });

  it('a non-integer number of 128 or more is refused (BigInt conversion error), not written', () => {
    expect(() => writeVarint(new Uint8Array(9), 0, 200.5)).toThrow();
    expect(() => varintLength(1.5)).toThrow();
  });
});
