/**
 * Serial types: how each column of a record is stored
 * (https://www.sqlite.org/fileformat2.html#record_format).
 *
 *   serial type   body bytes   meaning
 *   0             0            NULL
 *   1             1            8-bit  big-endian two's-complement integer
 *   2             2            16-bit big-endian two's-complement integer
 *   3             3            24-bit big-endian two's-complement integer
 *   4             4            32-bit big-endian two's-complement integer
 *   5             6            48-bit big-endian two's-complement integer
 *   6             8            64-bit big-endian two's-complement integer
 *   7             8            big-endian IEEE-754 64-bit float
 *   8             0            the integer 0   (schema format ≥ 4 only)
 *   9             0            the integer 1   (schema format ≥ 4 only)
 *   10, 11        —            reserved for internal use: never valid in a file → corrupt
 *   N ≥ 12, even  (N−12)/2     BLOB of that many bytes
 *   N ≥ 13, odd   (N−13)/2     TEXT of that many bytes, in the database text encoding
 *
 * A real whose bits are a NaN decodes to NULL: SQLite never stores NaN (binding one stores
 * NULL) and sqlite3VdbeSerialGet reads such bits back as NULL. −0.0 is kept as −0.
 */
import { CorruptError, MisuseError } from '../errors.js';
import { copyBytes } from './byte-pool.js';
import { decodeText, textByteLength, writeText, type TextEncoding } from './text-encoding.js';
import { defaultStorageClass, int64Value, MAX_INT64, MIN_INT64, type SqlValue, type StorageClass } from './value.js';

export const SERIAL_NULL = 0;
export const SERIAL_FLOAT = 7;
export const SERIAL_ZERO = 8;
export const SERIAL_ONE = 9;

/** Body bytes of the integer serial types 0..9 (index = serial type). */
const FIXED_SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0] as const;

/**
 * Number of body bytes a column of `serialType` occupies. Throws `CorruptError` for the
 * reserved types 10 and 11 and for anything not a non-negative integer.
 */
export function serialTypeSize(serialType: number): number {
  if (serialType >= 12) return (serialType - (serialType & 1) - 12) / 2;
  const size = FIXED_SIZES[serialType];
  if (size === undefined) throw new CorruptError(`invalid serial type ${serialType}`);
  return size;
}

/** The storage class a serial type denotes (a NaN real still reports 'real' here; see decode). */
export function serialTypeClass(serialType: number): StorageClass {
  if (serialType >= 12) return serialType & 1 ? 'text' : 'blob';
  switch (serialType) {
    case 0:
      return 'null';
    case 7:
      return 'real';
    case 10:
    case 11:
      throw new CorruptError(`invalid serial type ${serialType}`);
    default:
      if (serialType >= 1 && serialType <= 9) return 'integer';
      throw new CorruptError(`invalid serial type ${serialType}`);
  }
}

/**
 * The serial type SQLite writes for an integer (sqlite3VdbeSerialType): the smallest width
 * whose range holds it, and the constants 8/9 for 0/1 when the schema format is ≥ 4.
 */
export function integerSerialType(v: number | bigint, fileFormat = 4): number {
  if (typeof v === 'number') {
    if ((v === 0 || v === 1) && fileFormat >= 4) return SERIAL_ZERO + v;
    // u = v < 0 ? ~v : v, as SQLite does, so that −128 fits one byte like 127 does.
    const u = v < 0 ? -v - 1 : v;
    if (u <= 127) return 1;
    if (u <= 32767) return 2;
    if (u <= 8388607) return 3;
    if (u <= 2147483647) return 4;
    if (u <= 140737488355327) return 5; // 2^47 − 1
    return 6;
  }
  if (v < MIN_INT64 || v > MAX_INT64) throw new MisuseError(`integer out of 64-bit range: ${v}`);
  const u = v < 0n ? -v - 1n : v;
  if (u <= 140737488355327n) return integerSerialType(Number(v), fileFormat);
  return 6;
}

/**
 * The serial type `encodeRecord` writes for `value` stored with `storageClass` (default:
 * `defaultStorageClass(value)`). TEXT needs the database `encoding` to know its byte length.
 * A REAL is always serial type 7 even when integral (turning integral REALs into integers is
 * the REAL-affinity optimization of the write engine, not of the record codec); a NaN REAL
 * is NULL, as in SQLite.
 */
export function serialTypeFor(
  value: SqlValue,
  storageClass: StorageClass | undefined,
  fileFormat = 4,
  encoding: TextEncoding = 1,
): number {
  const cls = storageClass ?? defaultStorageClass(value);
  switch (cls) {
    case 'null':
      if (value !== null) throw new MisuseError('a NULL column must hold null');
      return SERIAL_NULL;
    case 'integer':
      return integerSerialType(asInteger(value), fileFormat);
    case 'real':
      if (typeof value === 'number') return Number.isNaN(value) ? SERIAL_NULL : SERIAL_FLOAT;
      if (typeof value === 'bigint') return SERIAL_FLOAT;
      throw new MisuseError('a REAL column must hold a number');
    case 'text':
      if (typeof value !== 'string') throw new MisuseError('a TEXT column must hold a string');
      return textByteLength(value, encoding) * 2 + 13;
    case 'blob':
      if (!(value instanceof Uint8Array)) throw new MisuseError('a BLOB column must hold a Uint8Array');
      return value.length * 2 + 12;
  }
}

