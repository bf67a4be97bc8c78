import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import {
  asTextEncoding,
  decodeText,
  encodeText,
  textByteLength,
  writeText,
  type TextEncoding,
} from '../../src/record/text-encoding.js';
import { encodingArb, textArb } from './arbitraries.js';

const ENCODINGS: TextEncoding[] = [1, 2, 3];
const NODE_NAMES = { 1: 'utf8', 2: 'utf16le' } as const;

describe('text encodings', () => {
  it('round-trips well-formed strings in every encoding', () => {
    fc.assert(
      fc.property(textArb(200), encodingArb, (s, enc) => {
        const bytes = encodeText(s, enc);
        expect(bytes.length).toBe(textByteLength(s, enc));
        expect(decodeText(bytes, 0, bytes.length, enc)).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('produces the same bytes as Node for UTF-8 and UTF-16le, and byte-swapped UTF-16le for UTF-16be', () => {
    fc.assert(
      fc.property(textArb(60), (s) => {
        expect(Array.from(encodeText(s, 1))).toEqual(Array.from(Buffer.from(s, NODE_NAMES[1])));
        const le = Buffer.from(s, NODE_NAMES[2]);
        expect(Array.from(encodeText(s, 2))).toEqual(Array.from(le));
        const be = Array.from(le);
        for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
        expect(Array.from(encodeText(s, 3))).toEqual(be);
      }),
      { numRuns: 200 },
    );
  });

  it('counts the UTF-8 length of lone surrogates as U+FFFD (3 bytes), like TextEncoder', () => {
    for (const s of ['\ud800', 'a\udc00b', '\ud83d', '\ud83d\ude00', '\ude00\ud83d']) {
      expect(textByteLength(s, 1)).toBe(encodeText(s, 1).length);
    }
  });

  it('writeText writes into a larger buffer at an offset', () => {
    for (const enc of ENCODINGS) {
      const s = 'hé😀';
      const buf = new Uint8Array(20).fill(0xaa);
      const n = writeText(buf, 3, s, enc);
      expect(n).toBe(textByteLength(s, enc));
      expect(decodeText(buf, 3, 3 + n, enc)).toBe(s);
      expect(buf[2]).toBe(0xaa);
      expect(buf[3 + n]).toBe(0xaa);
    }
  });

  it('decodes invalid UTF-8 without throwing, and encodes it back byte for byte', () => {
    const bad = Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x62, 0xe2, 0x82, 0xac]);
    const s = decodeText(bad, 0, bad.length, 1);
    // Each byte of a malformed sequence is U+DC00 + byte; valid sequences decode as usual.
    expect(s).toBe('a\udcff\udcc3(\udced\udca0\udc80b€');
    expect([...encodeText(s, 1)]).toEqual([...bad]);
    expect(textByteLength(s, 1)).toBe(bad.length);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), encodingArb, (bytes, enc) => {
        const text = decodeText(bytes, 0, bytes.length, enc);
        expect(typeof text).toBe('string');
        if (enc === 1) {
          expect([...encodeText(text, 1)]).toEqual([...bytes]); // lossless for any bytes
          expect(textByteLength(text, 1)).toBe(bytes.length);
          const buf = new Uint8Array(bytes.length + 2);
          expect(writeText(buf, 1, text, 1)).toBe(bytes.length);
          expect([...buf.subarray(1, 1 + bytes.length)]).toEqual([...bytes]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a leading byte-order mark as a character (SQLite does not strip it)', () => {
    for (const enc of ENCODINGS) {
      const bytes = encodeText('\ufeffx', enc);
      expect(decodeText(bytes, 0, bytes.length, enc)).toBe('\ufeffx');
    }
  });

  it('drops an odd trailing byte of UTF-16 text', () => {
    expect(decodeText(Uint8Array.from([0x61, 0x00, 0x62]), 0, 3, 2)).toBe('a');
    expect(decodeText(Uint8Array.from([0x00, 0x61, 0x00]), 0, 3, 3)).toBe('a');
  });

  it('decodes a sub-range without reading outside it', () => {
    const buf = Uint8Array.from([0x41, 0x42, 0x43, 0x44]);
    expect(decodeText(buf, 1, 3, 1)).toBe('BC');
  });

  it('accepts only encodings 1, 2, 3 from a header', () => {
    expect(asTextEncoding(2)).toBe(2);
    for (const bad of [0, 4, 255]) expect(() => asTextEncoding(bad)).toThrow(CorruptError);
  });
});
