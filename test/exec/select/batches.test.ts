/**
 * The executor's batched row pipeline (compile-select.ts joinRows / streamBatches,
 * access-path.ts RowSource): rows read without waiting go out together, a batch ends where the
 * scan must wait for a page (a leaf boundary, an overflow chain). These tests check that the
 * batching changes no result: LIMIT/OFFSET across batch boundaries, filters, joins, correlated
 * subqueries, an error on a later row (it comes after the rows before it, and not at all past
 * the LIMIT), and a stream a commit overlapped (BusyError, as before).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { prepareQuery } from '../../../src/api/statement.js';
import { TableCursor } from '../../../src/btree/table-cursor.js';
import { BusyError, SqliteError } from '../../../src/errors.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import { normalize, sqljs, sqljsClass } from '../../support/sqljs.js';
import { makeDatabaseBytes } from '../../support/sqlite3.js';
import { INITIAL_SQL, uploadDatabase } from '../../safety/harness.js';
import { openBytes, runTyped, type TypedResult } from './support.js';

const ROWS = 600;
// Small pages: many leaves; every 9th row overflows (3000 bytes), every 13th nearly fills a page.
const bytes = makeDatabaseBytes(`
  PRAGMA page_size = 1024;
  CREATE TABLE t(id INTEGER PRIMARY KEY, k INT, s TEXT, b BLOB);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO t SELECT i, i % 7, printf('s%d', i),
      CASE WHEN i % 9 = 0 THEN zeroblob(3000) WHEN i % 13 = 0 THEN randomblob(900) ELSE randomblob(i % 40) END FROM n;
  CREATE TABLE u(id INTEGER PRIMARY KEY, tid INT, note TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
    INSERT INTO u SELECT i, (i * 37) % 650, CASE WHEN i % 5 = 0 THEN 'x' ELSE 'n' || i END FROM n;
  CREATE INDEX u_tid ON u(tid);
`);

/** SQLite's answer (sql.js): values and storage classes, as runTyped gives ours. */
async function oracle(sql: string): Promise<TypedResult[]> {
  const SQL = await sqljs();
  const db = new SQL.Database(bytes);
  try {
    const stmt = db.prepare(sql);
    const out: TypedResult[] = [];
    while (stmt.step()) {
      const raw = stmt.get(null, { useBigInt: true });
      out.push({ values: raw.map(normalize), classes: raw.map(sqljsClass) });
    }
    stmt.free();
    return out;
  } finally {
    db.close();
  }
}

