/**
 * SQLite's conversions between storage classes on executor values (`Value`): text → number as
 * arithmetic reads it, number → text as SQLite prints it, CAST, column affinity, truthiness.
 *
 * References: https://www.sqlite.org/datatype3.html (§3 affinity, §4.2 comparison affinity),
 * https://www.sqlite.org/lang_expr.html#castexpr (CAST) and #booleanexpr (truth values).
 */
import { affinityOfType, type Affinity } from '../../schema/affinity.js';
import { formatReal } from '../format-real.js';
import { decodeUtf8, encodeUtf8 } from '../../record/text-encoding.js';
import type { Value } from '../value.js';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;
const TWO_51 = 2 ** 51;

/** A BLOB's bytes as TEXT, byte for byte (bytes that are not UTF-8 are escaped: text-encoding.ts). */
export function blobToText(b: Uint8Array): string {
  return decodeUtf8(b);
}
/** TEXT as a BLOB: its UTF-8 bytes, the escaped ones as they were. */
export function textToBlob(s: string): Uint8Array {
  return encodeUtf8(s);
}

/** A REAL or INTEGER rendered as SQLite renders it; NULL stays null; a BLOB is read as UTF-8. */
export function valueToText(v: Value): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatReal(v);
  return blobToText(v);
}

/** 64-bit wrap-around of an integer result that is known to need it (shifts). */
export function wrapInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export function inInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** doubleToInt64: truncation toward zero, clamped to the int64 range; NaN → 0. */
export function realToInt(r: number): bigint {
  if (Number.isNaN(r)) return 0n;
  if (r <= -TWO_63) return INT64_MIN;
  if (r >= TWO_63) return INT64_MAX;
  return BigInt(Math.trunc(r));
}

// The longest numeric prefix sqlite3AtoF accepts: spaces, sign, digits, fraction, exponent.
const NUMERIC_PREFIX = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)(\.[0-9]*)?(?:([eE][+-]?[0-9]+))?/;
const SPACE_TAIL = /^[ \t\n\v\f\r]*$/;

interface ParsedNumber {
  /** INTEGER when the prefix has no '.' and no exponent and fits int64; else REAL. */
  readonly value: bigint | number;
  /** The whole text (apart from surrounding spaces) is that number. */
  readonly whole: boolean;
  /** The text spelled an integer (no '.', no exponent), even when it overflowed to REAL. */
  readonly integerForm: boolean;
}

/** sqlite3AtoF/sqlite3Atoi64 over a text: its numeric prefix ('abc' → 0, '12abc' → 12). */
export function parseNumberPrefix(text: string): ParsedNumber {
  const m = NUMERIC_PREFIX.exec(text);
  const sign = m?.[1] ?? '';
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  const expPart = m?.[4] ?? '';
  const hasDigits = intPart.length > 0 || fracPart.length > 1;
  if (!m || !hasDigits) return { value: 0n, whole: false, integerForm: true };
  const whole = SPACE_TAIL.test(text.slice(m[0].length));
  if (fracPart === '' && expPart === '') {
    const big = BigInt(sign + intPart);
    if (inInt64(big)) return { value: big, whole, integerForm: true };
    return { value: Number(sign + intPart), whole, integerForm: true };
  }
  const literal = `${sign}${intPart === '' ? '0' : intPart}${fracPart === '.' ? '' : fracPart}${expPart}`;
  return { value: Number(literal), whole, integerForm: false };
}

/** The number a value means to arithmetic (NULL is handled by callers). */
export function toNumeric(v: Exclude<Value, null>): bigint | number {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  return parseNumberPrefix(typeof v === 'string' ? v : blobToText(v)).value;
}

/** sqlite3VdbeIntValue: any value as a 64-bit integer (reals truncate and clamp, text by prefix). */
export function toInt(v: Value): bigint {
  if (v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return realToInt(v);
  const text = typeof v === 'string' ? v : blobToText(v);
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(text);
  if (!m) return 0n;
  const big = BigInt((m[1] ?? '') + (m[2] ?? ''));
  return big > INT64_MAX ? INT64_MAX : big < INT64_MIN ? INT64_MIN : big;
}

/** sqlite3VdbeRealValue: any value as a double. */
export function toReal(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number(toNumeric(v));
}

/** SQLite truthiness (WHERE, CASE WHEN, AND/OR/NOT): NULL → false, else the number is not 0. */
export function isTrue(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === 'bigint') return v !== 0n;
  return toReal(v) !== 0;
}

/** Three-valued truth: null for NULL. */
export function truth(v: Value): boolean | null {
  return v === null ? null : isTrue(v);
}

/** A REAL that is an exact integer strictly inside the int64 range → INTEGER (sqlite3VdbeIntegerAffinity). */
export function realToIntIfExact(r: number): bigint | number {
  if (Number.isInteger(r) && r > -TWO_63 && r < TWO_63) return BigInt(r);
  return r;
}

/**
 * NUMERIC affinity applied to a TEXT that is entirely a number (applyNumericAffinity): integer
 * text that fits → INTEGER, other numbers → REAL (or INTEGER when `tryForInt` and exact).
 * Text that is not a number is returned unchanged.
 */
export function numericAffinityText(text: string, tryForInt: boolean): Value {
  const p = parseNumberPrefix(text);
  if (!p.whole) return text;
  if (typeof p.value === 'number' && tryForInt) return realToIntIfExact(p.value);
  return p.value;
}

/** Column affinity applied before a value is stored (https://www.sqlite.org/datatype3.html §3). */
export function applyAffinityValue(v: Value, affinity: Affinity): Value {
  switch (affinity) {
    case 'BLOB':
      return v;
    case 'TEXT':
      return typeof v === 'bigint' || typeof v === 'number' ? valueToText(v) : v;
    case 'NUMERIC':
    case 'INTEGER': {
      if (typeof v === 'string') return numericAffinityText(v, true);
      if (typeof v === 'number') return realToIntIfExact(v);
      return v;
    }
    case 'REAL': {
      let out = v;
      if (typeof v === 'string') out = numericAffinityText(v, true);
      return typeof out === 'bigint' ? Number(out) : out;
    }
  }
}

/** CAST(v AS type) (https://www.sqlite.org/lang_expr.html#castexpr). */
export function castValue(v: Value, type: string): Value {
  if (v === null) return null;
  const affinity = type.trim() === '' ? 'NUMERIC' : affinityOfType(type);
  switch (affinity) {
    case 'BLOB':
      if (v instanceof Uint8Array) return v;
      return textToBlob(valueToText(v) ?? '');
    case 'TEXT':
      return valueToText(v);
    case 'INTEGER':
      return toInt(v);
    case 'REAL':
      return toReal(v);
    case 'NUMERIC': {
      if (typeof v === 'bigint' || typeof v === 'number') return v;
      const p = parseNumberPrefix(typeof v === 'string' ? v : blobToText(v));
      if (typeof p.value === 'bigint') return p.value;
      // sqlite3RealSameAsInt: only 0.0 and integers within ±2^51 become INTEGER here.
      const r = p.value;
      if (r === 0) return 0n;
      return Number.isInteger(r) && r >= -TWO_51 && r < TWO_51 ? BigInt(r) : r;
    }
  }
}
