/**
 * The planner: which path each query takes (EXPLAIN QUERY PLAN-style lines), that the path
 * gives SQLite's answer, and that it reads only the pages it needs — a point query no more than
 * the b-tree depth (plus the index path), LIMIT 10 a handful, a full scan streaming its first
 * row before the scan ends with the page cache bounded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareQuery } from '../../../src/api/statement.js';
import { TableCursor } from '../../../src/btree/table-cursor.js';
import { IndexCursor } from '../../../src/btree/index-cursor.js';
import type { QueryContext } from '../../../src/exec/select/query-types.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { typedQuery } from '../../support/sqljs.js';
import { openBytes, runTyped } from './support.js';

const ROWS = 60_000;
let bytes: Uint8Array;
let cleanup: () => void;

beforeAll(() => {
  const t = tempDir('s3lite-plan');
  cleanup = t.cleanup;
  const path = join(t.dir, 'big.sqlite');
  sqlite3(
    path,
    `PRAGMA page_size=4096;
     CREATE TABLE big(id INTEGER PRIMARY KEY, a INT, b TEXT, c);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
       INSERT INTO big SELECT i, (i * 7919) % 1000, 'name-' || (i % 500), i * 0.5 FROM n;
     CREATE INDEX big_a ON big(a);
     CREATE INDEX big_bc ON big(b, c DESC);
     CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
       INSERT INTO w SELECT 'k' || i, i FROM n;
     CREATE TABLE small(x, y);
     INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');`,
  );
  bytes = new Uint8Array(readFileSync(path));
});
afterAll(() => cleanup());

/** Pages read by one run of `sql` on a cold cache. */
async function coldReads(sql: string, params?: unknown[]): Promise<{ reads: number; rows: number }> {
  const ctx = await openBytes(bytes);
  const before = ctx.pager.stats.reads;
  let rows = 0;
  for await (const _ of prepareQuery(ctx, sql).typedIterate(params)) rows++;
  return { reads: ctx.pager.stats.reads - before, rows };
}

/** Depth of a b-tree: the pages a cold descent to its first entry reads. */
async function depth(name: string): Promise<number> {
  const ctx = await openBytes(bytes);
  const obj = ctx.schema.table(name) ?? ctx.schema.index(name)!;
  const before = ctx.pager.stats.reads;
  const c = obj.kind === 'table' && !obj.withoutRowid ? new TableCursor(ctx.pager, obj.rootPage) : new IndexCursor(ctx.pager, obj.rootPage);
  await c.first();
  return ctx.pager.stats.reads - before;
}

async function sameAsSqlite(ctx: QueryContext, sql: string, columns: string[]): Promise<void> {
  const want = await typedQuery(bytes, `SELECT ${columns.join(', ')}, ${columns.map((c) => `typeof(${c})`).join(', ')} FROM (${sql})`);
  const got = await runTyped(ctx, sql);
  expect(got, sql).toEqual(want);
}

