/**
 * The issue's example as a user runs it: `s3lite query` on a GeoPackage-style spatial index
 * (`rtree_<table>_<geom>`) made by sqlite3 gives sqlite3's rows; a delete through `exec` keeps it sound.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

let cleanup: () => void;
let file: string;

beforeAll(() => {
  const t = tempDir('s3lite-rtree-cli');
  cleanup = t.cleanup;
  file = join(t.dir, 'london.gpkg');
  sqlite3(
    file,
    `CREATE VIRTUAL TABLE rtree_london_boroughs_geom USING rtree(id, minx, maxx, miny, maxy);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
       INSERT INTO rtree_london_boroughs_geom
       SELECT i, -0.5 + (i * 7919 % 1000) / 1000.0, -0.5 + (i * 7919 % 1000) / 1000.0 + 0.01 * (i % 7),
                 51.3 + (i * 104729 % 1000) / 2000.0, 51.3 + (i * 104729 % 1000) / 2000.0 + 0.01 FROM n;`,
  );
});
afterAll(() => cleanup());

describe('s3lite query on an R*Tree', () => {
  it('a bbox query returns sqlite3’s ids in sqlite3’s order', () => {
    const sql = 'SELECT id FROM rtree_london_boroughs_geom WHERE maxx >= -0.2 AND minx <= -0.1';
    const r = runCli(['query', file, sql, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ours = r.stdout.toString().trim().split('\n').map((l) => String((JSON.parse(l) as number[])[0]));
    const theirs = sqlite3(file, `${sql};`).trim().split('\n');
    expect(theirs.length).toBeGreaterThan(100);
    expect(ours).toEqual(theirs);
  });

  it('s3lite rows lists an R*Tree’s rows as sqlite3 reads them (LIMIT/OFFSET)', () => {
    const r = runCli(['rows', file, 'rtree_london_boroughs_geom', '--limit', '5', '--offset', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The coordinates are float32 values: 15 significant digits name each one exactly.
    const ours = r.stdout.toString().trim().split('\n').map((l) => (JSON.parse(l) as number[]).map((v) => String(Math.fround(v))).join('|'));
    const theirs = sqlite3(file, "SELECT id, printf('%.15g', minx), printf('%.15g', maxx), printf('%.15g', miny), printf('%.15g', maxy) FROM rtree_london_boroughs_geom LIMIT 5 OFFSET 3;")
      .trim()
      .split('\n')
      .map((l) => l.split('|').map((f) => String(Math.fround(Number(f)))).join('|'));
    expect(ours).toEqual(theirs);
  });

  it('a feature deleted with s3lite exec leaves a file sqlite3 checks clean', () => {
    const r = runCli(['exec', file, 'DELETE FROM rtree_london_boroughs_geom WHERE id = 1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(sqlite3(file, "SELECT count(*) FROM rtree_london_boroughs_geom WHERE id = 1; SELECT rtreecheck('rtree_london_boroughs_geom'); PRAGMA integrity_check;").trim().split('\n')).toEqual(['0', 'ok', 'ok']);
  });
});
