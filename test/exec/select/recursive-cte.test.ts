/**
 * WITH RECURSIVE against SQLite (sql.js): counting, graph walks over a random edge table with
 * UNION (cycles end) and UNION ALL (bounded by depth), several recursive SELECTs, ORDER BY on
 * the queue (breadth- vs depth-first), LIMIT/OFFSET, several CTEs in one WITH (recursive ones
 * reading earlier ones), MATERIALIZED hints, and SQLite's errors for misuse.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { buildWithSqlJs } from '../../support/sqljs.js';
import { expectSameAsSqlite } from './query-oracle.js';

const FIXED: string[] = [
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<20) SELECT sum(i) FROM n',
  'WITH n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<5) SELECT * FROM n',
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<10 LIMIT 3 OFFSET 1) SELECT * FROM n',
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n LIMIT 5) SELECT * FROM n',
  'WITH RECURSIVE n(i) AS (SELECT 1 UNION SELECT i%3+1 FROM n) SELECT * FROM n',
  'WITH RECURSIVE n(i) AS (SELECT 5 UNION ALL SELECT i-1 FROM n WHERE i > 0 ORDER BY 1 LIMIT 3) SELECT * FROM n',
  "WITH RECURSIVE c(x, y) AS (SELECT 1, 'a' UNION ALL SELECT x+1, y FROM c WHERE x < 3 UNION ALL SELECT x, y || 'b' FROM c WHERE length(y) < 2) SELECT * FROM c",
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT 2 UNION ALL SELECT x+10 FROM c WHERE x < 10) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3), d(y) AS (SELECT x*10 FROM c UNION ALL SELECT y+1 FROM d WHERE y < 12) SELECT * FROM d',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3) SELECT * FROM c AS a, c AS b ORDER BY 1, 2',
  'WITH RECURSIVE c AS (SELECT 1 AS n UNION ALL SELECT n+1 FROM c WHERE n<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LEFT JOIN (SELECT 1) ON 0 WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM (SELECT 5) JOIN c WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (VALUES(1) UNION ALL SELECT x+1 FROM c WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS MATERIALIZED (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3), d AS NOT MATERIALIZED (SELECT x FROM c) SELECT * FROM d',
  "WITH RECURSIVE c(x) AS (SELECT '1' UNION ALL SELECT x+1 FROM c WHERE x<3) SELECT x, typeof(x) FROM c",
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < (SELECT count(*) FROM edges)) SELECT count(*) FROM c',
  'SELECT (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<4) SELECT group_concat(x) FROM c)',
  'SELECT a, (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3) SELECT sum(x) FROM c) FROM edges ORDER BY a, b LIMIT 3',
  'WITH RECURSIVE fib(a, b) AS (SELECT 0, 1 UNION ALL SELECT b, a+b FROM fib WHERE b < 1000) SELECT a FROM fib',
  "WITH RECURSIVE s(t) AS (SELECT 'x' UNION ALL SELECT t || 'y' FROM s WHERE length(t) < 5) SELECT group_concat(t, ',') FROM s",
  // errors
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c, c AS d WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT (SELECT x FROM c)) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT max(x)+1 FROM c WHERE x < 3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT x FROM c) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 INTERSECT SELECT x+1 FROM c WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM (SELECT * FROM c) WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3 UNION ALL SELECT 7) SELECT * FROM c',
  'WITH RECURSIVE a(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM b WHERE x<3), b(x) AS (SELECT x FROM a) SELECT * FROM a',
  'WITH RECURSIVE c(x, y) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1, 2 FROM c WHERE x<3) SELECT * FROM c',
  'WITH RECURSIVE c(x) AS (SELECT 5 UNION ALL SELECT x-1 FROM c WHERE x > 0 ORDER BY x) SELECT * FROM c',
  'WITH t AS (SELECT a+10 AS a FROM t) SELECT * FROM t',
  'WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a',
  'WITH a AS (SELECT 1 AS x), a AS (SELECT 2) SELECT * FROM a',
  'WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT * FROM a',
  'WITH RECURSIVE a(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM a WHERE x<3), b AS (SELECT * FROM a) SELECT * FROM b',
  'WITH a AS (SELECT 1 AS x) SELECT * FROM (WITH a AS (SELECT 2 AS x) SELECT * FROM a), a',
];

async function database(edges: readonly [number, number][]): Promise<Uint8Array> {
  return buildWithSqlJs([
    { sql: 'CREATE TABLE edges(a INTEGER, b INTEGER)' },
    // Both engines then read a node's edges in (a, b) order, so rows of one step come in one order.
    { sql: 'CREATE INDEX edges_ab ON edges(a, b)' },
    ...edges.map(([a, b]) => ({ sql: 'INSERT INTO edges VALUES (?, ?)', params: [a, b] })),
    { sql: 'CREATE TABLE t(a)' },
    { sql: 'INSERT INTO t VALUES (1), (2)' },
  ]);
}

describe('recursive CTEs agree with SQLite', () => {
  it('fixed queries and errors', async () => {
    const bytes = await database([[1, 2], [2, 3], [3, 1], [3, 4], [5, 6]]);
    for (const sql of FIXED) await expectSameAsSqlite(bytes, sql, true);
  });

  it('graph walks over random edges: UNION, UNION ALL with a depth bound, BFS/DFS orders, LIMIT', async () => {
    const edge = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(edge, { maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('UNION', 'UNION ALL'),
        fc.constantFrom('', 'ORDER BY 2', 'ORDER BY 2 DESC', 'ORDER BY 1 DESC, 2'),
        fc.constantFrom('', 'LIMIT 5', 'LIMIT 3 OFFSET 2', 'LIMIT -1 OFFSET 1'),
        async (edges, start, op, order, limit) => {
          const bytes = await database(edges);
          const depth = op === 'UNION' ? '' : ' AND w.d < 4';
          const sql =
            `WITH RECURSIVE w(n, d) AS (SELECT ${start}, 0 ${op} SELECT e.b, w.d + ${op === 'UNION' ? '0' : '1'} FROM w JOIN edges e ON e.a = w.n WHERE 1${depth} ${order} ${limit}) ` +
            'SELECT n, d FROM w';
          await expectSameAsSqlite(bytes, sql, true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
