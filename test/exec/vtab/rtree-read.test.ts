/**
 * Reading SQLite's R*Tree virtual tables (rtree, rtree_i32) against the real sqlite3 shell on
 * files it made: the same rows in the same order (its depth-first walk) for random query
 * windows on deep trees, id lookups, IN lists, non-numeric bounds, joins, auxiliary columns;
 * EXPLAIN QUERY PLAN's line; corrupt nodes a CorruptError, never a hang (writes: rtree-write.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue, StorageClass } from '../../../src/record/value.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { openBytes, runTyped } from '../select/support.js';
import { prng } from '../../support/prng.js';

let dir: string;
let cleanup: () => void;

interface Tree {
  readonly file: string;
  readonly table: string;
  readonly dims: number;
  readonly int32: boolean;
  readonly coords: readonly string[];
}

/** Makes a file with an R*Tree of `rows` random boxes (ids shuffled, some deleted) and aux columns. */
function makeTree(name: string, dims: number, int32: boolean, rows: number, pageSize: number, seed: number, table = 't', coords?: string[]): Tree {
  const rnd = prng(seed);
  const names = coords ?? Array.from({ length: dims }, (_, d) => [`min${d}`, `max${d}`]).flat();
  const file = join(dir, `${name}.sqlite`);
  const values: string[] = [];
  for (let i = 0; i < rows; i++) {
    const id = 1 + Math.floor(rnd() * 1e6) * 7 + i * 0; // ids need not be dense
    const box: string[] = [];
    for (let d = 0; d < dims; d++) {
      const lo = int32 ? Math.floor(rnd() * 2000) - 1000 : rnd() * 200 - 100;
      const w = int32 ? Math.floor(rnd() * 50) : rnd() * 10;
      box.push(String(lo), String(lo + w));
    }
    values.push(`(${id + i * 7_000_003},${box.join(',')},'n${i % 97}',${i % 5 === 0 ? 'NULL' : i})`);
  }
  const batches: string[] = [];
  for (let i = 0; i < values.length; i += 500) batches.push(`INSERT INTO ${table} VALUES ${values.slice(i, i + 500).join(',')};`);
  sqlite3(
    file,
    `PRAGMA page_size=${pageSize};
     CREATE VIRTUAL TABLE ${table} USING ${int32 ? 'rtree_i32' : 'rtree'}(id, ${names.join(', ')}, +label, +n);
     ${batches.join('\n')}
     DELETE FROM ${table} WHERE id % 13 = 0;
     CREATE TABLE probe(k INTEGER PRIMARY KEY, lo, hi);
     INSERT INTO probe VALUES (1, -50, -20), (2, 0, 5), (3, 30, 90);`,
  );
  return { file, table, dims, int32, coords: names };
}

/**
 * A value as the sqlite3 shell prints it in list mode, reals marked r (compared to the shell's
 * 15 significant digits, "%!.15g"), integers marked i (a real always prints with a point or
 * exponent).
 */
function ourField(v: SqlValue, cls: StorageClass | undefined): string {
  if (v === null) return '';
  if (cls === 'real') return `r${v as number}`;
  if (cls === 'integer') return `i${String(v)}`;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

function shellField(f: string): string {
  if (/^-?\d+$/.test(f)) return `i${f}`;
  if (/^-?(\d+\.\d*|\d+(\.\d*)?e[+-]?\d+|Inf)$/i.test(f)) return `r${Number(f)}`;
  return f;
}

async function ours(file: string, sql: string): Promise<string[]> {
  const ctx = await openBytes(new Uint8Array(readFileSync(file)));
  return (await runTyped(ctx, sql)).map((r) => r.values.map((v, i) => ourField(v, r.classes[i])).join('|'));
}

function theirsRaw(file: string, sql: string): string[] {
  const out = sqlite3(file, `${sql};`);
  return out === '' ? [] : out.replace(/\n$/, '').split('\n');
}

function theirs(file: string, sql: string): string[] {
  return theirsRaw(file, sql).map((l) => l.split('|').map(shellField).join('|'));
}

/** Reals match when they agree to the shell's 15 significant digits. */
function sameField(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a.startsWith('r') || !b.startsWith('r')) return false;
  const x = Number(a.slice(1));
  const y = Number(b.slice(1));
  return Math.abs(x - y) <= 1e-14 * Math.max(1, Math.abs(x));
}

