/**
 * The cost-based join order and automatic indexes (loop-order.ts, join-order.ts, auto-index.ts):
 *
 * - the plan — loop order, seeks, automatic indexes — is the one the sqlite3 shell (3.40.1)
 *   prints for the same schema, line for line, for joins whose best order is not the written one;
 * - every such query returns SQLite's rows (sql.js), compared as multisets: the order of rows
 *   without ORDER BY is not specified by SQLite and may change with the join order;
 * - random joins of 2–6 small tables (NULLs, duplicates, mixed types, a few indexes, LEFT and
 *   CROSS joins, equalities between columns and with constants) return SQLite's rows.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareQuery } from '../../../src/api/statement.js';
import { sqlite3, sqlLiteral, tempDir } from '../../support/sqlite3.js';
import { buildWithSqlJs } from '../../support/sqljs.js';
import { expectSameAsSqlite } from './query-oracle.js';
import { openBytes } from './support.js';

const SCHEMA = `
  CREATE TABLE t1(a, b, c);
  CREATE TABLE t2(a, b, c);
  CREATE TABLE t3(a INTEGER PRIMARY KEY, b, c);
  CREATE INDEX t2b ON t2(b);
  CREATE TABLE s1(a1 INTEGER PRIMARY KEY, b1 INTEGER, x1 TEXT);
  CREATE TABLE s2(a2 INTEGER PRIMARY KEY, b2 INTEGER, x2 TEXT);
  CREATE TABLE s3(a3 INTEGER PRIMARY KEY, b3 INTEGER, x3 TEXT);
  CREATE TABLE s4(a4 INTEGER PRIMARY KEY, b4 INTEGER, x4 TEXT);
  CREATE TABLE u(id INTEGER PRIMARY KEY, k INT, v TEXT);
  CREATE INDEX u_k ON u(k);
`;

function fill(): string {
  const out: string[] = [];
  for (let i = 1; i <= 30; i++) {
    out.push(`INSERT INTO t1 VALUES (${i % 7}, ${i % 5}, ${sqlLiteral(`c${i % 3}`)});`);
    out.push(`INSERT INTO t2 VALUES (${i % 6}, ${i % 4}, ${i % 2 === 0 ? 'NULL' : i});`);
    out.push(`INSERT INTO t3 VALUES (${i}, ${i % 9}, ${i % 4});`);
    out.push(`INSERT INTO u VALUES (${i}, ${i % 8}, 'v${i}');`);
  }
  for (let t = 1; t <= 4; t++) for (let i = 1; i <= 10; i++) out.push(`INSERT INTO s${t} VALUES (${i}, ${((i * (t + 2)) % 10) + 1}, 'table s${t} row ${i}');`);
  return out.join('\n');
}

/** Joins whose plan (order, paths, automatic indexes) SQLite 3.40.1 and s3lite agree on. */
const PLANNED = [
  'SELECT * FROM t1, t2 WHERE t1.a = t2.a',
  'SELECT * FROM t1, t2 WHERE t1.a = t2.a AND t2.c = 5',
  'SELECT * FROM t1, t2 WHERE t1.a = t2.a AND t1.c = 5',
  'SELECT * FROM t1, t2 WHERE t1.a = t2.b',
  'SELECT * FROM t2, t1 WHERE t1.a = t2.b',
  'SELECT * FROM t1, t3 WHERE t1.a = t3.b',
  'SELECT * FROM t3, t1 WHERE t1.a = t3.a',
  'SELECT * FROM t1 CROSS JOIN t3 WHERE t1.a = t3.a',
  'SELECT * FROM t3 CROSS JOIN t1 WHERE t1.a = t3.a',
  'SELECT * FROM t1, t2, t3 WHERE t1.a = t2.a AND t2.b = t3.b',
  'SELECT * FROM t1, t2 WHERE t1.a = t2.a AND t2.b = 5',
  'SELECT * FROM t1 CROSS JOIN t2 WHERE t1.a = t2.a',
  'SELECT x1, x2, x3, x4 FROM s1, s2, s3, s4 WHERE a1 = b2 AND a2 = 6 AND b3 = a1 AND a4 = b3',
  'SELECT x1, x2, x3, x4 FROM s4, s3, s2, s1 WHERE a1 = b2 AND a2 = 6 AND b3 = a1 AND a4 = b3',
  'SELECT x1, x3 FROM s1, s3 WHERE a3 = b1 AND a1 = 7',
  'SELECT count(*) FROM s1, s2 WHERE a1 = b2',
  'SELECT u.v, t3.c FROM t3, u WHERE u.k = t3.b AND t3.a < 10',
  // NOT INDEXED / INDEXED BY (no automatic index for such a table either).
  'SELECT * FROM t2 NOT INDEXED WHERE b = 1',
  'SELECT * FROM t2 INDEXED BY t2b WHERE b = 1',
  'SELECT * FROM t1, t2 NOT INDEXED WHERE t1.a = t2.b',
];

