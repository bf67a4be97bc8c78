/**
 * The corners of IN, end to end through the SELECT executor, against SQLite (sql.js): `x IN t`
 * and `x IN main.t` (read as `x IN (SELECT * FROM t)`), empty and one-item lists, NULLs on
 * either side, lists of columns, subqueries and tables of every affinity and collation, COLLATE
 * on either side, NOT IN, and IN as a WHERE term that an index may serve.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqljs, type SqlJsDatabase } from '../../support/sqljs.js';
import { openBytes, runTyped } from './support.js';

const COLS = ['i INTEGER', 't TEXT', 'tn TEXT COLLATE NOCASE', 'b BLOB', 'r REAL', 'n'];
const NAMES = COLS.map((c) => c.split(' ')[0]!);
const CELLS = ['1', "'1'", '1.0', "'abc'", "'ABC'", 'NULL', "'2'", '2', "x'31'", "' 1'", '2.5'];
const ONE_COLUMN = ['ui', 'ut', 'utn', 'ub', 'un'];

const SETUP = [
  `CREATE TABLE t(${COLS.join(', ')})`,
  'CREATE TABLE ui(x INTEGER)',
  'CREATE TABLE ut(x TEXT)',
  'CREATE TABLE utn(x TEXT COLLATE NOCASE)',
  'CREATE TABLE ub(x BLOB)',
  'CREATE TABLE un(x)',
  'CREATE TABLE two(x, y)',
  'CREATE INDEX t_i ON t(i)',
  'CREATE INDEX t_tn ON t(tn)',
];

const operand = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...CELLS),
  fc.tuple(fc.constantFrom(...NAMES, ...CELLS), fc.constantFrom('NOCASE', 'BINARY', 'RTRIM')).map(([e, c]) => `${e} COLLATE ${c}`),
);

const target = fc.oneof(
  fc.array(operand, { minLength: 0, maxLength: 3 }).map((items) => `(${items.join(', ')})`),
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('', ' WHERE 0', ' ORDER BY 1 LIMIT 2')).map(([c, tail]) => `(SELECT ${c} FROM t${tail})`),
  fc.constantFrom(...ONE_COLUMN, ...ONE_COLUMN.map((u) => `main.${u}`)),
);

const inExpr = fc.tuple(operand, fc.boolean(), target).map(([left, not, t]) => `${left} ${not ? 'NOT ' : ''}IN ${t}`);

function sqliteRows(db: SqlJsDatabase, sql: string): string[] | string {
  try {
    const st = db.prepare(sql);
    const out: string[] = [];
    while (st.step()) out.push(String(st.get(null, { useBigInt: true })[0]));
    st.free();
    return out;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe('IN corners agree with SQLite', () => {
  it('random IN expressions over random rows, as result columns and as WHERE terms', async () => {
    const SQL = await sqljs();
    const cells = fc.array(fc.constantFrom(...CELLS), { minLength: NAMES.length, maxLength: NAMES.length });
    await fc.assert(
      fc.asyncProperty(fc.array(cells, { minLength: 0, maxLength: 5 }), fc.array(fc.constantFrom(...CELLS), { maxLength: 4 }), fc.array(inExpr, { minLength: 1, maxLength: 6 }), async (rows, oneColumn, exprs) => {
        const db = new SQL.Database();
        try {
          for (const s of SETUP) db.run(s);
          for (const r of rows) db.run(`INSERT INTO t VALUES (${r.join(', ')})`);
          for (const u of ONE_COLUMN) for (const v of oneColumn) db.run(`INSERT INTO ${u} VALUES (${v})`);
          const ctx = await openBytes(db.export());
          for (const e of exprs) {
            for (const sql of [`SELECT quote(${e}) FROM t ORDER BY rowid`, `SELECT rowid FROM t WHERE ${e} ORDER BY rowid`]) {
              const want = sqliteRows(db, sql);
              let got: string[] | string;
              try {
                got = (await runTyped(ctx, sql)).map((r) => String(r.values[0]));
              } catch (err) {
                got = `error: ${(err as Error).message}`;
              }
              expect(got, sql).toEqual(want);
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('x IN t names a table of one column; more columns or none is an error', async () => {
    const SQL = await sqljs();
    const db = new SQL.Database();
    for (const s of SETUP) db.run(s);
    db.run("INSERT INTO ui VALUES (1), (NULL); INSERT INTO two VALUES (1, 2)");
    const ctx = await openBytes(db.export());
    for (const sql of ['SELECT 1 IN ui, 2 IN ui, 2 NOT IN ui, NULL IN ut, 1 IN ut', 'SELECT 1 IN two', 'SELECT 1 IN nosuch']) {
      const want = sqliteRows(db, sql.replace(/^SELECT (.*)$/, (_m, cols: string) => `SELECT ${cols.split(', ').map((c) => `quote(${c})`).join(' || \',\' || ')}`));
      let got: string[] | string;
      try {
        const rows = await runTyped(ctx, sql);
        got = rows.map((r) => r.values.map((v) => (v === null ? 'NULL' : String(v))).join(','));
      } catch (err) {
        got = `error: ${(err as Error).message}`;
      }
      expect(got, sql).toEqual(want);
    }
    db.close();
  });
});