async function expectSame(file: string, sql: string): Promise<string[]> {
  const a = await ours(file, sql);
  const b = theirs(file, sql);
  const same = a.length === b.length && a.every((row, i) => {
    const x = row.split('|');
    const y = b[i]!.split('|');
    return x.length === y.length && x.every((f, k) => sameField(f, y[k]!));
  });
  if (!same) expect(a, sql).toEqual(b);
  return a;
}

let t2: Tree;
let t3i: Tree;
let t1: Tree;
let gpkg: Tree;

beforeAll(() => {
  const t = tempDir('s3lite-rtree');
  dir = t.dir;
  cleanup = t.cleanup;
  t2 = makeTree('r2', 2, false, 3000, 1024, 1);
  t3i = makeTree('r3i', 3, true, 2500, 1024, 2);
  t1 = makeTree('r1', 1, false, 1500, 512, 3);
  // As GDAL names a GeoPackage's spatial index: rtree_<table>_<geometry column>(id, minx, maxx, miny, maxy).
  gpkg = makeTree('gpkg', 2, false, 1500, 4096, 4, 'rtree_boroughs_geom', ['minx', 'maxx', 'miny', 'maxy']);
});

afterAll(() => cleanup());

describe('rtree trees made by sqlite3', () => {
  it('are deep enough to exercise the descent (depth ≥ 2)', () => {
    for (const tr of [t2, t3i, t1]) {
      const depth = parseInt(theirsRaw(tr.file, `SELECT hex(substr(data,1,2)) FROM ${tr.table}_node WHERE nodeno=1`)[0]!, 16);
      expect(depth, tr.file).toBeGreaterThanOrEqual(2);
    }
  });

  it('full scans give every row in sqlite3’s order, with auxiliary columns and rowid', async () => {
    for (const tr of [t2, t3i, t1, gpkg]) {
      const rows = await expectSame(tr.file, `SELECT rowid, * FROM ${tr.table}`);
      expect(rows.length).toBeGreaterThan(300);
      await expectSame(tr.file, `SELECT count(*), sum(id), min(${tr.coords[0]}), max(${tr.coords[1]}) FROM ${tr.table}`);
    }
  });
});

const OPS = ['=', '<', '<=', '>', '>='] as const;

