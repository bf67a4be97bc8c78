/**
 * `tableRowValues` (the values-only scan) against SQLite: the same rows as sql.js returns for
 * `SELECT * … ORDER BY <b-tree order>`, and exactly `tableRows(…).values`, for rowid tables
 * with a rowid alias, REAL columns holding integers, big integers, overflow payloads, columns
 * added by ALTER TABLE (DEFAULT filled in) and WITHOUT ROWID tables; with limit and offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSchemaRows } from '../../src/api/schema-rows.js';
import { tableRowValues, tableRows, type RowsOptions } from '../../src/api/table-rows.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import type { SqlValue } from '../../src/record/value.js';
import { readSchema } from '../../src/schema/read-schema.js';
import type { TableInfo } from '../../src/schema/schema-types.js';
import { buildWithSqlJs, exactLiteral, typedQuery } from '../support/sqljs.js';

async function open(bytes: Uint8Array): Promise<{ pager: Pager; table: (name: string) => TableInfo }> {
  const pager = await Pager.open(new BytesPageFile(bytes));
  const schema = readSchema(await readSchemaRows(pager));
  return {
    pager,
    table: (name) => {
      const rel = schema.relation(name);
      if (rel === undefined || rel.kind !== 'table') throw new Error(`no table ${name}`);
      return rel;
    },
  };
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

/** Values of every row of `name` by SQLite, in `order`. */
async function sqliteRows(bytes: Uint8Array, name: string, columns: readonly string[], order: string): Promise<SqlValue[][]> {
  const select = `SELECT ${[...columns, ...columns.map((c) => `typeof(${c})`)].join(', ')} FROM ${name} ORDER BY ${order}`;
  return (await typedQuery(bytes, select)).map((r) => r.values);
}

async function expectBoth(bytes: Uint8Array, name: string, order: string, options: RowsOptions = {}): Promise<SqlValue[][]> {
  const { pager, table } = await open(bytes);
  const info = table(name);
  const values = await collect(tableRowValues(pager, info, options));
  const typed = await collect(tableRows(pager, info, options));
  expect(values).toEqual(typed.map((r) => r.values));
  const all = await sqliteRows(bytes, name, info.columns.map((c) => c.name), order);
  expect(values).toEqual(all.slice(options.offset ?? 0, (options.offset ?? 0) + (options.limit ?? all.length)));
  return values;
}

describe('tableRowValues', () => {
  it('reads what SQLite reads: rowid alias, REAL affinity, big integers, overflow, ALTER TABLE defaults, WITHOUT ROWID', async () => {
    const big = new Uint8Array(9000).map((_, i) => (i * 31) & 0xff);
    const bytes = await buildWithSqlJs([
      { sql: 'PRAGMA page_size=1024;' },
      { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB);' },
      { sql: 'INSERT INTO t VALUES (1, 2, 9223372036854775807, ?, ?);', params: ['x'.repeat(3000), big] },
      { sql: 'INSERT INTO t VALUES (5, 2.5, -9223372036854775808, NULL, x\'00ff\');' },
      { sql: 'INSERT INTO t VALUES (9007199254740993, 1e300, 3, \'é\', NULL);' },
      { sql: "ALTER TABLE t ADD COLUMN added INTEGER DEFAULT '42';" },
      { sql: "ALTER TABLE t ADD COLUMN added2 REAL DEFAULT 7;" },
      { sql: 'INSERT INTO t (id, added, added2) VALUES (7, 1, 3);' },
      { sql: 'CREATE TABLE w (k TEXT PRIMARY KEY, v REAL, blob BLOB) WITHOUT ROWID;' },
      { sql: "INSERT INTO w VALUES ('b', 1, ?), ('a', 2.5, NULL), ('c', NULL, x'01');", params: [big] },
    ]);
    const rows = await expectBoth(bytes, 't', 'rowid');
    expect(rows.map((r) => r[0])).toEqual([1, 5, 7, 9007199254740993n]);
    expect(rows[0]![5]).toBe(42); // DEFAULT '42' with INTEGER affinity, for a row written before the ALTER
    await expectBoth(bytes, 't', 'rowid', { offset: 1, limit: 2 });
    await expectBoth(bytes, 'w', 'k');
    await expectBoth(bytes, 'w', 'k', { offset: 2, limit: 5 });
    await expectBoth(bytes, 'w', 'k', { limit: 0 });
  });

  it('equals SQLite and tableRows on random rows', async () => {
    const value: fc.Arbitrary<SqlValue> = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.double({ noNaN: true }),
      fc.string({ maxLength: 30 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 1000, maxLength: 6000 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), { maxLength: 60 }), fc.nat(10), async (rows, offset) => {
        const statements: Array<{ sql: string; params?: SqlValue[] }> = [
          { sql: 'PRAGMA page_size=1024;' },
          { sql: 'CREATE TABLE t (a, b REAL, c INTEGER PRIMARY KEY, d TEXT, e BLOB);' },
        ];
        rows.forEach((r, i) => {
          const lits = r.map(exactLiteral);
          statements.push({
            sql: `INSERT INTO t (a, b, c, d, e) VALUES (${lits[0]!.text}, ${lits[1]!.text}, ${i * 3 - 50}, ${lits[2]!.text}, ${lits[3]!.text});`,
            params: lits.filter((l) => l.bind !== undefined).map((l) => l.bind!),
          });
        });
        const bytes = await buildWithSqlJs(statements);
        await expectBoth(bytes, 't', 'rowid');
        await expectBoth(bytes, 't', 'rowid', { offset, limit: 7 });
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
