/**
 * The write path's record encoder (src/exec/dml/record-writer.ts) against the record codec's
 * `encodeRecord` (itself checked against SQLite in test/record/): byte-identical records for
 * executor values in every encoding, with field selection (`order`) and the REAL-column
 * integer saving (`intReal`), and the shared scratch state never leaking between calls.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeValueRecord } from '../../../src/exec/dml/record-writer.js';
import { decodeRecord, encodeRecord } from '../../../src/record/record.js';
import type { TextEncoding } from '../../../src/record/text-encoding.js';
import { int64Value, type SqlValue, type StorageClass } from '../../../src/record/value.js';
import type { Value } from '../../../src/exec/value.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Executor values: bigint = INTEGER (edges of every serial-type width), number = REAL, text with non-ASCII and surrogates, blobs. */
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(0n, 1n, -1n, 127n, 128n, -128n, -129n, 32767n, 32768n, 8388607n, 8388608n, 2147483647n, 2147483648n, -2147483649n, (1n << 47n) - 1n, 1n << 47n, -(1n << 47n) - 1n, (1n << 53n) - 1n, 1n << 53n, INT64_MIN, INT64_MAX),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 2 ** 47 - 1, 2 ** 47, -(2 ** 47), -(2 ** 47) - 1, 2 ** 53, 1.5, Infinity, -Infinity, NaN),
  fc.integer({ min: -(2 ** 48), max: 2 ** 48 }).map((n) => n + 0), // integral reals
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }), // lone surrogates included
  fc.uint8Array({ maxLength: 40 }),
);

const encodingArb = fc.constantFrom<TextEncoding>(1, 2, 3);

/** What row-codec's encoder did before record-writer existed: each field converted, then encodeRecord. */
function reference(values: readonly Value[], encoding: TextEncoding, order?: readonly number[], intReal?: readonly boolean[]): Uint8Array {
  const n = order === undefined ? values.length : order.length;
  const stored: SqlValue[] = [];
  const classes: StorageClass[] = [];
  for (let i = 0; i < n; i++) {
    const at = order === undefined ? i : order[i]!;
    let v: Value = at < 0 ? null : (values[at] ?? null);
    if (intReal?.[i] === true && typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 47) && v < 2 ** 47) v = BigInt(v);
    if (typeof v === 'bigint') {
      stored.push(int64Value(v));
      classes.push('integer');
    } else {
      stored.push(v);
      classes.push(v === null ? 'null' : typeof v === 'number' ? 'real' : typeof v === 'string' ? 'text' : 'blob');
    }
  }
  return encodeRecord(stored, encoding, classes);
}

describe('encodeValueRecord', () => {
  it('writes the same bytes as encodeRecord for executor values (property)', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 14 }), encodingArb, (values, enc) => {
        expect(encodeValueRecord(values, enc)).toEqual(reference(values, enc));
      }),
      { numRuns: 300 },
    );
  });

  it('picks fields by order (-1 = NULL) and stores integral REAL-column values as integers (property)', () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 10 }).chain((values) =>
          fc.tuple(
            fc.constant(values),
            fc.array(fc.tuple(fc.integer({ min: -1, max: values.length - 1 }), fc.boolean()), { maxLength: 12 }),
            encodingArb,
          ),
        ),
        ([values, fields, enc]) => {
          const order = fields.map((f) => f[0]);
          const intReal = fields.map((f) => f[1]);
          expect(encodeValueRecord(values, enc, order, intReal)).toEqual(reference(values, enc, order, intReal));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles records whose header needs a multi-byte size and many fields (scratch growth)', () => {
    const wide: Value[] = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? BigInt(i) : i % 3 === 1 ? `v${i}` : i + 0.5));
    expect(encodeValueRecord(wide, 1)).toEqual(reference(wide, 1));
    // A long text makes a serial type of several varint bytes; the small record after it is unaffected.
    const long = ['x'.repeat(70_000), 'é'.repeat(5000)];
    expect(encodeValueRecord(long, 1)).toEqual(reference(long, 1));
    expect(encodeValueRecord([1n, 'a'], 1)).toEqual(reference([1n, 'a'], 1));
    const rec = decodeRecord(encodeValueRecord(long, 2), 2);
    expect(rec.values).toEqual(long);
  });

  it('refuses integers outside the 64-bit range', () => {
    expect(() => encodeValueRecord([1n << 63n], 1)).toThrow(/64-bit/);
  });
});
