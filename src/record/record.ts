/**
 * The record format (https://www.sqlite.org/fileformat2.html#record_format): the payload of
 * every table-b-tree leaf cell and every index cell.
 *
 *   ┌─────────────┬──────────────┬─────┬──────────────┬────────┬─────┬────────┐
 *   │ header size │ serial type 0│ ... │ serial type n│ body 0 │ ... │ body n │
 *   │   varint    │    varint    │     │    varint    │ bytes  │     │ bytes  │
 *   └─────────────┴──────────────┴─────┴──────────────┴────────┴─────┴────────┘
 *   └──────────────── header (header size bytes, counting itself) ─┘
 *
 * Bodies follow in column order, each `serialTypeSize(type)` bytes (see serial-type.ts).
 *
 * Every byte is untrusted. As in SQLite's OP_Column: the header size must not exceed the
 * payload, no serial-type varint may cross the end of the header, the bodies must end
 * exactly at the end of the payload, and serial types 10/11 are corrupt. A header size of 0
 * is read as a record with no columns (SQLite does the same). The column count is bounded
 * by the header size (each serial type takes at least one byte), so no allocation is sized
 * by a corrupt field. Errors are `CorruptError` without a page number; callers that know the
 * page rethrow or wrap with it.
 */
import { CorruptError, MisuseError } from '../errors.js';
import { readVarintNumber, varintLength, writeVarint, type ReadPosition } from '../format/varint.js';
import {
  decodeSerialValue,
  serialTypeFor,
  serialTypeSize,
  writeSerialValue,
} from './serial-type.js';
import type { TextEncoding } from './text-encoding.js';
import { defaultStorageClass, type SqlValue, type StorageClass } from './value.js';

export interface DecodedRecord {
  values: SqlValue[];
  classes: StorageClass[];
}

/**
 * Reads the header size varint. Returns the header size; `pos.offset` is left just past the
 * varint. Throws when the header claims more bytes than the payload has.
 */
export function readRecordHeaderSize(payload: Uint8Array, pos: ReadPosition): number {
  if (payload.length === 0) throw new CorruptError('empty record');
  const hdrSize = readVarintNumber(payload, pos);
  if (hdrSize > payload.length) {
    throw new CorruptError(`record header size ${hdrSize} exceeds payload size ${payload.length}`);
  }
  if (hdrSize !== 0 && hdrSize < pos.offset) {
    throw new CorruptError(`record header size ${hdrSize} is smaller than its own varint`);
  }
  return hdrSize;
}

/** Reused by `decodeRecord` (synchronous: one position object serves every call). */
const decodePos = { offset: 0 };

/**
 * Decodes every column of a record. With `out`, its arrays are reused (emptied first), so a
 * scan can decode rows without allocating a record object per row.
 */
export function decodeRecord(payload: Uint8Array, encoding: TextEncoding, out?: DecodedRecord): DecodedRecord {
  const rec = out ?? { values: [], classes: [] };
  const values = rec.values;
  const classes = rec.classes;
  values.length = 0;
  classes.length = 0;
  const pos = decodePos;
  pos.offset = 0;
  const hdrSize = readRecordHeaderSize(payload, pos);
  if (hdrSize === 0) return rec;
  let body = hdrSize;
  while (pos.offset < hdrSize) {
    const type = readSerialType(payload, pos, hdrSize);
    const size = serialTypeSize(type);
    if (size > payload.length - body) throw new CorruptError('record body shorter than its serial types claim');
    const value = decodeSerialValue(payload, body, type, encoding);
    values.push(value);
    classes.push(classOfDecoded(type, value));
    body += size;
  }
  if (body !== payload.length) {
    throw new CorruptError(`record body ends at ${body} but payload is ${payload.length} bytes`);
  }
  return rec;
}

/** The next serial type of a record header at `pos` (which moves past it). */
function readSerialType(payload: Uint8Array, pos: { offset: number }, hdrSize: number): number {
  // Serial types below 128 (every type up to a 57-byte text) are one byte: no varint call.
  const b = payload[pos.offset]!;
  if (b >= 0x80) return readVarintNumber(payload, pos, hdrSize);
  pos.offset++;
  return b;
}

/** Reused by `readRecordLayout` (synchronous, so one position object serves every call). */
const layoutPos = { offset: 0 };

/**
 * The layout of a record without decoding a value: the serial type and body offset of each
 * field go to `types[i]` / `offsets[i]` (arrays the caller reuses from record to record); returns
 * the number of fields. Checks exactly what `decodeRecord` checks, with the same errors, so a
 * caller that reads the bodies itself (the CLI's output, straight from the page) may trust them.
 */
export function readRecordLayout(payload: Uint8Array, types: number[], offsets: number[]): number {
  const pos = layoutPos;
  pos.offset = 0;
  const hdrSize = readRecordHeaderSize(payload, pos);
  if (hdrSize === 0) return 0;
  let body = hdrSize;
  let n = 0;
  const total = payload.length;
  while (pos.offset < hdrSize) {
    const type = readSerialType(payload, pos, hdrSize);
    const size = serialTypeSize(type);
    if (size > total - body) throw new CorruptError('record body shorter than its serial types claim');
    types[n] = type;
    offsets[n] = body;
    n++;
    body += size;
  }
  if (body !== total) {
    throw new CorruptError(`record body ends at ${body} but payload is ${total} bytes`);
  }
  return n;
}

