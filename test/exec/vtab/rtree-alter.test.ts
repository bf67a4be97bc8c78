/**
 * ALTER TABLE on R*Tree tables, against the real sqlite3 running the same statements: RENAME TO
 * leaves the same schema rows (the virtual table, its shadow tables, views and triggers that
 * name it — a GDAL GeoPackage's spatial-index triggers included) and a tree sqlite3's checks
 * accept and both engines keep writing to; the column actions and name clashes fail with
 * sqlite3's messages and change nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';

let dir: string;
let cleanup: () => void;
let fileNo = 0;

beforeAll(() => {
  const t = tempDir('s3lite-rtree-alter');
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

/** The message sqlite3 prints for the first failing statement, or undefined when all succeed. */
function shellError(file: string, sql: string): string | undefined {
  const r = spawnSync('sqlite3', ['-bail', file], { input: sql, encoding: 'utf8' });
  const line = r.stderr.split('\n')[0] ?? '';
  if (line === '') return undefined;
  const m = /(?:error near line \d+|Error)(?: near line \d+)?: (?:in prepare, |stepping, )?(.*?)(?: \(\d+\))?$/.exec(line);
  return m?.[1] ?? line;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The schema and every table's rows (R*Tree node bytes included), as sqlite3 prints them. */
function dump(file: string): string {
  const tables = sqlite3(file, "SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 ORDER BY name;").split('\n').filter((t) => t !== '');
  return sqlite3(file, ['SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema;', ...tables.map((t) => `SELECT quote(rowid), * FROM ${ident(t)} ORDER BY rowid;`)].join('\n'));
}

/** A copy of `source` for each engine. */
function twoCopies(source: string): { ours: string; theirs: string } {
  const ours = join(dir, `ours-${fileNo}.db`);
  const theirs = join(dir, `theirs-${fileNo++}.db`);
  copyFileSync(source, ours);
  copyFileSync(source, theirs);
  return { ours, theirs };
}

async function run(file: string, stmts: readonly string[]): Promise<void> {
  const db = await Database.open(file, { readonly: false });
  try {
    for (const s of stmts) await db.run(s);
  } finally {
    await db.close();
  }
}

async function ourError(file: string, sql: string): Promise<string | undefined> {
  const db = await Database.open(file, { readonly: false });
  try {
    await db.run(sql);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await db.close();
  }
}

function made(sql: string): string {
  const file = join(dir, `src-${fileNo++}.db`);
  sqlite3(file, sql);
  return file;
}

describe('ALTER TABLE … RENAME TO on an R*Tree', () => {
  it('renames the table, its shadow tables and what names it, as sqlite3 does; both keep working', async () => {
    const source = made(`
      CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy);
      CREATE VIRTUAL TABLE "odd ""name""" USING rtree_i32(id, x0, x1, +label, +weight);
      CREATE TABLE feats(id INTEGER PRIMARY KEY, x REAL, y REAL);
      CREATE VIEW near AS SELECT id FROM boxes WHERE maxx >= 0 AND minx <= 10;
      CREATE TRIGGER feats_ins AFTER INSERT ON feats BEGIN INSERT INTO boxes VALUES (new.id, new.x, new.x + 1, new.y, new.y + 1); END;
      CREATE TRIGGER feats_del AFTER DELETE ON feats BEGIN DELETE FROM "odd ""name""" WHERE id = old.id; END;
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
        INSERT INTO feats SELECT i, (i * 37) % 100, (i * 91) % 100 FROM n;
      INSERT INTO "odd ""name""" SELECT id, id, id + 5, 'f' || id, id * 2 FROM feats WHERE id <= 120;`);
    const { ours, theirs } = twoCopies(source);
    const stmts = ['ALTER TABLE boxes RENAME TO "Spatial Index"', 'ALTER TABLE "odd ""name""" RENAME TO i32', 'ALTER TABLE i32 RENAME TO i32_b'];
    sqlite3(theirs, `${stmts.join(';\n')};`);
    await run(ours, stmts);
    expect(dump(ours)).toBe(dump(theirs));
    // Writes through the renamed trees (the triggers now name them) keep both files alike and sound.
    const more = ['INSERT INTO feats VALUES (301, 5.5, 6.5)', 'DELETE FROM feats WHERE id <= 40', 'INSERT INTO i32_b VALUES (500, 1, 2, \'x\', 3)'];
    sqlite3(theirs, `${more.join(';\n')};`);
    await run(ours, more);
    expect(dump(ours)).toBe(dump(theirs));
    expect(sqlite3(ours, "PRAGMA integrity_check; SELECT rtreecheck('Spatial Index'); SELECT rtreecheck('i32_b'); SELECT count(*) FROM near;").trim().split('\n')).toEqual([
      'ok',
      'ok',
      'ok',
      sqlite3(theirs, 'SELECT count(*) FROM near;').trim(),
    ]);
  });

  it('renames a GDAL GeoPackage’s spatial index with its triggers, and a feature edit still reaches it', async () => {
    writeFileSync(join(dir, 'f.csv'), `id,WKT\n${Array.from({ length: 50 }, (_, i) => `${i + 1},"POINT (${i} ${i * 2})"`).join('\n')}\n`);
    const gpkg = join(dir, 'f.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, join(dir, 'f.csv'), '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:4326', '-nln', 'feat']);
    const { ours, theirs } = twoCopies(gpkg);
    const sql = 'ALTER TABLE rtree_feat_geom RENAME TO "my index"';
    sqlite3(theirs, `${sql};`);
    await run(ours, [sql]);
    expect(dump(ours)).toBe(dump(theirs));
    // sqlite3 lacks GDAL's ST_* functions for the triggers: the edit runs on ours only.
    await run(ours, ['DELETE FROM feat WHERE fid = 7']);
    expect(sqlite3(ours, "SELECT count(*) FROM \"my index\"; SELECT count(*) FROM \"my index\" WHERE id = 7; PRAGMA integrity_check; SELECT rtreecheck('my index');").trim().split('\n')).toEqual(['49', '0', 'ok', 'ok']);
  });
});

describe('ALTER TABLE on an R*Tree: what SQLite refuses', () => {
  it('gives sqlite3’s message and changes nothing', async () => {
    const source = made(`CREATE VIRTUAL TABLE rt USING rtree(id, minx, maxx); INSERT INTO rt VALUES (1, 0, 1), (2, 5, 6);
      CREATE TABLE other(x); CREATE TABLE taken_node(x);`);
    for (const sql of [
      'ALTER TABLE rt ADD COLUMN z',
      'ALTER TABLE rt RENAME COLUMN minx TO a',
      'ALTER TABLE rt DROP COLUMN minx',
      'ALTER TABLE rt RENAME TO other',
      'ALTER TABLE rt RENAME TO RT',
      'ALTER TABLE rt RENAME TO taken',
      'ALTER TABLE rt RENAME TO sqlite_x',
    ]) {
      const { ours, theirs } = twoCopies(source);
      const expected = shellError(theirs, `${sql};`);
      expect(expected, sql).toBeDefined();
      expect(await ourError(ours, sql), sql).toBe(expected);
      expect(dump(ours)).toBe(dump(source));
    }
  });
});
