/**
 * Aggregate functions against SQLite (sql.js): random columns of values through count, sum,
 * total, avg, min, max, group_concat (with and without DISTINCT, and NOCASE for min/max and
 * DISTINCT), including integer overflow in sum().
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqljs } from '../../support/sqljs.js';
import { createAggregate } from '../../../src/exec/expr/compile.js';
import { storageClassOf, type Value } from '../../../src/exec/value.js';
import { isAggregateFunction } from '../../../src/exec/functions/aggregate.js';
import { sameValue } from '../expr/oracle.js';

const POOL: Array<{ sql: string; value: Value }> = [
  { sql: '1', value: 1n },
  { sql: '2', value: 2n },
  { sql: '-7', value: -7n },
  { sql: '9223372036854775807', value: 9223372036854775807n },
  { sql: '-9223372036854775808', value: -9223372036854775808n },
  { sql: '4611686018427387904', value: 4611686018427387904n },
  { sql: '0.5', value: 0.5 },
  { sql: '0.1', value: 0.1 },
  { sql: '1e308', value: 1e308 },
  { sql: '-2.25', value: -2.25 },
  { sql: "'abc'", value: 'abc' },
  { sql: "'ABC'", value: 'ABC' },
  { sql: "'12'", value: '12' },
  { sql: "'1.5'", value: '1.5' },
  { sql: "x'00ff'", value: Uint8Array.of(0, 255) },
  { sql: 'NULL', value: null },
  { sql: "''", value: '' },
];

const CALLS: Array<{ sql: string; name: string; distinct: boolean; collation?: string; sep?: Value }> = [
  { sql: 'count(*)', name: 'count', distinct: false },
  { sql: 'count(v)', name: 'count', distinct: false },
  { sql: 'count(DISTINCT v)', name: 'count', distinct: true },
  { sql: 'sum(v)', name: 'sum', distinct: false },
  { sql: 'sum(DISTINCT v)', name: 'sum', distinct: true },
  { sql: 'total(v)', name: 'total', distinct: false },
  { sql: 'avg(v)', name: 'avg', distinct: false },
  { sql: 'min(v)', name: 'min', distinct: false },
  { sql: 'max(v)', name: 'max', distinct: false },
  { sql: 'max(v COLLATE NOCASE)', name: 'max', distinct: false, collation: 'NOCASE' },
  { sql: 'count(DISTINCT v COLLATE NOCASE)', name: 'count', distinct: true, collation: 'NOCASE' },
  { sql: 'group_concat(v)', name: 'group_concat', distinct: false },
  { sql: "group_concat(v, '; ')", name: 'group_concat', distinct: false, sep: '; ' },
];

describe('aggregates agree with SQLite', () => {
  it('random inputs', async () => {
    const SQL = await sqljs();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: POOL.length - 1 }), { maxLength: 12 }), fc.boolean(), async (picks, numericOnly) => {
        const items = picks.map((i) => POOL[i]!).filter((p) => !numericOnly || typeof p.value === 'bigint' || typeof p.value === 'number' || p.value === null);
        const db = new (SQL.Database as unknown as new () => {
          exec(sql: string): Array<{ values: unknown[][] }>;
          prepare(sql: string): { step(): boolean; get(p: null, c: { useBigInt: boolean }): unknown[]; free(): void };
          close(): void;
        })();
        try {
          db.exec('CREATE TABLE t(v)');
          for (const it of items) db.exec(`INSERT INTO t VALUES (${it.sql})`);
          for (const call of CALLS) {
            let expected: { ok: boolean; value?: Value; cls?: string; error?: string };
            try {
              const st = db.prepare(`SELECT ${call.sql}, typeof(${call.sql}) FROM t`);
              st.step();
              const [v, t] = st.get(null, { useBigInt: true });
              st.free();
              const cls = t as string;
              expected = { ok: true, cls, value: v === null ? null : cls === 'integer' ? BigInt(v as bigint) : cls === 'real' ? Number(v) : (v as string | Uint8Array) };
            } catch (e) {
              expected = { ok: false, error: (e as Error).message };
            }
            const agg = createAggregate(call.name, call.distinct, call.sql === 'count(*)' ? 0 : call.sep === undefined ? 1 : 2, call.collation ?? 'BINARY')!;
            let got: { ok: boolean; value?: Value; cls?: string; error?: string };
            try {
              for (const it of items) agg.step(call.sep === undefined ? [it.value] : [it.value, call.sep]);
              const value = agg.final();
              got = { ok: true, value, cls: storageClassOf(value) };
            } catch (e) {
              got = { ok: false, error: (e as Error).message };
            }
            const same = got.ok === expected.ok && (got.ok ? got.cls === expected.cls && sameValue(got.value!, expected.value!) : got.error === expected.error);
            if (!same) {
              throw new Error(`${call.sql} over [${items.map((i) => i.sql).join(', ')}]\n  ours: ${JSON.stringify(got, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}\n  sqlite: ${JSON.stringify(expected, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('knows which names are aggregates and checks their argument counts', () => {
    expect(isAggregateFunction('count', 0)).toBe(true);
    expect(isAggregateFunction('max', 1)).toBe(true);
    expect(isAggregateFunction('max', 2)).toBe(false);
    expect(isAggregateFunction('abs', 1)).toBe(false);
    expect(() => isAggregateFunction('sum', 2)).toThrow('wrong number of arguments to function sum()');
    expect(createAggregate('nosuch', false, 1)).toBeUndefined();
  });
});
