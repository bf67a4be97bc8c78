/**
 * Row values (https://www.sqlite.org/rowvalue.html) against SQLite (sql.js): comparisons
 * (=, <>, <, <=, >, >=, IS, IS NOT) between (…) lists and multi-column subqueries, BETWEEN,
 * IN with a list of rows, IN (VALUES …) and IN (SELECT a, b …), NULL members, affinities and
 * collations of the members, and SQLite's errors for mismatched widths; then random rows and
 * random tables.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { buildWithSqlJs } from '../../support/sqljs.js';
import { expectSameAsSqlite } from './query-oracle.js';

const FIXED: string[] = [
  'SELECT (1, 2) = (1, 2), (1, 2) <> (1, 3), (1, 2) < (1, 3), (2, 0) > (1, 9), (1, NULL) = (1, 2), (1, NULL) = (2, 2), (1, NULL) < (2, 0)',
  'SELECT (1, 2) IS (1, 2), (1, NULL) IS (1, NULL), (1, 2) IS NOT (1, 3), (NULL, NULL) IS (NULL, 1)',
  'SELECT (1, 2) = (SELECT 1, 2), (1, 2) < (SELECT 1, 3), (SELECT 1, 2) = (1, 2), (SELECT 1, 2) < (SELECT 1, 3)',
  'SELECT (1, 2) = (SELECT x, y FROM t WHERE 0)',
  'SELECT (1, 2) BETWEEN (0, 5) AND (SELECT 1, 3), (1, 2) NOT BETWEEN (1, 2) AND (1, 2), (3, 1) BETWEEN (1, 1) AND (2, 9)',
  'SELECT (1, 2) IN ((1, 2), (3, 4)), (1, 5) IN ((1, 2), (3, 4)), (1, NULL) IN ((1, 2)), (1, NULL) IN ((2, 2)), (1, 2) NOT IN ((1, 2))',
  "SELECT (1, 'a') IN (VALUES (1, 'a'), (2, 'b')), (2, 'B') IN (VALUES (1, 'a'), (2, 'b'))",
  'SELECT (1, NULL) IN (SELECT 1, 2), (1, NULL) IN (SELECT 2, 2), (1, 2) IN (SELECT 1, NULL), (1, 2) NOT IN (SELECT 1, NULL UNION ALL SELECT 1, 2)',
  'SELECT (1, 2) IN (SELECT x, y FROM t WHERE 0), (1, 2) NOT IN (SELECT x, y FROM t WHERE 0)',
  'SELECT x, y FROM t WHERE (x, y) IN (VALUES (1, 10), (3, 30), (5, NULL)) ORDER BY x',
  'SELECT x, y FROM t WHERE (x, y) IN (SELECT a, b FROM u) ORDER BY x',
  'SELECT x, y FROM t WHERE (x, y) NOT IN (SELECT a, b FROM u) ORDER BY x',
  'SELECT x, y FROM t WHERE (x, y) > (2, 15) ORDER BY x',
  'SELECT x, y FROM t WHERE (x, y) = (SELECT a, b FROM u WHERE a = t.x) ORDER BY x',
  "SELECT x FROM t WHERE (x, s) IN (VALUES (1, 'ONE'), (2, 'two')) ORDER BY x",
  "SELECT x FROM t WHERE (x, s COLLATE NOCASE) IN (VALUES (1, 'ONE'), (2, 'TWO')) ORDER BY x",
  "SELECT x FROM t WHERE (x, n) IN (VALUES ('1', '1.0'), (2, 2)) ORDER BY x",
  "SELECT x FROM t WHERE (n, x) = ('1', 1)",
  'SELECT count(*) FROM t WHERE (x, y) IN ((1, 10), (2, 20), (9, 9))',
  // errors
  'SELECT (1, 2) = (SELECT 1)',
  'SELECT (1, 2) = (SELECT 1, 2, 3)',
  'SELECT (1, 2) = (1, 2, 3)',
  'SELECT (1, 2) IN (1, 2)',
  'SELECT (1, 2) IN (SELECT 1)',
  'SELECT 1 IN (SELECT 1, 2)',
  'SELECT (1, 2)',
  'SELECT (1, 2) + 1',
  'SELECT 1 IN ((1, 2))',
];

async function database(): Promise<Uint8Array> {
  return buildWithSqlJs([
    { sql: 'CREATE TABLE t(x INTEGER, y INTEGER, s TEXT, n NUMERIC)' },
    { sql: "INSERT INTO t VALUES (1, 10, 'one', 1), (2, 20, 'two', 2.5), (3, 30, 'three', '3'), (4, NULL, NULL, NULL)" },
    { sql: 'CREATE TABLE u(a INTEGER, b INTEGER)' },
    { sql: 'INSERT INTO u VALUES (1, 10), (3, 31), (4, NULL), (NULL, 20)' },
  ]);
}

describe('row values agree with SQLite', () => {
  it('fixed queries and errors', async () => {
    const bytes = await database();
    for (const sql of FIXED) await expectSameAsSqlite(bytes, sql, true);
  });

  it('random rows: comparisons, BETWEEN and IN against lists, VALUES and subqueries', async () => {
    const bytes = await database();
    const v = fc.constantFrom('NULL', '1', '2', '3', "'1'", "'a'", '2.0', '10', '20');
    const row2 = fc.tuple(v, v).map(([a, b]) => `(${a}, ${b})`);
    const op = fc.constantFrom('=', '<>', '<', '<=', '>', '>=', 'IS', 'IS NOT');
    const expr = fc.oneof(
      fc.tuple(row2, op, row2).map(([a, o, b]) => `${a} ${o} ${b}`),
      fc.tuple(row2, op, row2).map(([a, o, b]) => `${a} ${o} (SELECT ${b.slice(1, -1)})`),
      fc.tuple(row2, row2, row2, fc.boolean()).map(([a, lo, hi, not]) => `${a} ${not ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi}`),
      fc.tuple(row2, fc.array(row2, { maxLength: 4 }), fc.boolean()).map(([a, list, not]) => `${a} ${not ? 'NOT ' : ''}IN (${list.join(', ')})`),
      fc.tuple(row2, fc.array(row2, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([a, list, not]) => `${a} ${not ? 'NOT ' : ''}IN (VALUES ${list.join(', ')})`),
      fc.tuple(row2, fc.boolean()).map(([a, not]) => `${a} ${not ? 'NOT ' : ''}IN (SELECT a, b FROM u)`),
      fc.tuple(op, fc.boolean()).map(([o]) => `(SELECT count(*) FROM t WHERE (x, y) ${o} (SELECT a, b FROM u WHERE a = t.x))`),
      fc.boolean().map((not) => `(SELECT group_concat(x) FROM t WHERE (x, y) ${not ? 'NOT ' : ''}IN (SELECT a, b FROM u))`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(expr, { minLength: 1, maxLength: 4 }), async (exprs) => {
        await expectSameAsSqlite(bytes, `SELECT ${exprs.join(', ')}`, true);
      }),
      { numRuns: 500 },
    );
  });
});
