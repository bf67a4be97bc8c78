/**
 * Seeks for the WHERE and ORDER BY shapes SQLite serves from an index (issue 19, planner):
 * `x IS NULL` / `x ISNULL` / `x IS y` as an equality seek that finds NULLs; `a = 1 OR a = 2` as
 * `a IN (1, 2)`; `a = 1 OR c = 2` as a MULTI-INDEX OR (a union of seeks, each row once); and
 * `ORDER BY … DESC` read backwards from an ascending index (or a rowid range from its top)
 * instead of sorted. The plans are
 * the sqlite3 shell's (3.40.1), the answers SQLite's (sql.js), fixed and random.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareQuery } from '../../../src/api/statement.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { expectSameAsSqlite, ourOutcome, sameQueryOutcome, showOutcome, sqliteOutcome } from './query-oracle.js';
import { openBytes } from './support.js';

const SETUP = `
  CREATE TABLE t(a INTEGER, b TEXT COLLATE NOCASE, c INTEGER, d REAL);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
    INSERT INTO t SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 7919) % 1000 END,
                         CASE WHEN i % 11 = 0 THEN NULL ELSE 'Name-' || (i % 97) END,
                         CASE WHEN i % 5 = 0 THEN NULL ELSE i % 13 END, i * 0.25 FROM n;
  CREATE INDEX ta ON t(a);
  CREATE INDEX tb ON t(b);
  CREATE INDEX tcd ON t(c, d DESC);
  CREATE TABLE u(x INTEGER PRIMARY KEY, y TEXT);
  INSERT INTO u SELECT a, b FROM t WHERE a IS NOT NULL GROUP BY a;
  CREATE TABLE w(p, q);
  INSERT INTO w VALUES (1, 2), (3, NULL), (NULL, 4), (17, 12);
`;

/** Queries whose plan is the sqlite3 shell's, line for line. */
const PLANNED = [
  'SELECT count(*) FROM t WHERE a IS NULL',
  'SELECT count(*) FROM t WHERE a ISNULL',
  'SELECT b FROM t WHERE a IS 14',
  'SELECT d FROM t WHERE c IS NULL AND d > 100',
  'SELECT count(*) FROM u, t WHERE t.a IS u.x',
  'SELECT b FROM t WHERE a = 5 OR a = 7',
  'SELECT b FROM t WHERE a = 5 OR 7 = a OR a = 8',
  'SELECT y FROM u WHERE x = 5 OR x = 7',
  'SELECT a FROM t WHERE a IS NULL OR a = 3',
  'SELECT a FROM t WHERE a = 5 OR c = 3 ORDER BY 1 LIMIT 3',
  "SELECT count(*) FROM t WHERE a = 5 OR b = 'name-3' OR a > 990",
  'SELECT count(*) FROM w, t WHERE t.a = w.p OR t.c = w.q',
  'SELECT a FROM t ORDER BY a DESC',
  'SELECT a FROM t WHERE a > 990 ORDER BY a DESC',
  'SELECT a FROM t WHERE a < 10 ORDER BY a DESC',
  'SELECT a FROM t WHERE a BETWEEN 7 AND 14 ORDER BY a DESC',
  'SELECT c, d FROM t WHERE c = 3 ORDER BY d',
  'SELECT b FROM t ORDER BY b DESC LIMIT 5',
  'SELECT x FROM u WHERE x > 990 ORDER BY x DESC',
  'SELECT y FROM u WHERE x BETWEEN 7.5 AND 12.5 ORDER BY rowid DESC',
];

