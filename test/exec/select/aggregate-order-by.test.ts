/**
 * ORDER BY inside aggregate calls (SQLite ≥ 3.44: `group_concat(y, '-' ORDER BY y DESC)`),
 * against SQLite (sql.js): random rows, random aggregates with one or two ordering terms
 * (collations, DESC, NULLS FIRST/LAST, DISTINCT, FILTER), with and without GROUP BY. Rows whose
 * keys tie keep their input order in both engines, so whole results must be equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { sqljs } from '../../support/sqljs.js';

const VALUES = ['1', '2', '-3', '2.5', "'a'", "'B'", "'b'", "'one'", 'NULL', "x'01'", "''"];
const CALLS = [
  (o: string) => `group_concat(y${o})`,
  (o: string) => `group_concat(y, '-'${o})`,
  (o: string) => `group_concat(DISTINCT y${o})`,
  (o: string) => `string_agg(z, ';'${o})`,
  (o: string) => `json_group_array(y${o})`,
  (o: string) => `json_group_object(coalesce(z, 'k'), y${o})`,
  (o: string) => `group_concat(y${o}) FILTER (WHERE x % 2 = 0)`,
  (o: string) => `count(y${o})`,
  (o: string) => `sum(x${o})`,
];
const TERM = fc.tuple(
  fc.constantFrom('y', 'z', 'x', 'y COLLATE NOCASE', 'z || y', 'x % 3', '-x'),
  fc.constantFrom('', ' DESC', ' ASC'),
  fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'),
).map(([e, d, n]) => `${e}${d}${n}`);

const render = (rows: unknown[][]): string => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? [...v] : v));

describe('aggregates with ORDER BY agree with SQLite', () => {
  it('random rows, calls and ordering terms', async () => {
    const SQL = await sqljs();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...VALUES), fc.constantFrom(...VALUES), fc.integer({ min: 0, max: 2 })), { maxLength: 12 }),
        fc.constantFrom(...CALLS),
        fc.array(TERM, { minLength: 1, maxLength: 2 }),
        fc.boolean(),
        async (rows, call, terms, grouped) => {
          const setup = ['CREATE TABLE t(x INTEGER PRIMARY KEY, y, z, g)', ...rows.map(([y, z, g], i) => `INSERT INTO t VALUES (${i + 1}, ${y}, ${z}, ${g})`)];
          const query = `SELECT ${grouped ? 'g, ' : ''}${call(` ORDER BY ${terms.join(', ')}`)} FROM t${grouped ? ' GROUP BY g ORDER BY g' : ''}`;
          const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'db' });
          for (const s of setup) await db.exec(s);
          let ours: string;
          try {
            const stmt = await db.prepare(query);
            const out: unknown[][] = [];
            for await (const r of stmt.typedIterate()) out.push(r.values);
            ours = render(out);
          } catch (err) {
            ours = `error: ${(err as Error).message}`;
          }
          await db.close();
          const ref = new SQL.Database();
          let theirs: string;
          try {
            for (const s of setup) ref.run(s);
            const stmt = ref.prepare(query);
            const out: unknown[][] = [];
            while (stmt.step()) out.push(stmt.get(null, { useBigInt: true }));
            stmt.free();
            theirs = render(out);
          } catch (err) {
            theirs = `error: ${(err as Error).message}`;
          } finally {
            ref.close();
          }
          expect(ours, query).toBe(theirs);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
