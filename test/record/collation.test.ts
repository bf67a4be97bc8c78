import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqliteError } from '../../src/errors.js';
import { compareCodePoints, compareText, resolveCollation } from '../../src/record/collation.js';
import { compareStoredTextToString } from '../../src/record/compare.js';
import { decodeText, encodeText, type TextEncoding } from '../../src/record/text-encoding.js';
import { encodingArb, textArb } from './arbitraries.js';

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

function memcmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

describe('collations', () => {
  it('resolves names case-insensitively and rejects unknown ones with SQLite’s message', () => {
    expect(resolveCollation('nocase')).toBe('NOCASE');
    expect(resolveCollation('Binary')).toBe('BINARY');
    expect(resolveCollation('RTRIM')).toBe('RTRIM');
    try {
      resolveCollation('french');
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(SqliteError);
      expect((e as SqliteError).code).toBe('SQLITE_ERROR');
      expect((e as SqliteError).message).toBe('no such collation sequence: french');
    }
  });

  it('BINARY is memcmp of the bytes in the database encoding (property)', () => {
    fc.assert(
      fc.property(textArb(12), textArb(12), encodingArb, (a, b, enc) => {
        expect(sign(compareText(a, b, 'BINARY', enc))).toBe(sign(memcmp(encodeText(a, enc), encodeText(b, enc))));
      }),
      { numRuns: 500 },
    );
  });

  it('NOCASE folds ASCII only; RTRIM ignores trailing spaces only', () => {
    expect(compareText('ABC', 'abc', 'NOCASE', 1)).toBe(0);
    expect(compareText('É', 'é', 'NOCASE', 1)).not.toBe(0);
    expect(sign(compareText('a', 'B', 'NOCASE', 1))).toBe(-1);
    expect(sign(compareText('a', 'B', 'BINARY', 1))).toBe(1);
    expect(compareText('[', '{', 'NOCASE', 1)).toBeLessThan(0); // '[' (0x5b) is not folded
    expect(compareText('x  ', 'x', 'RTRIM', 2)).toBe(0);
    expect(compareText('x\t', 'x', 'RTRIM', 1)).toBeGreaterThan(0);
    expect(compareText(' x', 'x', 'RTRIM', 1)).toBeLessThan(0);
  });

  it('NOCASE stops at a NUL in the left string, like sqlite3StrNICmp', () => {
    expect(compareText('\0a', '\0b', 'NOCASE', 1)).toBe(0);
    expect(compareText('\0a', '\0bc', 'NOCASE', 1)).toBeLessThan(0);
    expect(compareText('\0', 'a', 'NOCASE', 1)).toBeLessThan(0);
    expect(compareText('\0a', '\0b', 'BINARY', 1)).toBeLessThan(0);
  });

  it('code-point order puts astral characters after U+E000..U+FFFF', () => {
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
    expect(compareCodePoints('\ue000', '\ud7ff')).toBeGreaterThan(0);
    // UTF-16be BINARY is code-unit order: the other way round.
    expect(compareText('\uffff', '😀', 'BINARY', 3)).toBeGreaterThan(0);
  });
});

describe('compareStoredTextToString (BINARY on stored bytes)', () => {
  it('equals memcmp of the stored bytes against the encoded key (property)', () => {
    const anyString = fc.oneof(textArb(12), fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(textArb(12), anyString, encodingArb, (stored, key, enc: TextEncoding) => {
        const bytes = encodeText(stored, enc);
        const padded = new Uint8Array(bytes.length + 4);
        padded.set(bytes, 2);
        const got = compareStoredTextToString(padded, 2, 2 + bytes.length, key, enc);
        expect(sign(got)).toBe(sign(memcmp(bytes, encodeText(key, enc))));
      }),
      { numRuns: 300 },
    );
  });

  it('compares raw stored bytes, even invalid UTF-8, as memcmp', () => {
    const raw = Uint8Array.from([0x61, 0xff]);
    expect(compareStoredTextToString(raw, 0, 2, 'a\u00ff', 1)).toBeGreaterThan(0); // ff > c3
    expect(compareStoredTextToString(raw, 0, 1, 'a', 1)).toBe(0);
    // A key holds such text as escaped bytes (text-encoding.ts), and compares as the bytes.
    expect(compareStoredTextToString(raw, 0, 2, 'a\udcff', 1)).toBe(0);
    expect(compareStoredTextToString(raw, 0, 2, 'a\udcfe', 1)).toBeGreaterThan(0);
    // Another lone surrogate is in its three-byte form, as it would have been stored.
    const lone = encodeText('\ud800', 1);
    expect([...lone]).toEqual([0xed, 0xa0, 0x80]);
    expect(compareStoredTextToString(lone, 0, 3, '\ud800', 1)).toBe(0);
    // Random bytes: the comparison with their own decoding is 0, with any other string as memcmp.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 }), (a, b) => {
        const key = decodeText(b, 0, b.length, 1);
        expect(Math.sign(compareStoredTextToString(a, 0, a.length, key, 1))).toBe(Math.sign(memcmp(a, b)));
      }),
      { numRuns: 500 },
    );
  });
});