describe('random query windows equal sqlite3’s rows and order', () => {
  for (const which of ['2-D rtree', '3-D rtree_i32', '1-D rtree'] as const) {
    it(which, async () => {
      const tr = which === '2-D rtree' ? t2 : which === '3-D rtree_i32' ? t3i : t1;
      const ids = theirsRaw(tr.file, `SELECT id FROM ${tr.table} ORDER BY id LIMIT 50`);
      const bound = fc.oneof(
        tr.int32 ? fc.integer({ min: -1100, max: 1100 }) : fc.double({ min: -110, max: 110, noNaN: true }),
        fc.constantFrom(0, 1.5, -3),
      );
      const cond = fc.oneof(
        { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 * tr.dims - 1 }), fc.constantFrom(...OPS), bound, fc.boolean()).map(([c, op, v, flip]) => (flip ? `${v} ${op.replace('<', '#').replace('>', '<').replace('#', '>')} ${tr.coords[c]}` : `${tr.coords[c]} ${op} ${v}`)) },
        { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 * tr.dims - 1 }), bound, bound).map(([c, a, b]) => `${tr.coords[c]} BETWEEN ${Math.min(a, b)} AND ${Math.max(a, b)}`) },
        { weight: 1, arbitrary: fc.constantFrom(...ids).map((id) => `id = ${id}`) },
        { weight: 1, arbitrary: fc.constantFrom('label = \'n3\'', 'n > 1000', 'id > 100000000') },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(cond, { minLength: 0, maxLength: 5 }), async (conds) => {
          const where = conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`;
          await expectSame(tr.file, `SELECT * FROM ${tr.table}${where}`);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('a GeoPackage-style bbox query (rtree_<table>_geom)', async () => {
    await expectSame(gpkg.file, 'SELECT id FROM rtree_boroughs_geom WHERE maxx >= -20 AND minx <= -10 AND maxy >= 0 AND miny <= 30');
    await expectSame(gpkg.file, 'SELECT id, minx, maxy FROM rtree_boroughs_geom WHERE maxx >= -0.2 AND minx <= -0.1');
  });
});

describe('lookups and SQLite’s corner rules', () => {
  it('id = and rowid = look the entry up; non-integral or missing ids find nothing', async () => {
    const [id] = theirsRaw(t2.file, `SELECT id FROM t LIMIT 1 OFFSET 77`);
    for (const w of [`id = ${id}`, `rowid = ${id}`, `_rowid_ = '${id}'`, `id = ${id}.0`, `id = ${id}.5`, `id = 'x'`, 'id = NULL', 'id = 1', `${id} = id AND min0 > 1000`]) {
      await expectSame(t2.file, `SELECT * FROM t WHERE ${w}`);
    }
  });

  it('IN lists run one search per distinct value, ascending', async () => {
    const ids = theirsRaw(t2.file, `SELECT id FROM t LIMIT 4 OFFSET 100`);
    await expectSame(t2.file, `SELECT id, label FROM t WHERE id IN (${[...ids].reverse().join(',')}, ${ids[0]})`);
    const xs = theirsRaw(t3i.file, `SELECT min0 FROM t LIMIT 5 OFFSET 300`);
    await expectSame(t3i.file, `SELECT * FROM t WHERE min0 IN (${[...xs].reverse().join(',')}) AND max1 > -500`);
    // The tree's order is not the ids' order, so the ascending IN loop shows.
    expect([...ids].sort((a, b) => Number(a) - Number(b))).not.toEqual(ids);
    await expectSame(t2.file, `SELECT id FROM t WHERE id IN (SELECT ${ids.join(' UNION ALL SELECT ')} UNION ALL SELECT 'x')`);
    await expectSame(t3i.file, `SELECT id, min0 FROM t WHERE min0 IN (SELECT min0 FROM t WHERE id % 5 = 0 LIMIT 40 OFFSET 5)`);
  });

  it('non-numeric bounds: NULL matches nothing, text and blobs are above every number', async () => {
    for (const w of ["min0 < 'abc'", "min0 >= 'abc'", 'max1 > NULL', "min0 <= x'00'", "min0 > '5'", "'9' > max0"]) {
      await expectSame(t2.file, `SELECT id FROM t WHERE ${w}`);
    }
  });

  it('joins: the outer row’s values steer the inner tree', async () => {
    await expectSame(t2.file, 'SELECT k, id FROM probe, t WHERE t.min0 >= probe.lo AND t.max0 <= probe.hi AND t.min1 < 0');
    await expectSame(t2.file, 'SELECT k, count(t.id) FROM probe LEFT JOIN t ON t.min0 BETWEEN probe.lo AND probe.lo + 1 GROUP BY k');
  });

  it('correlated subqueries, views and CTEs over an rtree', async () => {
    await expectSame(t2.file, 'SELECT k, (SELECT count(*) FROM t WHERE t.min0 > probe.lo AND t.max0 < probe.hi) FROM probe');
    await expectSame(t2.file, 'WITH w AS (SELECT id, min0 FROM t WHERE min1 BETWEEN 1 AND 3) SELECT * FROM w WHERE min0 < 0');
    await expectSame(t2.file, 'SELECT k FROM probe WHERE EXISTS (SELECT 1 FROM t WHERE id = probe.k * 0 + 1 OR min0 > probe.hi + 9)');
  });

  it('ORDER BY, LIMIT and expressions over the columns', async () => {
    await expectSame(t3i.file, 'SELECT id, max0 - min0 AS w FROM t WHERE min2 > 100 ORDER BY w DESC, id LIMIT 20');
    await expectSame(gpkg.file, 'SELECT label, count(*) FROM rtree_boroughs_geom WHERE minx > 0 GROUP BY label ORDER BY label');
  });

  it('PRAGMA table_info / table_xinfo list the declared columns', async () => {
    for (const tr of [t2, t3i]) {
      await expectSame(tr.file, 'PRAGMA table_info(t)');
      await expectSame(tr.file, "SELECT * FROM pragma_table_xinfo('t')");
    }
  });

  it('EXPLAIN QUERY PLAN names the constraints as SQLite does', async () => {
    for (const q of ['SELECT * FROM t', 'SELECT * FROM t WHERE id = 5', 'SELECT * FROM t AS q WHERE min0 > 1 AND max1 < 3 AND min0 BETWEEN 1 AND 2', 'SELECT * FROM t WHERE 5 <= max0']) {
      const a = (await ours(t2.file, `EXPLAIN QUERY PLAN ${q}`)).map((l) => l.split('|').pop());
      const b = theirsRaw(t2.file, `EXPLAIN QUERY PLAN ${q}`).slice(1).map((l) => l.replace(/^`--/, ''));
      expect(a, q).toEqual(b);
    }
  });
});

