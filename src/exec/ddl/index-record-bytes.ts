/**
 * Record bytes as CREATE INDEX's sorter reads and writes them (https://www.sqlite.org/fileformat2.html#record_format):
 * serial types, big-endian integers and IEEE doubles, varints of our own making, and SQLite's
 * order of two records compared as bytes (vdbeSorterCompare / sqlite3VdbeRecordCompare with
 * BINARY or NOCASE collations, UTF-8): NULL < INTEGER/REAL (by value) < TEXT < BLOB. Varints
 * are written by format/varint.ts and doubles read by record/serial-type.ts's readFloat64.
 */
import { readFloat64 } from '../../record/serial-type.js';

/** Whether any of the first `n` fields of the record at `rec[at…]` is NULL. */
export function recordHasNull(rec: Uint8Array, n: number, at = 0): boolean {
  let h = at + readVarintAt(rec, at).length;
  for (let i = 0; i < n; i++) {
    const t = readVarintAt(rec, h);
    if (t.value === 0) return true;
    h += t.length;
  }
  return false;
}

/**
 * SQLite's order of two records (BINARY collations, UTF-8) over their first `fields` fields, each
 * negated where `desc[i]`: NULL < INTEGER/REAL (by value) < TEXT (memcmp) < BLOB (memcmp).
 */
export function compareRecords(
  a: Uint8Array,
  sa: number,
  b: Uint8Array,
  sb: number,
  fields: number,
  desc: readonly boolean[],
  nocase: readonly boolean[] = NO_FOLD,
): number {
  let ha: number;
  let ba: number;
  if (a[sa]! < 0x80) {
    ha = sa + 1;
    ba = sa + a[sa]!;
  } else {
    const v = readVarintAt(a, sa);
    ha = sa + v.length;
    ba = sa + v.value;
  }
  let hb: number;
  let bb: number;
  if (b[sb]! < 0x80) {
    hb = sb + 1;
    bb = sb + b[sb]!;
  } else {
    const v = readVarintAt(b, sb);
    hb = sb + v.length;
    bb = sb + v.value;
  }
  for (let i = 0; i < fields; i++) {
    let ta = a[ha]!;
    if (ta < 0x80) ha++;
    else {
      const v = readVarintAt(a, ha);
      ta = v.value;
      ha += v.length;
    }
    let tb = b[hb]!;
    if (tb < 0x80) hb++;
    else {
      const v = readVarintAt(b, hb);
      tb = v.value;
      hb += v.length;
    }
    const c = compareFields(a, ba, ta, b, bb, tb, nocase[i] === true);
    if (c !== 0) return desc[i] === true ? -c : c;
    ba += serialSize(ta);
    bb += serialSize(tb);
  }
  return 0;
}

export function rank(type: number): number {
  if (type === 0) return 0;
  if (type < 12) return 1;
  return type & 1 ? 2 : 3;
}

const NO_FOLD: readonly boolean[] = [];

/** Two fields (TEXT under NOCASE when `fold`: sqlite3StrNICmp over the shorter length, then the lengths). */
export function compareFields(a: Uint8Array, oa: number, ta: number, b: Uint8Array, ob: number, tb: number, fold: boolean): number {
  const ra = rank(ta);
  const rb = rank(tb);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) {
    const x = numberAt(a, oa, ta);
    const y = numberAt(b, ob, tb);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const la = serialSize(ta);
  const lb = serialSize(tb);
  const m = la < lb ? la : lb;
  if (fold && ra === 2) {
    for (let k = 0; k < m; k++) {
      let x = a[oa + k]!;
      let y = b[ob + k]!;
      if (x >= 0x41 && x <= 0x5a) x += 0x20;
      if (y >= 0x41 && y <= 0x5a) y += 0x20;
      if (x !== y) return x - y;
    }
    return la - lb;
  }
  for (let k = 0; k < m; k++) {
    const d = a[oa + k]! - b[ob + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

export function numberAt(src: Uint8Array, at: number, type: number): number | bigint {
  if (type === 7) return readFloat64(src, at);
  if (type === 8) return 0;
  if (type === 9) return 1;
  return readInt(src, at, type);
}

/** The integer of serial type 1–6 at `src[at…]` (a number when safe, else a bigint). */
export function readInt(src: Uint8Array, at: number, type: number): number | bigint {
  switch (type) {
    case 1:
      return (src[at]! << 24) >> 24;
    case 2:
      return (((src[at]! << 8) | src[at + 1]!) << 16) >> 16;
    case 3:
      return (((src[at]! << 16) | (src[at + 1]! << 8) | src[at + 2]!) << 8) >> 8;
    case 4:
      return (src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
    case 5:
      return ((((src[at]! << 8) | src[at + 1]!) << 16) >> 16) * 0x1_0000_0000 + (((src[at + 2]! << 24) | (src[at + 3]! << 16) | (src[at + 4]! << 8) | src[at + 5]!) >>> 0);
    default: {
      const hi = (src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
      const lo = ((src[at + 4]! << 24) | (src[at + 5]! << 16) | (src[at + 6]! << 8) | src[at + 7]!) >>> 0;
      if (hi >= -0x200000 && hi < 0x200000) return hi * 0x1_0000_0000 + lo;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
  }
}

/** Writes the integer `v` in `size` bytes (1–4, 6, 8) big-endian. */
export function putInt(out: Uint8Array, at: number, v: number | bigint, size: number): void {
  if (typeof v === 'number' && size <= 4) {
    for (let i = size - 1, y = v | 0; i >= 0; i--, y >>= 8) out[at + i] = y & 0xff;
    return;
  }
  let x = BigInt.asUintN(64, BigInt(v));
  for (let i = size - 1; i >= 0; i--) {
    out[at + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

export function serialSize(type: number): number {
  if (type >= 12) return (type - 12) >> 1;
  return SIZES[type]!;
}
export const SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];

/** A varint of our own making (non-negative, below 2^53) at `src[at]`. */
export function readVarintAt(src: Uint8Array, at: number): { value: number; length: number } {
  let v = 0;
  let i = 0;
  for (; i < 8; i++) {
    const byte = src[at + i]!;
    v = v * 128 + (byte & 0x7f);
    if (byte < 0x80) break;
  }
  return { value: v, length: i + 1 };
}
