/**
 * min()/max() of an indexed column (or the rowid) from one end of the index (min-max-path.ts):
 * the plan is the sqlite3 shell's (3.40.1), the answer SQLite's (sql.js) — with NULLs, an
 * all-NULL column, an empty table, text under NOCASE, bare columns taken from the row holding
 * the value — and it reads a handful of pages, not the table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareQuery } from '../../../src/api/statement.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { expectSameAsSqlite } from './query-oracle.js';
import { openBytes } from './support.js';

const SETUP = `
  CREATE TABLE big(id INTEGER PRIMARY KEY, a INT, b TEXT COLLATE NOCASE, c);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
    INSERT INTO big SELECT i, CASE WHEN i % 10 = 0 THEN NULL ELSE (i * 7919) % 5000 END, printf('Name-%d', i % 777), i % 3 FROM n;
  CREATE INDEX big_a ON big(a);
  CREATE INDEX big_b ON big(b);
  CREATE TABLE nulls(x INT, y);
  INSERT INTO nulls VALUES (NULL, 1), (NULL, 2);
  CREATE INDEX nulls_x ON nulls(x);
  CREATE TABLE empty(x INT);
  CREATE INDEX empty_x ON empty(x);
`;

const QUERIES = [
  'SELECT max(a) FROM big',
  'SELECT min(a) FROM big',
  'SELECT min(id) FROM big',
  'SELECT max(id) FROM big',
  'SELECT max(a) + 1 FROM big',
  'SELECT max(b) FROM big',
  'SELECT min(b) FROM big',
  'SELECT max(x) FROM nulls',
  'SELECT min(x) FROM nulls',
  'SELECT max(x) FROM empty',
  'SELECT min(x) FROM empty',
];

let path: string;
let bytes: Uint8Array;
let dir: { dir: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir('s3lite-minmax');
  path = join(dir.dir, 'db.sqlite');
  sqlite3(path, SETUP);
  bytes = new Uint8Array(readFileSync(path));
});
afterAll(() => dir.cleanup());

function sqlitePlan(sql: string): string[] {
  return sqlite3(path, `EXPLAIN QUERY PLAN ${sql};`)
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.slice(l.indexOf('--') + 2));
}

describe('min()/max() from an index end', () => {
  it('plans as sqlite3 does', async () => {
    const ctx = await openBytes(bytes);
    for (const sql of QUERIES) expect(prepareQuery(ctx, sql).plan(), sql).toEqual(sqlitePlan(sql));
  });

  it('answers as SQLite does, bare columns included', async () => {
    for (const sql of [
      ...QUERIES,
      'SELECT max(a), id, c FROM big',
      'SELECT min(a), id FROM big',
      'SELECT min(b), id FROM big',
      'SELECT max(x), y FROM nulls',
      'SELECT min(x), y FROM nulls',
      'SELECT max(a), min(a) FROM big',
    ]) {
      await expectSameAsSqlite(bytes, sql);
    }
  });

  it('reads a few pages, not the table', async () => {
    const ctx = await openBytes(bytes);
    const before = ctx.pager.stats.reads;
    for await (const _ of prepareQuery(ctx, 'SELECT max(a), min(b), 0 FROM big').typedIterate()) void _;
    const scan = ctx.pager.stats.reads - before;
    const ctx2 = await openBytes(bytes);
    const before2 = ctx2.pager.stats.reads;
    for await (const _ of prepareQuery(ctx2, 'SELECT max(a) FROM big').typedIterate()) void _;
    const reads = ctx2.pager.stats.reads - before2;
    expect(reads).toBeLessThanOrEqual(6);
    expect(scan).toBeGreaterThan(20);
  });
});