/** More shapes, answers only. */
const ANSWERED = [
  ...PLANNED,
  'SELECT a FROM t WHERE a < 14 AND a > 7 ORDER BY a DESC',
  'SELECT a FROM t WHERE a >= 995 ORDER BY a DESC',
  'SELECT a, rowid FROM t WHERE a IS NULL ORDER BY a DESC LIMIT 5',
  'SELECT c, d FROM t WHERE c = 3 AND d < 500 ORDER BY d',
  'SELECT c, d FROM t WHERE c = 3 AND d > 100 ORDER BY d DESC',
  'SELECT c, d FROM t WHERE c IS NULL ORDER BY d',
  'SELECT c, d FROM t WHERE c > 10 ORDER BY c DESC, d',
  "SELECT b FROM t WHERE b = 'NAME-5' OR b = 'name-6' ORDER BY b DESC",
  'SELECT count(*) FROM t WHERE a = 1 OR a = 1 OR c = 1',
  'SELECT count(*) FROM t WHERE (a = 5 AND c = 5) OR a IS NULL OR c IS NULL',
  'SELECT w.p, count(t.rowid) FROM w LEFT JOIN t ON t.a = w.p OR t.c = w.q GROUP BY w.p',
  "SELECT a FROM t WHERE a = '5' OR a = 5.0 OR a = x'35'",
  'SELECT x FROM u WHERE x IS NULL',
  'SELECT x FROM u WHERE x < 14 AND x > 7 ORDER BY x DESC',
  "SELECT x FROM u WHERE x < 'a' AND x > 995 ORDER BY x DESC",
  'SELECT x FROM u WHERE x < -5 ORDER BY x DESC',
  'SELECT x FROM u WHERE x <= 9223372036854775807 AND x > 990.5 ORDER BY x DESC',
  'SELECT x FROM u WHERE x < 1e300 AND x >= -1e300 ORDER BY x DESC LIMIT 3',
  'SELECT a FROM t ORDER BY a DESC NULLS FIRST LIMIT 3',
  'SELECT a FROM t ORDER BY a ASC NULLS LAST LIMIT 3',
];

let path: string;
let bytes: Uint8Array;
let dir: { dir: string; cleanup: () => void };
beforeAll(() => {
  dir = tempDir('s3lite-seeks');
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
    // `|  `--X` is depth 1: three characters a level; ours indents two spaces a level.
    .map((l) => '  '.repeat((l.indexOf('--') - 1) / 3) + l.slice(l.indexOf('--') + 2));
}

describe('IS NULL, OR and DESC seeks', () => {
  it('plans as sqlite3 does', async () => {
    const ctx = await openBytes(bytes);
    for (const sql of PLANNED) expect(prepareQuery(ctx, sql).plan(), sql).toEqual(sqlitePlan(sql));
  });

  it('answers as SQLite does', async () => {
    for (const sql of ANSWERED) await expectSameAsSqlite(bytes, sql);
  });

  it('random WHERE of IS NULL, OR and ranges, ORDER BY either way', async () => {
    const col = fc.constantFrom('a', 'c', 'd', 'b', 'rowid');
    const val = fc.oneof(fc.integer({ min: -2, max: 1002 }).map(String), fc.constantFrom('NULL', "'Name-3'", "'name-40'", '2.5', "'7'"));
    const term = fc.oneof(
      fc.tuple(col, fc.constantFrom('=', '<', '<=', '>', '>=', 'IS'), val).map(([c, op, v]) => `${c} ${op} ${v}`),
      col.map((c) => `${c} IS NULL`),
      fc.tuple(col, val, val).map(([c, x, y]) => `${c} BETWEEN ${x} AND ${y}`),
    );
    const conj = fc.array(term, { minLength: 1, maxLength: 2 }).map((ts) => ts.join(' AND '));
    const where = fc.array(conj, { minLength: 1, maxLength: 3 }).map((ds) => ds.map((d) => `(${d})`).join(' OR '));
    const order = fc.option(fc.tuple(col, fc.boolean(), fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST')), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(where, order, fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), async (w, o, limit) => {
        const by = o === undefined ? '' : ` ORDER BY ${o[0]}${o[1] ? ' DESC' : ''}${o[2]}`;
        const lim = limit === undefined || o === undefined ? '' : ` LIMIT ${limit}`;
        const sql = `SELECT rowid, a, b, c, d FROM t WHERE ${w}${by}${lim}`;
        const ours = await ourOutcome(bytes, sql);
        const theirs = await sqliteOutcome(bytes, sql);
        // Ties under ORDER BY (and a LIMIT among them) may come in any order: the ordered key's
        // sequence must match, the rows as a multiset unless a LIMIT cut through ties.
        const key = o === undefined ? -1 : ['rowid', 'a', 'b', 'c', 'd'].indexOf(o[0]);
        const keys = (r: typeof ours) => (r.ok ? r.rows.map((x) => JSON.stringify(x.values[key] ?? null)) : []);
        const ok = key < 0 ? sameQueryOutcome(ours, theirs, false) : lim === '' ? sameQueryOutcome(ours, theirs, false) && JSON.stringify(keys(ours)) === JSON.stringify(keys(theirs)) : JSON.stringify(keys(ours)) === JSON.stringify(keys(theirs));
        if (!ok) throw new Error(`${sql}\n  ours:\n    ${showOutcome(ours)}\n  sqlite:\n    ${showOutcome(theirs)}`);
      }),
      { numRuns: 150 },
    );
  });
});
