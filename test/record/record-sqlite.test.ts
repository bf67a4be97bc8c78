/**
 * The record codec against real SQLite (sql.js): the bytes SQLite writes for a row are the
 * bytes encodeRecord writes for the same values and storage classes, and decodeRecord reads
 * SQLite's bytes back to those values — in all three text encodings.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../src/record/record.js';
import type { TextEncoding } from '../../src/record/text-encoding.js';
import { encodingArb, INTEGER_BOUNDARIES, REAL_SPECIALS, typedArb, type Typed } from './arbitraries.js';
import { hex, loadSqlJs, sqliteRecords, type SqlJs } from './sqlite-oracle.js';
import { sameValue, show } from './support.js';

let SQL: SqlJs;
beforeAll(async () => {
  SQL = await loadSqlJs();
});

function checkRows(enc: TextEncoding, rows: readonly (readonly Typed[])[]): void {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const payloads = sqliteRecords(SQL, enc, rows);
  expect(payloads.length).toBe(rows.length);
  rows.forEach((row, r) => {
    // SQLite pads a row to the table's width with NULLs.
    const full: Typed[] = [...row];
    while (full.length < width) full.push({ v: null, c: 'null' });
    const ours = encodeRecord(
      full.map((t) => t.v),
      enc,
      full.map((t) => t.c),
    );
    const theirs = payloads[r]!;
    expect(hex(ours), `row ${r}: ${full.map((t) => `${t.c}:${show(t.v)}`).join(', ')}`).toBe(hex(theirs));
    const back = decodeRecord(theirs, enc);
    full.forEach((t, i) => {
      expect(sameValue(back.values[i]!, t.v), `row ${r} col ${i}`).toBe(true);
      expect(back.classes[i]).toBe(t.c);
    });
  });
}

describe('encodeRecord is byte-identical to SQLite', () => {
  it('for every integer and real boundary', () => {
    const ints: Typed[][] = INTEGER_BOUNDARIES.map((b) => [
      { v: b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b, c: 'integer' },
    ]);
    const reals: Typed[][] = REAL_SPECIALS.map((v) => [{ v, c: 'real' }]);
    for (const enc of [1, 2, 3] as const) checkRows(enc, [...ints, ...reals]);
  });

  it('for random rows of random values (property)', () => {
    fc.assert(
      fc.property(
        encodingArb,
        fc.array(fc.array(typedArb({ maxText: 40, maxBlob: 120 }), { maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        (enc, rows) => checkRows(enc, rows),
      ),
      { numRuns: 60 },
    );
  });

  it('for large blobs and texts (up to 10000 bytes) and wide headers around the varint boundaries', () => {
    for (const enc of [1, 2, 3] as const) {
      const rows: Typed[][] = [0, 1, 1000, 10000].map((n) => [
        { v: Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff), c: 'blob' },
        { v: 'é😀'.repeat(Math.floor(n / 8)), c: 'text' },
      ]);
      for (const row of rows) checkRows(enc, [row]);
    }
    // 125..129 one-byte serial types straddle the one-byte header-size limit (127); 64 texts of
    // 64..100 bytes have two-byte serial types and push the header past 127 the other way.
    for (const n of [125, 126, 127, 128, 129]) checkRows(1, [new Array(n).fill({ v: 5, c: 'integer' })]);
    for (const n of [62, 63, 64]) checkRows(1, [new Array(n).fill({ v: 'x'.repeat(60), c: 'text' })]);
  });
});