describe('batched SELECT pipeline', () => {
  it('the test table really has overflow rows and many leaves', async () => {
    const ctx = await openBytes(bytes);
    const cursor = new TableCursor(ctx.pager, ctx.schema.table('t')!.rootPage);
    let overflow = 0;
    let leafMoves = 0;
    for (let ok = await cursor.first(); ok; ) {
      if (cursor.localPayload() === undefined) overflow++;
      const moved = cursor.nextInLeaf();
      if (moved === undefined) {
        leafMoves++;
        ok = await cursor.next();
      } else ok = moved;
    }
    expect(overflow).toBeGreaterThan(50);
    expect(leafMoves).toBeGreaterThan(50);
  });

  it('SELECT * (and filters) with any LIMIT / OFFSET give SQLite\'s rows, through iterate, all and get', async () => {
    const ctx = await openBytes(bytes, 256 * 1024);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1, max: ROWS + 10 }),
        fc.integer({ min: -2, max: ROWS + 10 }),
        fc.constantFrom('', 'WHERE k <> 3', 'WHERE id > 250', 'WHERE id BETWEEN 17 AND 431', 'WHERE id IN (9, 18, 5, 600, 601)'),
        fc.constantFrom('', 'ORDER BY id DESC', 'ORDER BY k, id'),
        fc.boolean(),
        async (limit, offset, where, order, distinct) => {
          const sql = `SELECT ${distinct ? 'DISTINCT k, ' : ''}id, s, b FROM t ${where} ${order} LIMIT ${limit} OFFSET ${offset}`;
          const want = await oracle(sql);
          expect(await runTyped(ctx, sql), sql).toEqual(want);
          const stmt = prepareQuery(ctx, sql);
          const all = await stmt.all();
          expect(all.length, sql).toBe(want.length);
          const first = await stmt.get();
          expect(first === undefined ? undefined : Object.values(first), sql).toEqual(want[0]?.values);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reverse scans, WITHOUT ROWID scans and index searches on cached pages go out in batches, with SQLite\'s rows', async () => {
    // A step within a leaf, a payload on the page and a table lookup on cached pages take no
    // Promise: such rows join a batch, which ends only where a page must be waited for. So a
    // second run (every page cached) hands out far fewer batches than rows — one per row before.
    const db = makeDatabaseBytes(`
      PRAGMA page_size = 1024;
      CREATE TABLE t(id INTEGER PRIMARY KEY, k INT, s TEXT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
        INSERT INTO t SELECT i, (i * 7919) % 1000, printf('row %d', i) FROM n;
      CREATE INDEX t_k ON t(k);
      CREATE TABLE w(k TEXT PRIMARY KEY, v INT, pad TEXT) WITHOUT ROWID;
      INSERT INTO w SELECT printf('key %05d', id), id, CASE WHEN id % 97 = 0 THEN zeroblob(2000) ELSE s END FROM t;
    `);
    const ctx = await openBytes(db, 4 * 1024 * 1024);
    const SQL = await sqljs();
    const theirs = new SQL.Database(db);
    try {
      for (const sql of [
        'SELECT * FROM t ORDER BY id DESC',
        'SELECT * FROM w',
        'SELECT * FROM w ORDER BY k DESC',
        'SELECT * FROM t WHERE k BETWEEN 100 AND 700',
        'SELECT k, id FROM t WHERE k > 200',
        "SELECT * FROM w WHERE k > 'key 01000' AND k < 'key 02500'",
      ]) {
        const stmt = theirs.prepare(sql);
        const want: unknown[][] = [];
        while (stmt.step()) want.push(stmt.get(null, { useBigInt: true }).map(normalize));
        stmt.free();
        expect(want.length, sql).toBeGreaterThan(40);
        expect((await runTyped(ctx, sql)).map((r) => r.values), sql).toEqual(want);
        let batches = 0;
        let rows = 0;
        for await (const batch of prepareQuery(ctx, sql).typedBatches()) {
          batches++;
          rows += batch.length;
        }
        expect(rows, sql).toBe(want.length);
        expect(batches, sql).toBeLessThan(rows / 4);
      }
    } finally {
      theirs.close();
    }
  });

  it('a consumer that stops early gets exactly the first rows', async () => {
    const ctx = await openBytes(bytes, 256 * 1024);
    const want = await oracle('SELECT id, b FROM t');
    for (const stop of [1, 2, 9, 10, 17, 100]) {
      const got: unknown[] = [];
      for await (const { values } of prepareQuery(ctx, 'SELECT id, b FROM t').typedIterate()) {
        got.push(values[0]);
        if (got.length === stop) break;
      }
      expect(got).toEqual(want.slice(0, stop).map((r) => BigInt(r.values[0] as number)));
    }
  });

  it('joins (LEFT JOIN NULL rows included), correlated and uncorrelated subqueries agree with SQLite', async () => {
    const ctx = await openBytes(bytes, 256 * 1024);
    const queries = [
      'SELECT t.id, u.id, u.note FROM t LEFT JOIN u ON u.tid = t.id WHERE t.id < 120',
      "SELECT t.id, u.id FROM t LEFT JOIN u ON u.tid = t.id AND u.note <> 'x' WHERE u.id IS NULL AND t.k = 2",
      'SELECT t.id, (SELECT count(*) FROM u WHERE u.tid = t.id) AS c, (SELECT max(note) FROM u WHERE u.tid = t.id) FROM t LIMIT 80 OFFSET 7',
      "SELECT id, length(b) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id AND u.note <> 'x') ORDER BY id DESC",
      "SELECT id FROM t WHERE id IN (SELECT tid FROM u WHERE note = 'x') AND k > (SELECT min(k) FROM t)",
      'SELECT a.id, b.id FROM t AS a JOIN t AS b ON b.id = a.id + 1 JOIN u ON u.tid = b.id WHERE a.k = 1',
      'SELECT x.id, x.n FROM (SELECT id, length(b) AS n FROM t WHERE id % 3 = 0) AS x WHERE x.n > 10 LIMIT 30',
      'SELECT k, count(*), sum(length(b)) FROM t GROUP BY k HAVING count(*) > 80 ORDER BY 2 DESC, 1 LIMIT 3',
      'SELECT id FROM t WHERE id < 40 UNION ALL SELECT tid FROM u WHERE id < 10 LIMIT 45 OFFSET 3',
      'SELECT id FROM t WHERE id % 50 = 0 UNION SELECT tid FROM u WHERE tid % 50 = 0 ORDER BY 1 DESC',
      // Terms that read no column, with and without a subquery (tested before the loops).
      'SELECT id, k FROM t WHERE (SELECT count(*) FROM u) > 5 LIMIT 12',
      'SELECT id FROM t WHERE (SELECT count(*) FROM u) > 5000',
      'SELECT t.id, u.id FROM t JOIN u ON u.tid = t.id WHERE (SELECT max(id) FROM u) = 400 AND 1 LIMIT 20',
      'SELECT (SELECT count(*) FROM u) AS n WHERE (SELECT 1)',
    ];
    for (const sql of queries) expect(await runTyped(ctx, sql), sql).toEqual(await oracle(sql));
  });

  it('an error on a later row comes after the rows before it, and not at all past the LIMIT or after get()', async () => {
    const ctx = await openBytes(bytes, 256 * 1024);
    const sql = 'SELECT id, CASE WHEN id = 40 THEN abs(-9223372036854775807 - 1) ELSE id END AS v FROM t';
    await expect(oracle(sql)).rejects.toThrow(/integer overflow/);
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const { values } of prepareQuery(ctx, sql).typedIterate()) seen.push(values[0]);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteError);
    expect((err as Error).message).toMatch(/integer overflow/);
    expect(seen).toEqual(Array.from({ length: 39 }, (_, i) => BigInt(i + 1)));
    await expect(prepareQuery(ctx, sql).all()).rejects.toThrow(/integer overflow/);
    await expect(prepareQuery(ctx, sql).get()).resolves.toEqual({ id: 1, v: 1 });
    const early = sql.replace('id = 40', 'id = 2');
    await expect(prepareQuery(ctx, early).get()).resolves.toEqual({ id: 1, v: 1 });
    const firstOnly: unknown[] = [];
    const err2 = await (async () => {
      for await (const { values } of prepareQuery(ctx, early).typedIterate()) firstOnly.push(values[0]);
    })().catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/integer overflow/);
    expect(firstOnly).toEqual([1n]);
    expect(await runTyped(ctx, `${sql} LIMIT 39`)).toEqual(await oracle(`${sql} LIMIT 39`));
    // In a scalar subquery only the first row counts.
    const sub = `SELECT (${sql.replace('SELECT id, ', 'SELECT ')}) AS first`;
    expect(await runTyped(ctx, sub)).toEqual(await oracle(sub));
  });

  it('iterate() reports a binding error from its first next(), typedIterate() and get() as before', async () => {
    const ctx = await openBytes(bytes);
    const stmt = prepareQuery(ctx, 'SELECT id FROM t WHERE id = ?');
    const it = stmt.iterate([1, 2]);
    await expect(it.next()).rejects.toThrow(/2 values given for 1 parameter/);
    expect(() => stmt.typedIterate([1, 2])).toThrow(/2 values given for 1 parameter/);
    await expect(stmt.get([1, 2])).rejects.toThrow(/2 values given/);
    await expect(stmt.get([7])).resolves.toEqual({ id: 7 });
  });

  it('a prepared statement\'s stream that a commit overlapped after its first row ends with BusyError', async () => {
    const base = new MemoryObjectStore();
    await uploadDatabase(base, 'db', makeDatabaseBytes(INITIAL_SQL), 1024);
    const reader = await Database.open({ objects: base, prefix: 'db' });
    const writer = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    const stmt = await reader.prepare('SELECT id, v FROM t1');
    let n = 0;
    const err = await (async () => {
      for await (const _ of stmt.iterate()) {
        if (++n === 1) await writer.exec("UPDATE t1 SET v = 'moved' WHERE id = 50");
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect((err as Error).message).toMatch(/overlapped a read after \d+ rows?; read again/);
    // A fresh run (retried before its first row if need be) sees the commit.
    await expect((await reader.prepare('SELECT v FROM t1 WHERE id = ?')).get([50])).resolves.toEqual({ v: 'moved' });
    await writer.close();
    await reader.close();
  });
});
