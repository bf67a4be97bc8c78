import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptError, MisuseError } from '../../src/errors.js';
import {
  decodeSerialValue,
  integerSerialType,
  serialTypeClass,
  serialTypeFor,
  serialTypeSize,
  writeSerialValue,
} from '../../src/record/serial-type.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';
import { INTEGER_BOUNDARIES, integerArb, REAL_SPECIALS, realArb } from './arbitraries.js';
import { sameValue } from './support.js';

/** Reference: the serial type SQLite picks, computed with bigints straight from the spec's ranges. */
function expectedIntegerType(v: bigint, fileFormat: number): number {
  if (fileFormat >= 4 && (v === 0n || v === 1n)) return v === 0n ? 8 : 9;
  const fits = (bytes: number) => v >= -(1n << BigInt(8 * bytes - 1)) && v < 1n << BigInt(8 * bytes - 1);
  if (fits(1)) return 1;
  if (fits(2)) return 2;
  if (fits(3)) return 3;
  if (fits(4)) return 4;
  if (fits(6)) return 5;
  return 6;
}

function roundTrip(value: SqlValue, cls: StorageClass, enc: 1 | 2 | 3 = 1): { type: number; back: SqlValue; bytes: Uint8Array } {
  const type = serialTypeFor(value, cls, 4, enc);
  const bytes = new Uint8Array(serialTypeSize(type) + 4);
  const n = writeSerialValue(bytes, 2, value, type, enc);
  expect(n).toBe(serialTypeSize(type));
  return { type, back: decodeSerialValue(bytes, 2, type, enc), bytes: bytes.subarray(2, 2 + n) };
}

