/**
 * sqlite_stat1 in the cost model (src/schema/stat1.ts): a database that SQLite's ANALYZE
 * measured is planned with its numbers — the index of the more selective column, the small
 * table outside the join — as the sqlite3 shell (3.40.1) plans it, and without them as before;
 * answers equal SQLite's (sql.js); malformed stat text is ignored, never an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { parseStat } from '../../../src/schema/stat1.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { expectSameAsSqlite } from './query-oracle.js';

const SETUP = `
  CREATE TABLE t(a INTEGER, b INTEGER, c TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
    INSERT INTO t SELECT i % 2, i % 5000, 'c' || i FROM n;
  CREATE INDEX ia ON t(a);
  CREATE INDEX ib ON t(b);
  CREATE INDEX iac ON t(a, c);
  CREATE TABLE s(y INTEGER, z);
  INSERT INTO s VALUES (1, 1), (2, 2), (3, 3);
  CREATE INDEX sy ON s(y);
  CREATE TABLE big(x INTEGER, w);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO big SELECT i % 100, i FROM n;
  CREATE INDEX bx ON big(x);
`;

const QUERIES = [
  'SELECT * FROM t WHERE a = 1 AND b = 5',
  'SELECT * FROM t WHERE b = 5 AND a = 1',
  'SELECT * FROM t WHERE a = 1',
  "SELECT * FROM t WHERE a = 1 AND c = 'c5'",
  'SELECT * FROM big, s WHERE big.x = s.y',
  'SELECT * FROM s, big WHERE big.x = s.y',
  'SELECT * FROM big, t WHERE big.x = t.b AND t.a = 1 AND big.w < 300',
  'SELECT count(*) FROM big JOIN t ON t.b = big.x WHERE big.w < 10',
];

let dir: { dir: string; cleanup: () => void };
let analyzed: string;
let plain: string;
beforeAll(() => {
  dir = tempDir('s3lite-stat1');
  analyzed = join(dir.dir, 'analyzed.sqlite');
  plain = join(dir.dir, 'plain.sqlite');
  sqlite3(analyzed, `${SETUP} ANALYZE;`);
  sqlite3(plain, SETUP);
});
afterAll(() => dir.cleanup());

/** sqlite3's plan lines, without its bloom filters (s3lite has none: README). */
function sqlitePlan(path: string, sql: string): string[] {
  return sqlite3(path, `EXPLAIN QUERY PLAN ${sql};`)
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.slice(l.indexOf('--') + 2))
    .filter((l) => !l.startsWith('BLOOM FILTER'));
}

async function ourPlan(path: string, sql: string): Promise<string[]> {
  const db = await Database.open(path);
  try {
    return (await db.query(`EXPLAIN QUERY PLAN ${sql}`)).map((r) => String(r.detail));
  } finally {
    await db.close();
  }
}

describe('sqlite_stat1', () => {
  it('plans an analyzed database with its numbers, as sqlite3 does', async () => {
    for (const sql of QUERIES) expect(await ourPlan(analyzed, sql), sql).toEqual(sqlitePlan(analyzed, sql));
  });

  it('the numbers change the plan: without them the join keeps the default estimates', async () => {
    const sql = 'SELECT * FROM big, s WHERE big.x = s.y';
    expect(await ourPlan(plain, sql)).toEqual(sqlitePlan(plain, sql));
    expect(await ourPlan(plain, sql)).not.toEqual(await ourPlan(analyzed, sql));
  });

  it('answers as SQLite does', async () => {
    const bytes = new Uint8Array(readFileSync(analyzed));
    for (const sql of QUERIES) await expectSameAsSqlite(bytes, sql, false);
  });

  it('reads the numbers of stat text as SQLite does, and ignores malformed rows', async () => {
    expect(parseStat('10000 5000 1')).toEqual([10000, 5000, 1]);
    expect(parseStat('10000 2 unordered sz=12')).toEqual([10000, 2]);
    expect(parseStat('x 1')).toEqual([]);
    expect(parseStat('')).toEqual([]);
    const path = join(dir.dir, 'odd.sqlite');
    sqlite3(
      path,
      `${SETUP} ANALYZE;
       UPDATE sqlite_stat1 SET stat = 'garbage' WHERE idx = 'ib';
       INSERT INTO sqlite_stat1 VALUES ('t', 'no_such_index', '5 5'), (NULL, NULL, NULL), ('big', 'bx', x'00ff');`,
    );
    const db = await Database.open(path);
    try {
      expect((await db.query('SELECT count(*) AS n FROM t WHERE a = 1 AND b = 5'))[0]).toEqual({ n: 2 });
    } finally {
      await db.close();
    }
  });
});
