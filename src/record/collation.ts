/**
 * SQLite's built-in collating sequences (https://www.sqlite.org/datatype3.html#collation).
 *
 * - BINARY: memcmp of the stored bytes, the shorter string first when one is a prefix of the
 *   other. SQLite registers BINARY for every text encoding, so it compares the bytes of the
 *   database encoding: for UTF-8 that is code-point order; for UTF-16le it is the order of
 *   the little-endian bytes (low byte first!); for UTF-16be it is code-unit order (which
 *   puts U+E000..U+FFFF after astral characters).
 * - NOCASE and RTRIM are registered for UTF-8 only; in a UTF-16 database SQLite converts
 *   both values to UTF-8 before comparing, so they compare UTF-8 bytes in every encoding.
 *   NOCASE folds only A-Z to a-z (sqlite3StrNICmp with sqlite3UpperToLower) and, like that
 *   C loop, stops at a NUL byte in the left string: the rest of both strings is then ignored
 *   and the shorter string sorts first. RTRIM ignores trailing U+0020 spaces, then is BINARY.
 *
 * Strings here are assumed well-formed (no lone surrogates), as every string decoded from a
 * database is; a lone surrogate would be stored as U+FFFD in UTF-8 and is not mapped so here.
 */
import { SqliteError } from '../errors.js';
import { encodeText, encodeUtf8, isWellFormedText, UTF16BE, UTF16LE, UTF8, type TextEncoding } from './text-encoding.js';

export type CollationName = 'BINARY' | 'NOCASE' | 'RTRIM';

/** The collation called `name` (case-insensitive, as in SQL); throws SQLITE_ERROR otherwise. */
export function resolveCollation(name: string): CollationName {
  const upper = name.toUpperCase();
  if (upper === 'BINARY' || upper === 'NOCASE' || upper === 'RTRIM') return upper;
  throw new SqliteError('SQLITE_ERROR', `no such collation sequence: ${name}`);
}

/** Compares two text values under `collation` as SQLite would in a database of `encoding`. */
export function compareText(a: string, b: string, collation: CollationName, encoding: TextEncoding): number {
  switch (collation) {
    case 'BINARY':
      if (encoding === UTF8) return compareCodePoints(a, b);
      if (encoding === UTF16LE) return compareUtf16leBytes(a, b);
      if (encoding === UTF16BE) return compareCodeUnits(a, b);
      return compareCodePoints(a, b);
    case 'NOCASE':
      return compareNocase(a, b);
    case 'RTRIM':
      return compareCodePoints(trimTrailingSpaces(a), trimTrailingSpaces(b));
  }
}

/** memcmp order of the UTF-8 bytes, without encoding: code-point order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A lone surrogate (an escaped byte of text that was not UTF-8, text-encoding.ts) sorts
      // as its bytes: compare the rest as bytes, from the start of the character.
      if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) {
        const from = i > 0 && isHighSurrogate(a.charCodeAt(i - 1)) ? i - 1 : i;
        if (!isWellFormedText(a.slice(from)) || !isWellFormedText(b.slice(from))) return compareBytes(encodeUtf8(a.slice(from)), encodeUtf8(b.slice(from)));
      }
      // Surrogates (astral characters) must sort after U+E000..U+FFFF: move them above.
      return surrogateHigh(x) - surrogateHigh(y);
    }
  }
  return a.length - b.length;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function surrogateHigh(c: number): number {
  if (c < 0xd800) return c;
  return c <= 0xdfff ? c + 0x2000 : c - 0x800;
}

/** UTF-16be bytes' memcmp order is code-unit order, which is JavaScript's own `<`. */
function compareCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** memcmp of the UTF-16le bytes: the low byte of each code unit is compared first. */
function compareUtf16leBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return swapBytes(x) - swapBytes(y);
  }
  return a.length - b.length;
}

function swapBytes(u: number): number {
  return ((u & 0xff) << 8) | (u >> 8);
}

function trimTrailingSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--;
  return end === s.length ? s : s.slice(0, end);
}

function fold(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
}

/** nocaseCollatingFunc: sqlite3StrNICmp over min(n1, n2) UTF-8 bytes, then the lengths. */
function compareNocase(a: string, b: string): number {
  // ASCII-only strings are their own UTF-8 bytes: compare without encoding.
  if (isAscii(a) && isAscii(b)) return nocaseBytes(a.length, b.length, (i) => a.charCodeAt(i), (i) => b.charCodeAt(i));
  const x = encodeText(a, UTF8);
  const y = encodeText(b, UTF8);
  return nocaseBytes(x.length, y.length, (i) => x[i]!, (i) => y[i]!);
}

function nocaseBytes(n1: number, n2: number, at1: (i: number) => number, at2: (i: number) => number): number {
  const n = Math.min(n1, n2);
  for (let i = 0; i < n; i++) {
    const p = at1(i);
    const q = at2(i);
    const d = fold(p) - fold(q);
    if (d !== 0) return d;
    if (p === 0) return n1 - n2; // the C loop stops at the left string's NUL: "equal" so far
  }
  return n1 - n2;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
