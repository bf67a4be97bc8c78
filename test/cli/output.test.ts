/**
 * The CLI's row output (src/cli/output.ts): JSON Lines reals read back exactly and always look
 * like reals; rows given as executor values (`execRow`) print as the same rows given with their
 * classes (`row`); the ~64 KiB write batching loses and reorders nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRowWriter, jsonValue, type OutputFormat } from '../../src/cli/output.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';

const execValue = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  fc.string({ unit: 'grapheme' }),
  fc.uint8Array({ maxLength: 40 }),
);

function classOf(v: SqlValue): StorageClass {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'real';
  return typeof v === 'string' ? 'text' : 'blob';
}

/** What the API gives `row`: integers in the safe range as numbers, with class 'integer'. */
const publicValue = (v: SqlValue): SqlValue =>
  typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;

function print(format: OutputFormat, rows: readonly (readonly SqlValue[])[], exec: boolean): { text: string; writes: number } {
  let text = '';
  let writes = 0;
  const writer = createRowWriter(format, rows[0]?.map((_, i) => `c${i}`) ?? [], (t) => {
    text += t;
    writes++;
  });
  for (const r of rows) {
    if (exec) writer.execRow(r);
    else writer.row(r.map(publicValue), r.map(classOf));
  }
  writer.end();
  return { text, writes };
}

describe('CLI row output', () => {
  it('prints every double as a JSON number that reads back exactly and carries a . or an exponent', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        const text = jsonValue(v, 'real');
        if (v === Infinity || v === -Infinity) {
          expect(text).toBe(v > 0 ? '1e999' : '-1e999');
        } else {
          expect(Object.is(JSON.parse(text), v)).toBe(true);
          expect(text).toMatch(/[.eE]/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('prints executor values as the same rows given with their storage classes, in every format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => fc.array(fc.array(execValue, { minLength: n, maxLength: n }), { maxLength: 30 })), (rows) => {
        for (const format of ['json', 'csv', 'table'] as const) {
          expect(print(format, rows, true).text).toBe(print(format, rows, false).text);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gathers rows into few writes without losing or reordering any', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [BigInt(i), `row ${i}`, i / 4]);
    const { text, writes } = print('json', rows, true);
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(rows.map((r) => JSON.stringify([Number(r[0]), r[1], r[2]]).replace(/,(-?\d+)\]$/, (m, d: string) => `,${d}.0]`)));
    expect(writes).toBeLessThan(rows.length / 100);
  });
});