/** An INTEGER column's value as number (safe) or bigint; rejects non-integers. */
function asInteger(value: SqlValue): number | bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value; // −0 → 0
    return BigInt(value);
  }
  throw new MisuseError(`an INTEGER column must hold an integer, not ${String(value)}`);
}

/** Scratch for REAL bodies: the 8 bytes go through it (no DataView per value). */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The big-endian IEEE 754 double at `buf[offset…offset+8)`. */
export function readFloat64(buf: Uint8Array, offset: number): number {
  if (LITTLE_ENDIAN) {
    f64Bytes[0] = buf[offset + 7]!;
    f64Bytes[1] = buf[offset + 6]!;
    f64Bytes[2] = buf[offset + 5]!;
    f64Bytes[3] = buf[offset + 4]!;
    f64Bytes[4] = buf[offset + 3]!;
    f64Bytes[5] = buf[offset + 2]!;
    f64Bytes[6] = buf[offset + 1]!;
    f64Bytes[7] = buf[offset]!;
  } else {
    for (let i = 0; i < 8; i++) f64Bytes[i] = buf[offset + i]!;
  }
  return f64[0]!;
}

/**
 * Reads the value of `serialType` whose body starts at `buf[offset]`. The caller has checked
 * that `serialTypeSize(serialType)` bytes are there.
 */
export function decodeSerialValue(
  buf: Uint8Array,
  offset: number,
  serialType: number,
  encoding: TextEncoding,
): SqlValue {
  switch (serialType) {
    case 0:
      return null;
    case 1:
      return (buf[offset]! << 24) >> 24;
    case 2:
      return (((buf[offset]! << 8) | buf[offset + 1]!) << 16) >> 16;
    case 3:
      return (((buf[offset]! << 16) | (buf[offset + 1]! << 8) | buf[offset + 2]!) << 8) >> 8;
    case 4:
      return (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
    case 5: {
      // 48 bits: a signed high 16 and an unsigned low 32 — always a safe integer.
      const hi = (((buf[offset]! << 8) | buf[offset + 1]!) << 16) >> 16;
      const lo =
        ((buf[offset + 2]! << 24) | (buf[offset + 3]! << 16) | (buf[offset + 4]! << 8) | buf[offset + 5]!) >>> 0;
      return hi * 0x1_0000_0000 + lo;
    }
    case 6: {
      const view = new DataView(buf.buffer, buf.byteOffset + offset, 8);
      const hi = view.getInt32(0);
      const lo = view.getUint32(4);
      // |hi| < 2^21 keeps hi·2^32 + lo within ±2^53: exact as a number.
      if (hi >= -0x200000 && hi < 0x200000) {
        const v = hi * 0x1_0000_0000 + lo;
        if (Number.isSafeInteger(v)) return v;
      }
      return int64Value(view.getBigInt64(0));
    }
    case 7: {
      const v = readFloat64(buf, offset);
      return Number.isNaN(v) ? null : v;
    }
    case 8:
      return 0;
    case 9:
      return 1;
    case 10:
    case 11:
      throw new CorruptError(`invalid serial type ${serialType}`);
    default: {
      const size = serialTypeSize(serialType);
      if (serialType & 1) return decodeText(buf, offset, offset + size, encoding);
      return copyBytes(buf, offset, offset + size);
    }
  }
}

/**
 * Writes the body of `value` as `serialType` at `buf[offset]` (the bytes
 * `serialTypeSize(serialType)` says); returns the number of bytes written. `serialType` must
 * be the one `serialTypeFor` chose for this value.
 */
export function writeSerialValue(
  buf: Uint8Array,
  offset: number,
  value: SqlValue,
  serialType: number,
  encoding: TextEncoding,
): number {
  if (serialType >= 12) {
    if (serialType & 1) return writeText(buf, offset, value as string, encoding);
    const bytes = value as Uint8Array;
    buf.set(bytes, offset);
    return bytes.length;
  }
  const size = FIXED_SIZES[serialType] ?? 0;
  if (size === 0) return 0;
  const view = new DataView(buf.buffer, buf.byteOffset + offset, size);
  if (serialType === SERIAL_FLOAT) {
    view.setFloat64(0, Number(value));
    return 8;
  }
  const v = value as number | bigint;
  if (serialType === 6) {
    view.setBigInt64(0, BigInt(v));
    return 8;
  }
  const n = Number(v);
  if (serialType === 5) {
    const hi = Math.floor(n / 0x1_0000_0000);
    view.setInt16(0, hi);
    view.setUint32(2, n - hi * 0x1_0000_0000);
    return 6;
  }
  // 1..4 bytes: the low `size` bytes of the 32-bit two's complement, big-endian.
  for (let i = size - 1, x = n | 0; i >= 0; i--, x >>= 8) buf[offset + i] = x & 0xff;
  return size;
}
