/**
 * Text encodings of a database (https://www.sqlite.org/fileformat2.html#enc, header offset 56):
 * 1 = UTF-8, 2 = UTF-16le, 3 = UTF-16be. Every TEXT value in a database is stored in its
 * encoding, without a terminator and without a byte-order mark.
 *
 * Decoding never throws. SQLite hands back stored bytes as they are, even when they are not
 * valid in the encoding; a JavaScript string cannot hold arbitrary bytes, so malformed
 * sequences decode to U+FFFD (TextDecoder's default, non-fatal behaviour). A leading U+FEFF is
 * kept as a character (`ignoreBOM: true`): SQLite does not strip it from stored values. In the
 * UTF-16 encodings an odd trailing byte is dropped, as SQLite does when translating
 * (`pMem->n &= ~1` in sqlite3VdbeMemTranslate).
 *
 * Encoding: UTF-8 uses TextEncoder (a lone surrogate becomes U+FFFD, as it would in any
 * UTF-8 conversion); UTF-16 writes the string's code units as they are. UTF-16be is written
 * and read by byte-swapping, since not every runtime's TextDecoder knows 'utf-16be'.
 */
import { CorruptError } from '../errors.js';

export type TextEncoding = 1 | 2 | 3;

export const UTF8: TextEncoding = 1;
export const UTF16LE: TextEncoding = 2;
export const UTF16BE: TextEncoding = 3;

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
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
    } else n += 3; // BMP character, or a lone surrogate (encoded as U+FFFD, 3 bytes)
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The bytes of `s` in `encoding`. */
export function encodeText(s: string, encoding: TextEncoding): Uint8Array {
  if (encoding === UTF8) return utf8Encoder.encode(s);
  const out = new Uint8Array(s.length * 2);
  writeUtf16(out, 0, s, encoding === UTF16BE);
  return out;
}

/** Writes `s` into `buf` at `offset` in `encoding`; returns the number of bytes written. */
export function writeText(buf: Uint8Array, offset: number, s: string, encoding: TextEncoding): number {
  if (encoding === UTF8) return utf8Encoder.encodeInto(s, buf.subarray(offset)).written;
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
    return utf8Decoder.decode(buf.subarray(start, end));
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
