/**
 * PRAGMA optimize against sqlite3 (3.40.1, whose rules s3lite follows): the same database,
 * the same queries in one connection, then PRAGMA optimize — sqlite_stat1 afterwards equal row
 * for row (rowids included), and optimize(MASK) with bit 0x01 lists the same statements.
 * Covered: a table never analyzed whose non-unique index a query weighed (analyzed), one whose
 * only lookup was on a UNIQUE NOT NULL column (not), one analyzed at 20 rows and grown to 3,020
 * (re-analyzed), a range on a WITHOUT ROWID table's index (analyzed) but not on a UNIQUE
 * column (not), a WITHOUT ROWID table analyzed and queried (its own b-tree's row is named
 * by the table: left alone), tables nobody queried (left alone), and a mask without 0x02 (nothing).
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Database } from '../../src/index.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

const { dir, cleanup } = tempDir('s3lite-optimize');
afterAll(cleanup);

const SETUP = `
CREATE TABLE t(a, b);
CREATE INDEX t_a ON t(a);
CREATE TABLE u(x UNIQUE NOT NULL, y);
CREATE TABLE g(p, q);
CREATE INDEX g_p ON g(p);
CREATE TABLE "odd ""name"""(k, v);
CREATE INDEX odd_k ON "odd ""name"""(k);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO t SELECT i % 9, i FROM n;
INSERT INTO u SELECT b, a FROM t;
INSERT INTO g SELECT a, b FROM t LIMIT 20;
INSERT INTO "odd ""name""" SELECT a, b FROM t;
CREATE TABLE r(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE INDEX r_v ON r(v);
INSERT INTO r VALUES (1, 1), (2, 1), (3, 2);
CREATE TABLE w(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE INDEX w_v ON w(v);
INSERT INTO w SELECT b, a FROM t;
ANALYZE g;
ANALYZE w;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO g SELECT i % 5, i FROM n;
`;

const SESSIONS = [
  ['PRAGMA optimize'],
  ['SELECT count(*) FROM t WHERE a = 3', 'PRAGMA optimize'],
  ['SELECT * FROM u WHERE x = 5', 'PRAGMA optimize'],
  ['SELECT * FROM g WHERE p = 1 LIMIT 1', 'PRAGMA main.optimize'],
  ['SELECT * FROM g WHERE p = 1 LIMIT 1', 'SELECT * FROM t WHERE a = 1 LIMIT 1', 'SELECT * FROM "odd ""name""" WHERE k = 2', 'PRAGMA optimize(3)'],
  ['SELECT * FROM g WHERE p = 1 LIMIT 1', 'SELECT * FROM t WHERE a = 1 LIMIT 1', 'PRAGMA optimize(1)'],
  ['SELECT * FROM t WHERE a = 1 LIMIT 1', 'PRAGMA optimize(4)'],
  ['SELECT * FROM w WHERE v = 3', 'PRAGMA optimize'],
  ['SELECT * FROM r WHERE v > 0', 'SELECT * FROM u WHERE x > 5', 'PRAGMA optimize(3)'],
  ['SELECT * FROM r WHERE k = 2', 'PRAGMA optimize(3)'],
];

it('analyzes what sqlite3 analyzes, after the same queries in one connection', async () => {
  const base = join(dir, 'base.sqlite');
  sqlite3(base, SETUP);
  for (const [i, session] of SESSIONS.entries()) {
    const theirsPath = join(dir, `theirs${i}.sqlite`);
    const oursPath = join(dir, `ours${i}.sqlite`);
    copyFileSync(base, theirsPath);
    copyFileSync(base, oursPath);
    const script = join(dir, `session${i}.sql`);
    writeFileSync(script, session.join(';\n') + ';\nSELECT rowid, * FROM sqlite_stat1;\n');
    const theirs = sqlite3(theirsPath, `.read ${script}`);
    const db = await Database.open(oursPath, { readonly: false });
    let ours = '';
    for (const sql of session) for (const row of (await db.run(sql)).rows ?? []) ours += Object.values(row).join('|') + '\n';
    await db.close();
    ours += sqlite3(oursPath, 'SELECT rowid, * FROM sqlite_stat1;');
    expect(ours, session.join('; ')).toBe(theirs);
    expect(integrityCheck(oursPath)).toBe('ok');
  }
});

it('PRAGMA optimize on a database opened read-only does nothing when nothing needs analysis', async () => {
  const path = join(dir, 'readonly.sqlite');
  sqlite3(path, SETUP);
  const db = await Database.open(path);
  await db.query('SELECT * FROM u WHERE x = 1');
  await expect(db.run('PRAGMA optimize')).resolves.toMatchObject({ changes: 0 });
  await db.query('SELECT * FROM t WHERE a = 1');
  await expect(db.run('PRAGMA optimize')).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
  await db.close();
});