let bytes: Uint8Array;
let dir: { dir: string; cleanup: () => void };
let path: string;

beforeAll(() => {
  dir = tempDir('s3lite-join-order');
  path = join(dir.dir, 'db.sqlite');
  sqlite3(path, SCHEMA + fill());
  bytes = new Uint8Array(readFileSync(path));
});
afterAll(() => dir.cleanup());

/** The detail lines of the sqlite3 shell's EXPLAIN QUERY PLAN tree, indented two spaces per level. */
function sqlitePlan(sql: string): string[] {
  const out = sqlite3(path, `EXPLAIN QUERY PLAN ${sql};`);
  // "QUERY PLAN", then one line per row: "|--detail", "`--detail", "|  `--detail" (3 columns a level).
  return out
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => {
      const at = l.indexOf('--');
      return '  '.repeat((at - 1) / 3) + l.slice(at + 2);
    });
}

describe('join order by cost', () => {
  it('plans the joins as sqlite3 3.40.1 does', async () => {
    const ctx = await openBytes(bytes);
    for (const sql of PLANNED) expect(prepareQuery(ctx, sql).plan(), sql).toEqual(sqlitePlan(sql));
  });

  it('returns SQLite’s rows for those joins', async () => {
    for (const sql of PLANNED) await expectSameAsSqlite(bytes, sql, false);
  });

  it('names a missing INDEXED BY index as SQLite does', async () => {
    await expectSameAsSqlite(bytes, 'SELECT * FROM t2 INDEXED BY nope');
  });

  it('keeps the written order outside a LEFT JOIN and a CROSS JOIN', async () => {
    const ctx = await openBytes(bytes);
    // Cheaper with s2 outside (a rowid seek on s1), but LEFT JOIN and CROSS JOIN fix the order.
    expect(prepareQuery(ctx, 'SELECT * FROM s1 LEFT JOIN s2 ON a1 = b2').plan()[0]).toBe('SCAN s1');
    expect(prepareQuery(ctx, 'SELECT * FROM s1 CROSS JOIN s2 WHERE a1 = b2').plan()[0]).toBe('SCAN s1');
    expect(prepareQuery(ctx, 'SELECT * FROM s1, s2 WHERE a1 = b2').plan()).toEqual(['SCAN s2', 'SEARCH s1 USING INTEGER PRIMARY KEY (rowid=?)']);
    for (const sql of ['SELECT * FROM s1 LEFT JOIN s2 ON a1 = b2', 'SELECT * FROM s1 CROSS JOIN s2 WHERE a1 = b2', 'SELECT * FROM s1 LEFT JOIN s2 ON a1 = b2 JOIN s3 ON a3 = b2']) {
      await expectSameAsSqlite(bytes, sql, false);
    }
  });

  it('runs a 64-table chain join of equalities by seeks (SQLite’s most tables)', async () => {
    const tables: string[] = [];
    const statements: { sql: string }[] = [];
    for (let t = 1; t <= 64; t++) {
      statements.push({ sql: `CREATE TABLE r${t}(a${t} INTEGER PRIMARY KEY, b${t} INTEGER, x${t} TEXT)` });
      for (let i = 1; i <= 10; i++) statements.push({ sql: `INSERT INTO r${t} VALUES (${i}, ${((i * t) % 10) + 1}, 'r${t}-${i}')` });
      tables.push(`r${t}`);
    }
    const db = await buildWithSqlJs(statements);
    // Written in an order where every later table is unconstrained by the ones before it: run
    // as written that is 10^16 rows; the planner starts from the constant and seeks the rest.
    const terms = ['a1 = 3'];
    for (let t = 2; t <= 64; t++) terms.push(`a${t} = b${t - 1}`);
    const sql = `SELECT x1, x8, x64 FROM ${[...tables].reverse().join(', ')} WHERE ${terms.reverse().join(' AND ')}`;
    const ctx = await openBytes(db);
    const plan = prepareQuery(ctx, sql).plan();
    expect(plan[0]).toBe('SEARCH r1 USING INTEGER PRIMARY KEY (rowid=?)');
    expect(plan.slice(1).every((l) => / USING INTEGER PRIMARY KEY \(rowid=\?\)$/.test(l))).toBe(true);
    await expectSameAsSqlite(db, sql, false);
  });
});