describe('serial types', () => {
  it('has the sizes of the file-format table', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(serialTypeSize)).toEqual([0, 1, 2, 3, 4, 6, 8, 8, 0, 0]);
    expect(serialTypeSize(12)).toBe(0);
    expect(serialTypeSize(13)).toBe(0);
    expect(serialTypeSize(14)).toBe(1);
    expect(serialTypeSize(15)).toBe(1);
    expect(serialTypeSize(2 * 10000 + 12)).toBe(10000);
    expect(serialTypeClass(12)).toBe('blob');
    expect(serialTypeClass(13)).toBe('text');
    expect(serialTypeClass(7)).toBe('real');
    expect(serialTypeClass(9)).toBe('integer');
    expect(serialTypeClass(0)).toBe('null');
  });

  it('rejects the reserved types 10 and 11 as corrupt', () => {
    for (const t of [10, 11]) {
      expect(() => serialTypeSize(t)).toThrow(CorruptError);
      expect(() => serialTypeClass(t)).toThrow(CorruptError);
      expect(() => decodeSerialValue(new Uint8Array(8), 0, t, 1)).toThrow(CorruptError);
    }
  });

  it('picks the smallest integer width at every boundary, and 8/9 for 0/1 only in format 4', () => {
    for (const v of INTEGER_BOUNDARIES) {
      for (const ff of [1, 4]) {
        expect(integerSerialType(v, ff), `${v} format ${ff}`).toBe(expectedIntegerType(v, ff));
        if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(integerSerialType(Number(v), ff)).toBe(expectedIntegerType(v, ff));
        }
      }
    }
    expect(integerSerialType(127)).toBe(1);
    expect(integerSerialType(128)).toBe(2);
    expect(integerSerialType(-128)).toBe(1);
    expect(integerSerialType(-129)).toBe(2);
    expect(() => integerSerialType(1n << 63n)).toThrow(MisuseError);
  });

  it('round-trips every integer boundary exactly, as number when safe and bigint otherwise', () => {
    for (const b of INTEGER_BOUNDARIES) {
      const v = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      const { type, back, bytes } = roundTrip(v, 'integer');
      expect(type).toBe(expectedIntegerType(b, 4));
      expect(back, String(b)).toBe(v);
      // Big-endian two's complement of the chosen width.
      if (type >= 1 && type <= 6) {
        const width = bytes.length;
        let u = 0n;
        for (const x of bytes) u = (u << 8n) | BigInt(x);
        expect(BigInt.asIntN(8 * width, u)).toBe(b);
      }
    }
  });

  it('round-trips random integers and reals (property)', () => {
    fc.assert(
      fc.property(integerArb, (v) => {
        const { type, back } = roundTrip(v, 'integer');
        expect(type).toBe(expectedIntegerType(BigInt(v), 4));
        expect(back).toBe(v);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(realArb, (v) => {
        const { type, back } = roundTrip(v, 'real');
        expect(type).toBe(7);
        expect(sameValue(back, v)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('stores reals as big-endian IEEE doubles, keeping −0.0 and infinities; integral reals stay REAL', () => {
    for (const v of REAL_SPECIALS) {
      const { type, back, bytes } = roundTrip(v, 'real');
      expect(type).toBe(7);
      expect(Object.is(back, v), String(v)).toBe(true);
      expect(bytes.length).toBe(8);
    }
    expect(Array.from(roundTrip(-0, 'real').bytes)).toEqual([0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(roundTrip(1, 'real').bytes)).toEqual([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
  });

  it('stores NaN as NULL and reads NaN bits back as NULL, as SQLite does', () => {
    expect(serialTypeFor(NaN, 'real')).toBe(0);
    expect(serialTypeFor(NaN, undefined)).toBe(0);
    const nanBits = Uint8Array.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 1]);
    expect(decodeSerialValue(nanBits, 0, 7, 1)).toBe(null);
  });

  it('infers storage classes: safe integers are INTEGER, −0 and other numbers REAL', () => {
    expect(serialTypeFor(5, undefined)).toBe(1);
    expect(serialTypeFor(-0, undefined)).toBe(7);
    expect(serialTypeFor(2 ** 60, undefined)).toBe(7);
    expect(serialTypeFor(2n ** 60n, undefined)).toBe(6);
    expect(serialTypeFor(0.5, undefined)).toBe(7);
    expect(serialTypeFor(null, undefined)).toBe(0);
    expect(serialTypeFor('abc', undefined)).toBe(13 + 6);
    expect(serialTypeFor('abc', undefined, 4, 2)).toBe(13 + 12);
    expect(serialTypeFor(new Uint8Array(3), undefined)).toBe(12 + 6);
    // An integral number outside the safe range given as INTEGER is stored exactly.
    expect(roundTrip(2 ** 60, 'integer').back).toBe(2n ** 60n);
    // −0 given as INTEGER is the integer 0.
    expect(serialTypeFor(-0, 'integer')).toBe(8);
  });

  it('rejects a value that does not match the storage class given (our invariant)', () => {
    expect(() => serialTypeFor(0.5, 'integer')).toThrow(MisuseError);
    expect(() => serialTypeFor('x', 'blob')).toThrow(MisuseError);
    expect(() => serialTypeFor(new Uint8Array(1), 'text')).toThrow(MisuseError);
    expect(() => serialTypeFor(1, 'null')).toThrow(MisuseError);
    expect(() => serialTypeFor('1', 'real')).toThrow(MisuseError);
    expect(() => serialTypeFor(1n << 64n, 'integer')).toThrow(MisuseError);
  });

  it('decodes from an unaligned view into a larger buffer', () => {
    const big = new Uint8Array(32);
    const view = big.subarray(3);
    writeSerialValue(view, 1, -123456789012345n, 6, 1);
    expect(decodeSerialValue(view, 1, 6, 1)).toBe(-123456789012345);
    writeSerialValue(view, 1, 1.5, 7, 1);
    expect(decodeSerialValue(view, 1, 7, 1)).toBe(1.5);
    writeSerialValue(view, 1, -140737488355328, 5, 1);
    expect(decodeSerialValue(view, 1, 5, 1)).toBe(-140737488355328);
  });
});
