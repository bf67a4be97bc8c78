/**
 * SQLite's ordering of values (https://www.sqlite.org/datatype3.html#sort_order):
 *
 *   NULL  <  INTEGER and REAL (numerically)  <  TEXT (by collation)  <  BLOB (memcmp)
 *
 * Numbers compare by exact mathematical value: an INTEGER beyond 2^53 against a REAL is
 * decided exactly (JavaScript's `<` between a bigint and a number is exact), −0.0 equals 0,
 * ±Infinity bound everything. NaN never occurs (it is stored as NULL). BLOBs compare as
 * memcmp with the shorter first when one is a prefix of the other.
 *
 * `compareRecordToKey` is the index-seek comparison (sqlite3VdbeRecordCompare): it walks the
 * record's header and bodies lazily and stops at the first column that differs.
 */
import { CorruptError } from '../errors.js';
import { readVarintNumber } from '../format/varint.js';
import { compareText, type CollationName } from './collation.js';
import { readRecordHeaderSize } from './record.js';
import { decodeSerialValue, serialTypeSize } from './serial-type.js';
import type { TextEncoding } from './text-encoding.js';
import { defaultStorageClass, type SqlValue, type StorageClass } from './value.js';

/** Describes an index key: per column its collation and direction, and the text encoding. */
export interface KeyInfo {
  collations: CollationName[];
  desc: boolean[];
  encoding: TextEncoding;
}

function rank(cls: StorageClass): number {
  switch (cls) {
    case 'null':
      return 0;
    case 'integer':
    case 'real':
      return 1;
    case 'text':
      return 2;
    case 'blob':
      return 3;
  }
}

/**
 * Compares two values in SQLite's order; <0, 0, >0 as `a` sorts before, equal to, after `b`.
 * `collation` applies when both are TEXT; `encoding` is the database's (it matters for
 * BINARY in UTF-16 databases).
 */
export function compareValues(
  a: SqlValue,
  classA: StorageClass,
  b: SqlValue,
  classB: StorageClass,
  collation: CollationName,
  encoding: TextEncoding,
): number {
  const ra = rank(classA);
  const rb = rank(classB);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 2:
      return compareText(a as string, b as string, collation, encoding);
    default:
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

/** Exact numeric order of two integers/reals (number or bigint, mixed freely). */
export function compareNumbers(a: number | bigint, b: number | bigint): number {
  // Relational operators between bigint and number compare mathematical values exactly.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** memcmp, then length. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Compares the first `key.length` columns of the record in `payload` with `key`, column by
 * column with `info.collations[i]` (default BINARY), negated where `info.desc[i]`; returns
 * <0, 0, >0 as the record sorts before, equal to, after the key. When every compared column
 * is equal the result is 0, also when the record has fewer columns than the key (as
 * sqlite3VdbeRecordCompare returns its default). Throws `CorruptError` for a malformed
 * record, checking only as much of it as the comparison reads.
 */
export function compareRecordToKey(
  payload: Uint8Array,
  key: readonly SqlValue[],
  keyClasses: readonly StorageClass[],
  info: KeyInfo,
): number {
  const pos = { offset: 0 };
  const hdrSize = readRecordHeaderSize(payload, pos);
  if (hdrSize === 0) return 0;
  let body = hdrSize;
  const n = key.length;
  for (let i = 0; i < n && pos.offset < hdrSize; i++) {
    const type = readVarintNumber(payload, pos, hdrSize);
    const size = serialTypeSize(type);
    if (size > payload.length - body) throw new CorruptError('record body shorter than its serial types claim');
    const collation = info.collations[i] ?? 'BINARY';
    const keyValue = key[i]!;
    if (type >= 13 && type & 1 && collation === 'BINARY' && typeof keyValue === 'string') {
      // TEXT against TEXT under BINARY: memcmp the stored bytes with the key's encoding of
      // itself, without decoding the record's string (the common case of an index seek).
      const c = compareStoredTextToString(payload, body, body + size, keyValue, info.encoding);
      if (c !== 0) return info.desc[i] === true ? -c : c;
      body += size;
      continue;
    }
    const value = decodeSerialValue(payload, body, type, info.encoding);
    const cls: StorageClass =
      type >= 12 ? (type & 1 ? 'text' : 'blob') : value === null ? 'null' : type === 7 ? 'real' : 'integer';
    const c = compareValues(value, cls, keyValue, keyClasses[i] ?? defaultStorageClass(keyValue), collation, info.encoding);
    if (c !== 0) return info.desc[i] === true ? -c : c;
    body += size;
  }
  return 0;
}

/**
 * memcmp of stored text `buf[start, end)` against `s` as it would be stored in `encoding`
 * (then the shorter first), computed without encoding `s` into a buffer. In UTF-8, `s` is
 * encoded as encodeText does: U+DC80…U+DCFF as the byte it escapes, another lone surrogate in
 * its three-byte form.
 */
export function compareStoredTextToString(
  buf: Uint8Array,
  start: number,
  end: number,
  s: string,
  encoding: TextEncoding,
): number {
  let p = start;
  const len = s.length;
  if (encoding !== 1) {
    const hiFirst = encoding === 3;
    for (let i = 0; i < len; i++) {
      const u = s.charCodeAt(i);
      const b0 = hiFirst ? u >> 8 : u & 0xff;
      const b1 = hiFirst ? u & 0xff : u >> 8;
      if (p >= end) return -1;
      if (buf[p] !== b0) return buf[p]! - b0;
      if (++p >= end) return -1;
      if (buf[p] !== b1) return buf[p]! - b1;
      p++;
    }
    return p < end ? 1 : 0;
  }
  for (let i = 0; i < len; i++) {
    let cp = s.charCodeAt(i);
    if (cp < 0x80) {
      if (p >= end) return -1;
      if (buf[p] !== cp) return buf[p]! - cp;
      p++;
      continue;
    }
    if (cp >= 0xdc80 && cp <= 0xdcff) {
      // An escaped byte of text that was not UTF-8 (text-encoding.ts): that one byte.
      const b = cp - 0xdc00;
      if (p >= end) return -1;
      if (buf[p] !== b) return buf[p]! - b;
      p++;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    // The UTF-8 bytes of cp, most significant first.
    const n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) {
      const shift = 6 * (n - 1 - k);
      const b = k === 0 ? ((0xf00 >> n) & 0xff) | (cp >> shift) : 0x80 | ((cp >> shift) & 0x3f);
      if (p >= end) return -1;
      if (buf[p] !== b) return buf[p]! - b;
      p++;
    }
  }
  return p < end ? 1 : 0;
}
