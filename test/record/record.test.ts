import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptError, MisuseError } from '../../src/errors.js';
import { compareRecordToKey } from '../../src/record/compare.js';
import {
  decodeRecord,
  decodeRecordColumn,
  decodeRecordColumnClass,
  encodeRecord,
  locateRecordColumn,
  recordColumnCount,
  type DecodedRecord,
} from '../../src/record/record.js';
import { encodingArb, typedArb, type Typed } from './arbitraries.js';
import { sameValue, show } from './support.js';

function expectRecord(got: DecodedRecord, row: readonly Typed[]): void {
  expect(got.values.length).toBe(row.length);
  row.forEach(({ v, c }, i) => {
    expect(sameValue(got.values[i]!, v), `column ${i}: ${show(got.values[i]!)} vs ${show(v)}`).toBe(true);
    expect(got.classes[i]).toBe(c);
  });
}

/** Runs `f`; it may return, or throw CorruptError — nothing else. */
function onlyCorrupt(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof CorruptError)) throw e;
  }
}

describe('record encode/decode', () => {
  it('round-trips random rows in every encoding (property)', () => {
    fc.assert(
      fc.property(fc.array(typedArb({ maxText: 30, maxBlob: 40 }), { maxLength: 12 }), encodingArb, (row, enc) => {
        const payload = encodeRecord(
          row.map((t) => t.v),
          enc,
          row.map((t) => t.c),
        );
        expectRecord(decodeRecord(payload, enc), row);
        expect(recordColumnCount(payload)).toBe(row.length);
        row.forEach(({ v, c }, i) => {
          expect(sameValue(decodeRecordColumn(payload, i, enc), v)).toBe(true);
          expect(decodeRecordColumnClass(payload, i)).toBe(c);
        });
        expect(decodeRecordColumn(payload, row.length, enc)).toBe(null);
        expect(decodeRecordColumnClass(payload, row.length + 5)).toBe('null');
      }),
      { numRuns: 300 },
    );
  });

  it('reuses the arrays of an out record', () => {
    const out: DecodedRecord = { values: [1, 2, 3, 4], classes: ['integer', 'integer', 'integer', 'integer'] };
    const got = decodeRecord(encodeRecord(['a', null], 1), 1, out);
    expect(got).toBe(out);
    expect(out.values).toEqual(['a', null]);
    expect(out.classes).toEqual(['text', 'null']);
  });

  it('encodes the spec example layout: header size counts itself, then types, then bodies', () => {
    // (NULL, 1, 300, 'hi', x'00ff', 1.5) in UTF-8, file format 4.
    const p = encodeRecord([null, 1, 300, 'hi', Uint8Array.from([0, 255]), 1.5], 1);
    expect(Array.from(p)).toEqual([
      7, 0, 9, 2, 13 + 4, 12 + 4, 7, // header: size 7, then serial types
      0x01, 0x2c, // 300
      0x68, 0x69, // 'hi'
      0x00, 0xff,
      0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // 1.5
    ]);
    // File format 1 has no 0/1 constants.
    expect(Array.from(encodeRecord([0, 1], 1, undefined, 1))).toEqual([3, 1, 1, 0, 1]);
    // The empty record is a lone header-size byte.
    expect(Array.from(encodeRecord([], 1))).toEqual([1]);
    expect(decodeRecord(Uint8Array.from([1]), 1).values).toEqual([]);
  });

  it('grows the header-size varint exactly at its boundaries', () => {
    for (const n of [125, 126, 127, 128, 8190, 8191, 8192, 16383, 16384]) {
      // n one-byte serial types → n header bytes of types.
      const payload = encodeRecord(new Array<null>(n).fill(null), 1);
      const expectedHdr = n + 1 <= 127 ? n + 1 : n + 2 <= 16383 ? n + 2 : n + 3;
      expect(payload.length, `n=${n}`).toBe(expectedHdr);
      expect(recordColumnCount(payload)).toBe(n);
    }
  });

  it('round-trips large values: blobs up to 10000 bytes, long and astral text', () => {
    for (const len of [0, 1, 57, 58, 8191, 8192, 10000]) {
      const blob = Uint8Array.from({ length: len }, (_, i) => (i * 31) & 0xff);
      const p = encodeRecord([blob, 7], 1);
      const got = decodeRecord(p, 1);
      expect(sameValue(got.values[0]!, blob)).toBe(true);
      expect(got.values[1]).toBe(7);
    }
    const text = '😀a\u00e9\uffff𝄞'.repeat(2000);
    for (const enc of [1, 2, 3] as const) {
      expect(decodeRecord(encodeRecord([text], enc), enc).values[0]).toBe(text);
    }
  });

  it('rejects mismatched class lists and values (our invariant)', () => {
    expect(() => encodeRecord([1, 2], 1, ['integer'])).toThrow(MisuseError);
    expect(() => locateRecordColumn(Uint8Array.from([1]), -1)).toThrow(MisuseError);
  });
});

