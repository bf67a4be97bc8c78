/**
 * Text encodings of a database (https://www.sqlite.org/fileformat2.html#enc, header offset 56):
 * 1 = UTF-8, 2 = UTF-16le, 3 = UTF-16be. Every TEXT value in a database is stored in its
 * encoding, without a terminator and without a byte-order mark.
 *
 * Decoding never throws, and UTF-8 text round-trips byte for byte even when it is not valid
 * UTF-8. SQLite stores and hands back whatever bytes it was given (Latin-1 written by an old
 * application, a blob CAST to TEXT); a JavaScript string cannot hold arbitrary bytes, so each
 * byte of a malformed sequence decodes to the lone low surrogate U+DC80…U+DCFF (U+DC00 plus the
 * byte — Python's "surrogateescape"), and encoding turns such a surrogate back into that one
 * byte. So an UPDATE of another column, a copy or a VACUUM writes the stored bytes unchanged.
 * Any other lone surrogate is written as SQLite writes one (its three-byte form, ED xx xx).
 * A leading U+FEFF is kept as a character (`ignoreBOM: true`): SQLite does not strip it from
 * stored values. In the UTF-16 encodings an odd trailing byte is dropped, as SQLite does when
 * translating (`pMem->n &= ~1` in sqlite3VdbeMemTranslate).
 *
 * Encoding: well-formed strings go through TextEncoder; UTF-16 writes the string's code units
 * as they are. UTF-16be is written and read by byte-swapping, since not every runtime's
 * TextDecoder knows 'utf-16be'.
 */
import { CorruptError } from '../errors.js';

export type TextEncoding = 1 | 2 | 3;

export const UTF8: TextEncoding = 1;
export const UTF16LE: TextEncoding = 2;
export const UTF16BE: TextEncoding = 3;

// fatal: a malformed sequence throws, and only then is the text decoded byte by byte.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
const utf16leDecoder = new TextDecoder('utf-16le', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Checks the text-encoding field of a database header; anything but 1, 2, 3 is corrupt. */
export function asTextEncoding(n: number): TextEncoding {
  if (n === 1 || n === 2 || n === 3) return n;
  throw new CorruptError(`invalid text encoding ${n}`, 1);
}

/** Number of bytes `encodeText(s, encoding)` produces, without producing them. */
export function textByteLength(s: string, encoding: TextEncoding): number {
  if (encoding !== UTF8) return s.length * 2;
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += c >= 0xdc80 && c <= 0xdcff ? 1 : 3; // an escaped byte, a BMP character or a lone surrogate
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The bytes of `s` in `encoding`. */
export function encodeText(s: string, encoding: TextEncoding): Uint8Array {
  if (encoding === UTF8) return isWellFormedText(s) ? utf8Encoder.encode(s) : encodeUtf8Escaped(s);
  const out = new Uint8Array(s.length * 2);
  writeUtf16(out, 0, s, encoding === UTF16BE);
  return out;
}

/** Writes `s` into `buf` at `offset` in `encoding`; returns the number of bytes written. */
export function writeText(buf: Uint8Array, offset: number, s: string, encoding: TextEncoding): number {
  if (encoding === UTF8) {
    if (isWellFormedText(s)) return utf8Encoder.encodeInto(s, buf.subarray(offset)).written;
    const bytes = encodeUtf8Escaped(s);
    buf.set(bytes, offset);
    return bytes.length;
  }
  writeUtf16(buf, offset, s, encoding === UTF16BE);
  return s.length * 2;
}

function writeUtf16(buf: Uint8Array, offset: number, s: string, bigEndian: boolean): void {
  const hi = bigEndian ? 0 : 1;
  const lo = 1 - hi;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    buf[offset + 2 * i + hi] = c >> 8;
    buf[offset + 2 * i + lo] = c & 0xff;
  }
}

/** Decodes `buf[start, end)` as text in `encoding` (never throws; see the module comment). */
export function decodeText(buf: Uint8Array, start: number, end: number, encoding: TextEncoding): string {
  if (encoding === UTF8) {
    // Short ASCII strings are common (names, keys); skip TextDecoder's call overhead for them.
    if (end - start <= 24) {
      let ascii = '';
      let i = start;
      for (; i < end; i++) {
        const b = buf[i]!;
        if (b >= 0x80) break;
        ascii += String.fromCharCode(b);
      }
      if (i === end) return ascii;
    }
    return decodeUtf8(buf.subarray(start, end));
  }
  const n = (end - start) & ~1;
  if (encoding === UTF16LE) return utf16leDecoder.decode(buf.subarray(start, start + n));
  const swapped = new Uint8Array(n);
  for (let i = 0; i < n; i += 2) {
    swapped[i] = buf[start + i + 1]!;
    swapped[i + 1] = buf[start + i]!;
  }
  return utf16leDecoder.decode(swapped);
}

/** UTF-8 bytes as a string; each byte of a malformed sequence becomes U+DC00 + byte. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return decodeUtf8Escaped(bytes);
  }
}

/** A string as UTF-8 bytes; U+DC80…U+DCFF become the bytes they stand for. */
export function encodeUtf8(s: string): Uint8Array {
  return isWellFormedText(s) ? utf8Encoder.encode(s) : encodeUtf8Escaped(s);
}

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

/** Whether `s` has no lone surrogate (String.prototype.isWellFormed where the runtime has it). */
export function isWellFormedText(s: string): boolean {
  if (hasIsWellFormed) return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** The length of the valid UTF-8 sequence at bytes[i], or 0 when it is malformed. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b >= 0xe1 && b <= 0xec) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // not a surrogate
  if (b >= 0xee && b <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function decodeUtf8Escaped(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  let run = 0; // start of the current run of valid sequences
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > run) out += utf8Decoder.decode(bytes.subarray(run, i));
    out += String.fromCharCode(0xdc00 + bytes[i]!);
    i++;
    run = i;
  }
  if (i > run) out += utf8Decoder.decode(bytes.subarray(run, i));
  return out;
}

function encodeUtf8Escaped(s: string): Uint8Array {
  const out = new Uint8Array(textByteLength(s, UTF8));
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) {
      out[p++] = c - 0xdc00;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out[p++] = c;
    else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      // Also a lone surrogate, in the three-byte form SQLite writes for one.
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}