describe('planner', () => {
  it('chooses rowid seeks, index seeks, covering indexes and order-giving scans', async () => {
    const ctx = await openBytes(bytes);
    const plan = (sql: string) => prepareQuery(ctx, sql).plan();
    expect(plan('SELECT * FROM big WHERE id = 5')).toEqual(['SEARCH big USING INTEGER PRIMARY KEY (rowid=?)']);
    expect(plan('SELECT * FROM big WHERE rowid IN (1, 2, 3)')).toEqual(['SEARCH big USING INTEGER PRIMARY KEY (rowid=?)']);
    expect(plan('SELECT * FROM big WHERE id > 10 AND id <= 20')).toEqual(['SEARCH big USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)']);
    expect(plan('SELECT * FROM big WHERE a = 5')).toEqual(['SEARCH big USING INDEX big_a (a=?)']);
    expect(plan('SELECT id, a FROM big WHERE a > 5 AND a < 10')).toEqual(['SEARCH big USING COVERING INDEX big_a (a>? AND a<?)']);
    expect(plan("SELECT * FROM big WHERE b = 'name-3' AND c > 100")).toEqual(['SEARCH big USING INDEX big_bc (b=? AND c>?)']);
    expect(plan('SELECT * FROM big ORDER BY id DESC LIMIT 3')).toEqual(['SCAN big']);
    expect(plan('SELECT * FROM big ORDER BY a LIMIT 3')).toEqual(['SCAN big USING INDEX big_a']);
    expect(plan("SELECT * FROM big WHERE b = 'name-3' ORDER BY c DESC")).toEqual(['SEARCH big USING INDEX big_bc (b=?)']);
    expect(plan('SELECT * FROM big ORDER BY c')).toEqual(['SCAN big', 'USE TEMP B-TREE FOR ORDER BY']);
    expect(plan("SELECT * FROM w WHERE k = 'k42'")).toEqual(['SEARCH w USING PRIMARY KEY (k=?)']);
    expect(plan('SELECT * FROM small JOIN big ON big.id = small.x')).toEqual(['SCAN small', 'SEARCH big USING INTEGER PRIMARY KEY (rowid=?)']);
    expect(plan('SELECT * FROM small WHERE x IN (SELECT a FROM big WHERE a < 3)')).toEqual([
      'SCAN small',
      'LIST SUBQUERY',
      '  SEARCH big USING COVERING INDEX big_a (a<?)',
    ]);
    expect(plan('SELECT * FROM big WHERE id IN (SELECT x FROM small)')).toEqual([
      'SEARCH big USING INTEGER PRIMARY KEY (rowid=?)',
      'LIST SUBQUERY',
      '  SCAN small',
    ]);
    expect(plan('SELECT * FROM big WHERE a IN (SELECT x FROM small)')[0]).toBe('SEARCH big USING INDEX big_a (a=?)');
    // EXPLAIN QUERY PLAN as a query: SQLite's four columns.
    const eqp = prepareQuery(ctx, 'EXPLAIN QUERY PLAN SELECT * FROM small WHERE x IN (SELECT id FROM big WHERE a = 1)');
    expect(eqp.columns()).toEqual(['id', 'parent', 'notused', 'detail']);
    expect(await eqp.all()).toEqual([
      { id: 1, parent: 0, notused: 0, detail: 'SCAN small' },
      { id: 2, parent: 0, notused: 0, detail: 'LIST SUBQUERY' },
      { id: 3, parent: 2, notused: 0, detail: 'SEARCH big USING COVERING INDEX big_a (a=?)' },
    ]);
    // A comparison under another collation cannot use the index.
    expect(plan("SELECT * FROM big WHERE b = 'NAME-3' COLLATE NOCASE")).toEqual(['SCAN big']);
  });

  it('answers through those paths exactly as SQLite does', async () => {
    const ctx = await openBytes(bytes);
    await sameAsSqlite(ctx, 'SELECT id, a, b, c FROM big WHERE id = 5', ['id', 'a', 'b', 'c']);
    await sameAsSqlite(ctx, 'SELECT id FROM big WHERE rowid IN (3, 1, 99999, 2) ORDER BY id', ['id']);
    await sameAsSqlite(ctx, 'SELECT id FROM big WHERE id > 10.5 AND id <= 20 ORDER BY id', ['id']);
    await sameAsSqlite(ctx, "SELECT id FROM big WHERE id > 'x' ORDER BY id", ['id']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big WHERE a = 5 ORDER BY id', ['id', 'a']);
    await sameAsSqlite(ctx, "SELECT id, a FROM big WHERE a = '5' ORDER BY id", ['id', 'a']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big WHERE a > 5 AND a < 8 ORDER BY id', ['id', 'a']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big WHERE a BETWEEN 997 AND 1000 ORDER BY id', ['id', 'a']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big WHERE a IN (7, 3, NULL) ORDER BY id', ['id', 'a']);
    await sameAsSqlite(ctx, "SELECT id, b, c FROM big WHERE b = 'name-3' AND c > 100 AND c < 2000 ORDER BY id", ['id', 'b', 'c']);
    await sameAsSqlite(ctx, "SELECT id, c FROM big WHERE b = 'name-3' ORDER BY c DESC LIMIT 5", ['id', 'c']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big ORDER BY a, id LIMIT 7', ['id', 'a']);
    await sameAsSqlite(ctx, 'SELECT id FROM big ORDER BY id DESC LIMIT 3 OFFSET 2', ['id']);
    await sameAsSqlite(ctx, "SELECT k, v FROM w WHERE k >= 'k4998' ORDER BY k", ['k', 'v']);
    await sameAsSqlite(ctx, 'SELECT x, big.a FROM small JOIN big ON big.id = small.x ORDER BY x', ['x', 'a']);
    await sameAsSqlite(ctx, 'SELECT count(*) AS n FROM big', ['n']);
    // A sort feeding LIMIT keeps only LIMIT + OFFSET rows.
    await sameAsSqlite(ctx, 'SELECT id, c FROM big ORDER BY a DESC, c LIMIT 5 OFFSET 3', ['id', 'c']);
    await sameAsSqlite(ctx, 'SELECT id, a FROM big WHERE id IN (SELECT x FROM small UNION SELECT NULL UNION SELECT 2.5) ORDER BY id', ['id', 'a']);
    await sameAsSqlite(ctx, "SELECT id, a FROM big WHERE a IN (SELECT x * 100 FROM small UNION ALL SELECT '7') ORDER BY id LIMIT 20", ['id', 'a']);
    await sameAsSqlite(ctx, 'SELECT s.x, (SELECT count(*) FROM big WHERE a IN (SELECT s.x)) AS n FROM small AS s ORDER BY 1', ['x', 'n']);
    await sameAsSqlite(ctx, 'SELECT count(*) AS n FROM big WHERE a < 10', ['n']);
  });

  it('index and rowid seeks over many pages return exactly the rows SQLite returns', async () => {
    const ctx = await openBytes(bytes);
    const num = fc.oneof(fc.integer({ min: -5, max: 1005 }), fc.constantFrom(0.5, 499.5, -0.0, 1e18), fc.integer({ min: 0, max: ROWS + 5 }));
    const lit = fc.oneof(
      num.map(String),
      num.map((n) => `'${n}'`),
      fc.constantFrom('NULL', "'name-1'", "'name-499'", "'name-250'", "'nam'", "x'00'", "'zzz'"),
    );
    const pred = fc.oneof(
      fc.tuple(fc.constantFrom('id', 'a', 'b', 'c'), fc.constantFrom('=', '<', '<=', '>', '>=', '=='), lit).map(([c, op, v]) => `${c} ${op} ${v}`),
      fc.tuple(fc.constantFrom('id', 'a', 'b'), lit, lit).map(([c, l, h]) => `${c} BETWEEN ${l} AND ${h}`),
      fc.tuple(fc.constantFrom('id', 'a', 'b'), fc.array(lit, { minLength: 1, maxLength: 4 })).map(([c, l]) => `${c} IN (${l.join(', ')})`),
    );
    // Conjunctions that an index answers (b = … AND c range uses big_bc), kept selective.
    const query = fc
      .tuple(pred, fc.option(pred, { nil: undefined }), fc.constantFrom('id', 'a', 'b, c DESC', 'id DESC'))
      .filter(([p]) => !p.startsWith('c '))
      .map(([p, q, order]) => `SELECT id, a, b, c FROM big WHERE ${p}${q === undefined ? '' : ` AND ${q}`} ORDER BY ${order}, id LIMIT 50`);
    await fc.assert(
      fc.asyncProperty(query, async (sql) => {
        await sameAsSqlite(ctx, sql, ['id', 'a', 'b', 'c']);
      }),
      { numRuns: 30 },
    );
  }, 60_000);

  it('reads only the pages on the path', async () => {
    const tableDepth = await depth('big');
    const indexDepth = await depth('big_a');
    const point = await coldReads('SELECT * FROM big WHERE id = ?', [31337]);
    expect(point.rows).toBe(1);
    expect(point.reads).toBeLessThanOrEqual(tableDepth);
    const viaIndex = await coldReads('SELECT * FROM big WHERE a = ? LIMIT 1', [123]);
    expect(viaIndex.rows).toBe(1);
    expect(viaIndex.reads).toBeLessThanOrEqual(indexDepth + tableDepth);
    const covering = await coldReads('SELECT id FROM big WHERE a = ?', [123]);
    expect(covering.rows).toBe(60);
    expect(covering.reads).toBeLessThanOrEqual(indexDepth + 1);
    const limited = await coldReads('SELECT * FROM big LIMIT 10');
    expect(limited.rows).toBe(10);
    expect(limited.reads).toBeLessThanOrEqual(tableDepth + 1);
    const wr = await coldReads("SELECT * FROM w WHERE k = 'k777'");
    expect(wr.rows).toBe(1);
    expect(wr.reads).toBeLessThanOrEqual(await depth('w'));
    // count(*) reads every page of the narrowest b-tree with one entry per row (here the index
    // on a), decoding nothing; a table without indexes reads its own pages.
    const ctx = await openBytes(bytes);
    const census = await import('../../../src/btree/page-census.js').then((m) =>
      m.censusPages(ctx.pager, [
        { name: 'big_a', rootPgno: ctx.schema.index('big_a')!.rootPage },
        { name: 'w', rootPgno: ctx.schema.table('w')!.rootPage },
      ]),
    );
    const indexPages = census.trees.find((t) => t.name === 'big_a')!;
    const wPages = census.trees.find((t) => t.name === 'w')!;
    expect(prepareQuery(ctx, 'SELECT count(*) FROM big').plan()).toEqual(['SCAN big USING COVERING INDEX big_a']);
    const count = await coldReads('SELECT count(*) FROM big');
    expect(count.reads).toBe(indexPages.indexInterior + indexPages.indexLeaf);
    const countW = await coldReads('SELECT count(*) FROM w');
    expect(countW.reads).toBe(wPages.indexInterior + wPages.indexLeaf);
  });

  it('streams: the first row comes before the scan ends, and the cache stays bounded', async () => {
    const ctx = await openBytes(bytes, 64 * 1024);
    const it = prepareQuery(ctx, 'SELECT * FROM big').typedIterate()[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value!.values[0]).toBe(1n);
    expect(ctx.pager.stats.reads).toBeLessThanOrEqual((await depth('big')) + 2);
    let n = 1;
    let maxCached = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      n++;
      if (n % 1000 === 0) maxCached = Math.max(maxCached, ctx.pager.cachedPages);
    }
    expect(n).toBe(ROWS);
    expect(maxCached).toBeLessThanOrEqual(16 + 2);
    expect(ctx.pager.stats.reads).toBeGreaterThan(100);
  });
});