describe('record corruption', () => {
  it('throws CorruptError for every truncation and every extension of a valid record', () => {
    fc.assert(
      fc.property(fc.array(typedArb({ maxText: 10, maxBlob: 10 }), { minLength: 1, maxLength: 6 }), encodingArb, (row, enc) => {
        const payload = encodeRecord(
          row.map((t) => t.v),
          enc,
          row.map((t) => t.c),
        );
        for (let len = 0; len < payload.length; len++) {
          const cut = payload.slice(0, len);
          expect(() => decodeRecord(cut, enc)).toThrow(CorruptError);
          expect(() => recordColumnCount(cut)).toThrow(CorruptError);
        }
        const longer = new Uint8Array(payload.length + 1);
        longer.set(payload);
        expect(() => decodeRecord(longer, enc)).toThrow(CorruptError);
      }),
      { numRuns: 100 },
    );
  });

  it('names the failures: header too large, varint crossing the header, reserved types, short body', () => {
    expect(() => decodeRecord(new Uint8Array(0), 1)).toThrow(/empty record/);
    expect(() => decodeRecord(Uint8Array.from([5, 0, 0]), 1)).toThrow(/header size 5 exceeds/);
    // 9-byte header-size varint claiming an enormous header: rejected before any allocation.
    expect(() => decodeRecord(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 1)).toThrow(
      CorruptError,
    );
    // Serial-type varint 0x81 0x00 crosses the end of a 2-byte header.
    expect(() => decodeRecord(Uint8Array.from([2, 0x81, 0x00]), 1)).toThrow(CorruptError);
    expect(() => decodeRecord(Uint8Array.from([2, 10]), 1)).toThrow(/serial type 10/);
    expect(() => decodeRecord(Uint8Array.from([2, 11]), 1)).toThrow(/serial type 11/);
    expect(() => decodeRecord(Uint8Array.from([2, 6, 0, 0]), 1)).toThrow(/body shorter/);
    // Text claiming 2^40 bytes in a 4-byte payload.
    expect(() => decodeRecordColumn(Uint8Array.from([7, 0x81, 0x80, 0x80, 0x80, 0x80, 13]), 0, 1)).toThrow(CorruptError);
    // Header size 1 (own varint) with a body byte: body must end at the payload end.
    expect(() => decodeRecord(Uint8Array.from([1, 0]), 1)).toThrow(/body ends/);
    // A header size of 0 reads as no columns, as in SQLite.
    expect(decodeRecord(Uint8Array.from([0, 1, 2]), 1).values).toEqual([]);
  });

  it('random bytes raise only CorruptError from every reader (property)', () => {
    const arb = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      // Plausible headers: small header size, random types, random body.
      fc
        .tuple(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }), fc.uint8Array({ maxLength: 40 }))
        .map(([types, body]) => Uint8Array.from([types.length + 1, ...types, ...body])),
    );
    fc.assert(
      fc.property(arb, encodingArb, fc.nat(6), (bytes, enc, col) => {
        onlyCorrupt(() => decodeRecord(bytes, enc));
        onlyCorrupt(() => recordColumnCount(bytes));
        onlyCorrupt(() => decodeRecordColumn(bytes, col, enc));
        onlyCorrupt(() => decodeRecordColumnClass(bytes, col));
        onlyCorrupt(() =>
          compareRecordToKey(bytes, ['a', 1, null], ['text', 'integer', 'null'], {
            collations: ['NOCASE', 'BINARY', 'RTRIM'],
            desc: [false, true, false],
            encoding: enc,
          }),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
