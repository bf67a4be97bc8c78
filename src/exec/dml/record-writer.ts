/**
 * Encoding executor values (src/exec/value.ts: bigint = INTEGER, number = REAL) straight into a
 * record (https://www.sqlite.org/fileformat2.html#record_format), in one pass for the serial
 * types and one for the bytes — no per-value `{ value, class }` objects, no BigInt for integers
 * that fit a double, no DataView per REAL. This is the write path's hot loop: every INSERT row
 * and index entry goes through it.
 *
 *   header size varint | serial type varint × n | body × n
 *
 * Byte-for-byte the same as record.ts's `encodeRecord` with the classes the executor values
 * carry (file format 4: 0 and 1 as serial types 8/9; smallest integer widths; NaN as NULL) — a
 * property test checks the two against each other.
 *
 * `order` (optional) picks the values: field i is `values[order[i]]`, or NULL when `order[i]`
 * is -1 (the rowid alias column of a table record). `intReal` (optional, per field) marks REAL
 * columns, whose integral values in [-2^47, 2^47) are stored as integers (SQLite's IntReal
 * saving, see row-codec.ts).
 */
import { MisuseError } from '../../errors.js';
import { varintLength, writeVarint } from '../../format/varint.js';
import { INT_SIZES, putFloat, putInt, putInt64 } from '../../record/field-bytes.js';
import { integerSerialType, SERIAL_FLOAT, SERIAL_NULL } from '../../record/serial-type.js';
import { textByteLength, writeText, type TextEncoding } from '../../record/text-encoding.js';
import type { Value } from '../value.js';

const INT_REAL_LIMIT = 2 ** 47;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** Serial types of the record being encoded (grown on demand; encoding is synchronous, so one scratch array serves every call). */
let types = new Float64Array(64);
/**
 * The number each numeric field writes (a REAL, or an integer that fits a double; NaN marks a
 * 64-bit integer beyond that, written from the value itself). A typed array: no boxed number and
 * no old-to-young pointer per field (text and blobs are read again from the values).
 */
let numbers = new Float64Array(64);


/** What `measureValueRecord` left for `writeMeasuredRecord`: the fields, their source, the header size. */
let measuredFields = 0;
let measuredHeader = 0;
let measuredEncoding: TextEncoding = 1;
const NO_VALUES: readonly Value[] = [];
let measuredValues: readonly Value[] = NO_VALUES;
let measuredOrder: readonly number[] | undefined;

/** Field i's value of the record measured last (see `measureValueRecord`'s `order`). */
function fieldValue(i: number): Value {
  const order = measuredOrder;
  if (order === undefined) return measuredValues[i] ?? null;
  const at = order[i]!;
  return at < 0 ? null : (measuredValues[at] ?? null);
}

/**
 * The record of `values` (all of them in order, or the fields `order` picks; see the header).
 * Integers must be within the signed 64-bit range (the executor guarantees it).
 */
export function encodeValueRecord(
  values: readonly Value[],
  encoding: TextEncoding,
  order?: readonly number[],
  intReal?: readonly boolean[],
): Uint8Array {
  const out = new Uint8Array(measureValueRecord(values, encoding, order, intReal));
  writeMeasuredRecord(out, 0);
  return out;
}

/**
 * The first half of `encodeValueRecord`: the record's size in bytes. The serial types and values
 * stay in module scratch for `writeMeasuredRecord`, which must follow before any other record is
 * measured (both are synchronous: call them back to back) — so that a caller can write the
 * record straight into its place on a page, without an array of its own.
 */
export function measureValueRecord(
  values: readonly Value[],
  encoding: TextEncoding,
  order?: readonly number[],
  intReal?: readonly boolean[],
): number {
  const n = order === undefined ? values.length : order.length;
  if (types.length < n) {
    types = new Float64Array(n * 2);
    numbers = new Float64Array(n * 2);
  }
  let hdrBytes = 0;
  let bodyBytes = 0;
  for (let i = 0; i < n; i++) {
    let v: Value;
    if (order === undefined) v = values[i] ?? null;
    else {
      const at = order[i]!;
      v = at < 0 ? null : (values[at] ?? null);
    }
    let type: number;
    let size: number;
    if (v === null) {
      type = SERIAL_NULL;
      size = 0;
    } else if (typeof v === 'string') {
      size = textByteLength(v, encoding);
      type = size * 2 + 13;
    } else if (typeof v === 'number') {
      if (intReal?.[i] === true && Number.isInteger(v) && v >= -INT_REAL_LIMIT && v < INT_REAL_LIMIT) {
        type = integerSerialType(v);
        size = INT_SIZES[type]!;
      } else if (Number.isNaN(v)) {
        type = SERIAL_NULL;
        size = 0;
      } else {
        type = SERIAL_FLOAT;
        size = 8;
      }
      numbers[i] = v;
    } else if (typeof v === 'bigint') {
      const x = Number(v);
      if (Number.isSafeInteger(x)) {
        type = integerSerialType(x);
        numbers[i] = x;
      } else {
        if (v > MAX_INT64 || v < MIN_INT64) throw new MisuseError(`integer out of 64-bit range: ${v}`);
        type = 6;
        numbers[i] = NaN;
      }
      size = INT_SIZES[type]!;
    } else {
      size = v.length;
      type = size * 2 + 12;
    }
    types[i] = type;
    hdrBytes += type < 0x80 ? 1 : varintLength(type);
    bodyBytes += size;
  }
  // The header size counts its own varint (see record.ts's encodeRecord).
  let hdrSize = hdrBytes + 1;
  if (hdrBytes > 126) {
    hdrSize = hdrBytes + varintLength(hdrBytes);
    if (varintLength(hdrSize) > varintLength(hdrBytes)) hdrSize++;
  }
  measuredFields = n;
  measuredHeader = hdrSize;
  measuredEncoding = encoding;
  measuredValues = values;
  measuredOrder = order;
  return hdrSize + bodyBytes;
}

/** The second half of `encodeValueRecord`: writes the record just measured at `out[off…]` (its size bytes). */
export function writeMeasuredRecord(out: Uint8Array, off: number): void {
  const n = measuredFields;
  const hdrSize = measuredHeader;
  const encoding = measuredEncoding;
  measuredFields = 0;
  let h = off + writeVarint(out, off, hdrSize);
  let b = off + hdrSize;
  for (let i = 0; i < n; i++) {
    const type = types[i]!;
    h += type < 0x80 ? ((out[h] = type), 1) : writeVarint(out, h, type);
    if (type >= 12) {
      const v = fieldValue(i);
      if (type & 1) {
        const s = v as string;
        const len = (type - 13) / 2;
        if (len === s.length && encoding === 1) {
          // ASCII (UTF-8 length equals the UTF-16 length only then): bytes are the char codes.
          for (let k = 0; k < len; k++) out[b + k] = s.charCodeAt(k);
        } else writeText(out, b, s, encoding);
        b += len;
      } else {
        const bytes = v as Uint8Array;
        out.set(bytes, b);
        b += bytes.length;
      }
    } else if (type === SERIAL_FLOAT) {
      putFloat(out, b, numbers[i]!);
      b += 8;
    } else if (type >= 1 && type <= 6) {
      const size = INT_SIZES[type]!;
      const x = numbers[i]!;
      if (Number.isNaN(x)) putInt64(out, b, fieldValue(i) as bigint);
      else if (size === 8) putInt64(out, b, BigInt(x));
      else putInt(out, b, x, size);
      b += size;
    }
  }
  measuredValues = NO_VALUES;
  measuredOrder = undefined;
}