type Cell = number | string | null;
const cell: fc.Arbitrary<Cell> = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('1', 'a', '2.0'), fc.constant(null), fc.constantFrom(1.0, 2.5));

interface Table {
  readonly rows: Cell[][];
  readonly index: 'none' | 'x' | 'y' | 'xy';
  readonly ipk: boolean;
}

const tableArb: fc.Arbitrary<Table> = fc.record({
  rows: fc.array(fc.tuple(cell, cell), { maxLength: 8 }).map((rs) => rs.map(([x, y]) => [x, y])),
  index: fc.constantFrom('none', 'x', 'y', 'xy'),
  ipk: fc.boolean(),
});

describe('random joins agree with SQLite', () => {
  it('2–6 tables, equalities, constants, LEFT and CROSS joins (rows as multisets)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tableArb, { minLength: 2, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('x', 'y', 'k'), fc.constantFrom('x', 'y', 'k')), { maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('x', 'y'), cell), { maxLength: 2 }),
        fc.array(fc.constantFrom(',', ',', 'JOIN', 'CROSS JOIN', 'LEFT JOIN'), { minLength: 5, maxLength: 5 }),
        async (tables, eqs, consts, ops) => {
          const statements: { sql: string }[] = [];
          tables.forEach((t, i) => {
            statements.push({ sql: `CREATE TABLE t${i}(k INTEGER${t.ipk ? ' PRIMARY KEY' : ''}, x, y)` });
            if (t.index !== 'none') statements.push({ sql: `CREATE INDEX t${i}_i ON t${i}(${t.index === 'xy' ? 'x, y' : t.index})` });
            t.rows.forEach((r, k) => statements.push({ sql: `INSERT INTO t${i} VALUES (${k + 1}, ${sqlLiteral(r[0]!)}, ${sqlLiteral(r[1]!)})` }));
          });
          const db = await buildWithSqlJs(statements);
          const n = tables.length;
          const where: string[] = [];
          for (const [p, q, c1, c2] of eqs) if (p % n !== q % n) where.push(`t${p % n}.${c1} = t${q % n}.${c2}`);
          for (const [p, c, v] of consts) where.push(`t${p % n}.${c} = ${sqlLiteral(v)}`);
          let from = 't0';
          for (let i = 1; i < n; i++) {
            const op = ops[i - 1]!;
            // A LEFT JOIN's ON term reads only tables to its left.
            from += op === 'LEFT JOIN' ? ` LEFT JOIN t${i} ON t${i}.x = t${i - 1}.y` : op === ',' ? `, t${i}` : ` ${op} t${i}`;
          }
          const cols = tables.map((_, i) => `t${i}.k, t${i}.x`).join(', ');
          const sql = `SELECT ${cols} FROM ${from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
          await expectSameAsSqlite(db, sql, false);
        },
      ),
      { numRuns: 60 },
    );
  });
});