/** Storage class of a decoded value: its serial type's, except NaN reals which read as NULL. */
function classOfDecoded(type: number, value: SqlValue): StorageClass {
  if (type >= 12) return type & 1 ? 'text' : 'blob';
  if (type === 0 || value === null) return 'null';
  return type === 7 ? 'real' : 'integer';
}

/** Number of columns in a record (validates the header, not the bodies' values). */
export function recordColumnCount(payload: Uint8Array): number {
  const pos = { offset: 0 };
  const hdrSize = readRecordHeaderSize(payload, pos);
  if (hdrSize === 0) return 0;
  let n = 0;
  let body = hdrSize;
  while (pos.offset < hdrSize) {
    const size = serialTypeSize(readVarintNumber(payload, pos, hdrSize));
    if (size > payload.length - body) throw new CorruptError('record body shorter than its serial types claim');
    body += size;
    n++;
  }
  if (body !== payload.length) {
    throw new CorruptError(`record body ends at ${body} but payload is ${payload.length} bytes`);
  }
  return n;
}

/** Where one column lives: its serial type and body offset, or `undefined` past the last column. */
export interface ColumnLocation {
  serialType: number;
  offset: number;
}

/**
 * Finds column `i` by walking the header only as far as needed (bodies of earlier columns
 * are skipped, not decoded). Checks everything up to and including column `i`; columns after
 * it are not looked at. Returns `undefined` when the record has `i` columns or fewer.
 */
export function locateRecordColumn(payload: Uint8Array, i: number, out?: ColumnLocation): ColumnLocation | undefined {
  if (!Number.isSafeInteger(i) || i < 0) throw new MisuseError(`column index out of range: ${i}`);
  const pos = { offset: 0 };
  const hdrSize = readRecordHeaderSize(payload, pos);
  if (hdrSize === 0) return undefined;
  let body = hdrSize;
  for (let col = 0; pos.offset < hdrSize; col++) {
    const type = readVarintNumber(payload, pos, hdrSize);
    const size = serialTypeSize(type);
    if (size > payload.length - body) throw new CorruptError('record body shorter than its serial types claim');
    if (col === i) {
      const loc = out ?? { serialType: 0, offset: 0 };
      loc.serialType = type;
      loc.offset = body;
      return loc;
    }
    body += size;
  }
  return undefined;
}

/**
 * Decodes column `i` alone. A column past the end of the record reads as NULL, as in
 * SQLite (a table altered with ADD COLUMN has short records; the caller supplies the
 * column's default).
 */
export function decodeRecordColumn(payload: Uint8Array, i: number, encoding: TextEncoding): SqlValue {
  const loc = locateRecordColumn(payload, i);
  return loc === undefined ? null : decodeSerialValue(payload, loc.offset, loc.serialType, encoding);
}

/** Storage class of column `i` ('null' past the end of the record, or for a NaN real). */
export function decodeRecordColumnClass(payload: Uint8Array, i: number): StorageClass {
  const loc = locateRecordColumn(payload, i);
  if (loc === undefined) return 'null';
  const value = loc.serialType === 7 ? decodeSerialValue(payload, loc.offset, 7, 1) : 0;
  return classOfDecoded(loc.serialType, value);
}

/**
 * Encodes a record exactly as SQLite's OP_MakeRecord does for the same values and storage
 * classes (`classes[i]`, default `defaultStorageClass(values[i])`): smallest integer widths,
 * constants 8/9 for 0/1 when `fileFormat` ≥ 4, reals as serial type 7 (NaN as NULL), and a
 * header size varint that counts its own length.
 */
export function encodeRecord(
  values: readonly SqlValue[],
  encoding: TextEncoding,
  classes?: readonly StorageClass[],
  fileFormat = 4,
): Uint8Array {
  const n = values.length;
  if (classes !== undefined && classes.length !== n) {
    throw new MisuseError(`encodeRecord: ${n} values but ${classes.length} storage classes`);
  }
  const types = new Array<number>(n);
  let hdrBytes = 0;
  let bodyBytes = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const type = serialTypeFor(v, classes?.[i] ?? defaultStorageClass(v), fileFormat, encoding);
    types[i] = type;
    hdrBytes += varintLength(type);
    bodyBytes += serialTypeSize(type);
  }
  // The header size counts its own varint: one byte while the total stays under 127, else
  // the varint's length is added and, if that pushes it over a length boundary, one more.
  let hdrSize = hdrBytes + 1;
  if (hdrBytes > 126) {
    hdrSize = hdrBytes + varintLength(hdrBytes);
    if (varintLength(hdrSize) > varintLength(hdrBytes)) hdrSize++;
  }
  const out = new Uint8Array(hdrSize + bodyBytes);
  let h = writeVarint(out, 0, hdrSize);
  let b = hdrSize;
  for (let i = 0; i < n; i++) {
    const type = types[i]!;
    h += writeVarint(out, h, type);
    b += writeSerialValue(out, b, values[i]!, type, encoding);
  }
  return out;
}
