/**
 * SQLite's variable-length integer (https://www.sqlite.org/fileformat2.html#varint).
 *
 * Big-endian, 1 to 9 bytes. Bytes 1–8 carry 7 bits each with the high bit set when another
 * byte follows; a 9th byte, when present, carries all 8 of its bits. The result is a 64-bit
 * two's-complement integer (rowids may be negative):
 *
 *   0xxxxxxx                                   → 7 bits
 *   1xxxxxxx 0xxxxxxx                          → 14 bits
 *   …
 *   1xxxxxxx ×8, then xxxxxxxx                 → 64 bits
 *
 * Values that fit in a JavaScript safe integer are returned as `number`, others as `bigint`.
 */
import { CorruptError } from '../errors.js';

/** A position that `readVarint` advances, so that hot loops decode without allocating. */
export interface ReadPosition {
  offset: number;
}

const TWO_POW_64 = 1n << 64n;
const TWO_POW_63 = 1n << 63n;

/**
 * Reads the varint at `pos.offset` (never beyond `end`, default `buf.length`) and advances
 * `pos.offset` past it. Throws `CorruptError` when the varint runs past `end`.
 */
export function readVarint(buf: Uint8Array, pos: ReadPosition, end: number = buf.length): number | bigint {
  let offset = pos.offset;
  // Fast path: up to 7 bytes (49 bits) stay exact in doubles.
  let value = 0;
  for (let i = 0; i < 7; i++) {
    if (offset >= end) throw new CorruptError('varint runs past the end of its buffer');
    const byte = buf[offset++]!;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) {
      pos.offset = offset;
      return value;
    }
  }
  // Bytes 8 and 9: switch to bigint.
  let big = BigInt(value);
  if (offset >= end) throw new CorruptError('varint runs past the end of its buffer');
  const b8 = buf[offset++]!;
  big = (big << 7n) | BigInt(b8 & 0x7f);
  if (b8 >= 0x80) {
    if (offset >= end) throw new CorruptError('varint runs past the end of its buffer');
    big = (big << 8n) | BigInt(buf[offset++]!);
  }
  pos.offset = offset;
  if (big >= TWO_POW_63) big -= TWO_POW_64;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** Reads a varint that must be a non-negative safe integer (sizes, serial types, page numbers). */
export function readVarintNumber(buf: Uint8Array, pos: ReadPosition, end: number = buf.length): number {
  const v = readVarint(buf, pos, end);
  if (typeof v !== 'number' || v < 0) throw new CorruptError(`varint out of range: ${String(v)}`);
  return v;
}

/** Number of bytes `writeVarint` uses for `value`. */
export function varintLength(value: number | bigint): number {
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    // Non-negative safe integers (< 2^53 < 2^56) never need the 9-byte form; no BigInt.
    let n = 1;
    for (let x = value; x >= 0x80; x = Math.floor(x / 0x80)) n++;
    return n;
  }
  let v = BigInt.asUintN(64, BigInt(value));
  if (v >> 56n !== 0n) return 9;
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Writes `value` as a varint at `offset`; returns the number of bytes written (1–9). */
export function writeVarint(buf: Uint8Array, offset: number, value: number | bigint): number {
  if (typeof value === 'number' && value >= 0 && value < 0x80) {
    buf[offset] = value;
    return 1;
  }
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
    // Two and three bytes (cell sizes, a bulk load's rowids) with integer shifts.
    if (value < 0x4000) {
      buf[offset] = (value >>> 7) | 0x80;
      buf[offset + 1] = value & 0x7f;
      return 2;
    }
    if (value < 0x200000) {
      buf[offset] = (value >>> 14) | 0x80;
      buf[offset + 1] = ((value >>> 7) & 0x7f) | 0x80;
      buf[offset + 2] = value & 0x7f;
      return 3;
    }
    // Non-negative safe integers: 4..8 bytes, written last byte first without BigInt.
    const n = varintLength(value);
    let x = value;
    buf[offset + n - 1] = x % 0x80;
    for (let i = n - 2; i >= 0; i--) {
      x = Math.floor(x / 0x80);
      buf[offset + i] = (x % 0x80) | 0x80;
    }
    return n;
  }
  let v = BigInt.asUintN(64, BigInt(value));
  if (v >> 56n !== 0n) {
    // Nine bytes: the last carries 8 bits, the first eight carry 7 bits each.
    buf[offset + 8] = Number(v & 0xffn);
    v >>= 8n;
    for (let i = 7; i >= 0; i--) {
      buf[offset + i] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    return 9;
  }
  const bytes: number[] = [];
  do {
    bytes.push(Number(v & 0x7fn));
    v >>= 7n;
  } while (v !== 0n);
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    buf[offset + i] = bytes[n - 1 - i]! | (i < n - 1 ? 0x80 : 0);
  }
  return n;
}