describe('request economy', () => {
  /** Pages read by one run of `sql` on a cold cache, and its row count. */
  async function coldReads(file: string, sql: string): Promise<{ reads: number; rows: number }> {
    const ctx = await openBytes(new Uint8Array(readFileSync(file)));
    const before = ctx.pager.stats.reads;
    const rows = (await runTyped(ctx, sql)).length;
    return { reads: ctx.pager.stats.reads - before, rows };
  }

  it('a small window reads the nodes it needs, not the tree; an id lookup a few pages', async () => {
    const full = await coldReads(t2.file, 'SELECT id FROM t');
    const window = await coldReads(t2.file, 'SELECT id FROM t WHERE max0 >= 10 AND min0 <= 12 AND max1 >= -5 AND min1 <= -3');
    expect(window.rows).toBeGreaterThan(0);
    expect(window.reads * 5).toBeLessThan(full.reads);
    const [id] = theirsRaw(t2.file, 'SELECT id FROM t LIMIT 1 OFFSET 500');
    const lookup = await coldReads(t2.file, `SELECT id, min0 FROM t WHERE id = ${id}`);
    expect(lookup.rows).toBe(1);
    // x_rowid's b-tree path, then x_node's: a handful of pages whatever the table's size.
    expect(lookup.reads).toBeLessThanOrEqual(8);
  });
});

describe('corrupt nodes', () => {
  const corrupt = async (name: string, sql: string, query = 'SELECT * FROM t WHERE min0 > -1000'): Promise<void> => {
    const tr = makeTree(name, 1, false, 400, 512, 9);
    // The id of the first entry, for lookups.
    const first = theirsRaw(tr.file, 'SELECT min(rowid) FROM t_rowid')[0]!;
    sqlite3(tr.file, sql.replaceAll('$FIRST', first));
    query = query.replaceAll('$FIRST', first);
    await expect(ours(tr.file, query), name).rejects.toThrow(/malformed|rtree/);
  };
  it('a child pointer back to an ancestor (cycle) is a CorruptError, not a hang', async () => {
    // The first cell of the root points at the root itself.
    await corrupt('cycle', "UPDATE t_node SET data = substr(data,1,4) || x'0000000000000001' || substr(data,13) WHERE nodeno = 1");
  });
  it('a missing child node, a short blob, an absurd depth or cell count', async () => {
    await corrupt('missing', 'DELETE FROM t_node WHERE nodeno = (SELECT max(nodeno) FROM t_node)');
    await corrupt('short', 'UPDATE t_node SET data = substr(data, 1, 100) WHERE nodeno = (SELECT max(nodeno) FROM t_node)');
    await corrupt('depth', "UPDATE t_node SET data = x'0100' || substr(data, 3) WHERE nodeno = 1");
    await corrupt('cells', "UPDATE t_node SET data = substr(data,1,2) || x'ffff' || substr(data, 5) WHERE nodeno = 1");
    await corrupt('rowid', 'UPDATE t_rowid SET nodeno = 1 WHERE rowid = $FIRST', 'SELECT * FROM t WHERE id = $FIRST');
  });
});
