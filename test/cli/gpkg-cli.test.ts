/**
 * The GeoPackage side of `s3lite tables` and `s3lite rows` as a user runs them (the real CLI in
 * a child process), on GeoPackages made by GDAL (Debian's gdal-bin). Oracles: GDAL's ogrinfo /
 * gdalinfo for the layers, GDAL's GeoJSON writer for --geojson, sqlite3 running the same query
 * for --bbox through the R*Tree, ogrinfo running the same SQL (GDAL's own ST_* functions) for
 * --bbox over a table without one.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bboxScanSql, bboxSql } from '../../src/cli/commands/gpkg-rows.js';
import { encodeGp, gpGeometryArb } from '../support/gpkg-geometry.js';
import { sqlite3, sqlLiteral, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';
import { prng } from '../support/prng.js';

let dir: string;
let cleanup: () => void;
/** Tiles (EPSG:3857), MULTIPOLYGON parcels (EPSG:27700), POINT Z wells (EPSG:4326), attributes. */
let layers: string;
/** 3000 features of mixed types made by ogr2ogr, with its R*Tree. */
let features: string;
/** Random GeoPackage geometries (every type, Z/M, empties, byte orders), no spatial index. */
let random: string;
const RANDOM_COUNT = 800;

const ogr2ogr = (args: readonly string[]): string => execFileSync('ogr2ogr', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });

function csvLayer(file: string, csv: string, layer: string, extra: readonly string[]): void {
  const path = join(dir, `${layer}.csv`);
  writeFileSync(path, csv);
  ogr2ogr(['-f', 'GPKG', file, path, '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-nln', layer, ...extra]);
}

beforeAll(() => {
  const t = tempDir('s3lite-gpkg-cli');
  dir = t.dir;
  cleanup = t.cleanup;
  const rnd = prng(11);

  // A GeoPackage with every kind of layer.
  layers = join(dir, 'layers.gpkg');
  const asc = join(dir, 'r.asc');
  writeFileSync(asc, `ncols 4\nnrows 4\nxllcorner 0\nyllcorner 0\ncellsize 25\n${[0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => r * 4 + c).join(' ')).join('\n')}\n`);
  execFileSync('gdal_translate', ['-q', '-of', 'GPKG', '-ot', 'Byte', '-a_srs', 'EPSG:3857', '-co', 'RASTER_TABLE=elevation', asc, layers]);
  const square = (x: number, y: number, d: number): string => `((${x} ${y}, ${x + d} ${y}, ${x + d} ${y + d}, ${x} ${y + d}, ${x} ${y}))`;
  csvLayer(layers, `id,WKT\n1,"MULTIPOLYGON (${square(0, 0, 10)}, ${square(20, 0, 5)})"\n2,"MULTIPOLYGON (${square(50, 50, 1)})"\n`, 'parcels', ['-update', '-a_srs', 'EPSG:27700', '-nlt', 'MULTIPOLYGON']);
  csvLayer(layers, 'id,WKT\n1,"POINT Z (1 2 3)"\n', 'wells', ['-update', '-a_srs', 'EPSG:4326', '-nlt', 'POINTZ']);
  csvLayer(layers, 'id,owner\n1,alice\n2,bob\n', 'owners', ['-update']);

  // Many features with a spatial index, made and encoded by GDAL.
  features = join(dir, 'features.gpkg');
  const lines = ['id,name,WKT'];
  for (let i = 1; i <= 3000; i++) {
    const x = 500000 + rnd() * 60000;
    const y = 170000 + rnd() * 30000;
    const k = i % 5;
    const w =
      k === 0 ? `POINT (${x} ${y})`
      : k === 1 ? `LINESTRING (${x} ${y}, ${x + 50} ${y + 80}, ${x + 90} ${y - 20})`
      : k === 2 ? `POLYGON ${square(x, y, 100)}`
      : k === 3 ? `MULTIPOLYGON (${square(x, y, 100)}, ${square(x + 200, y, 100)})`
      : `MULTILINESTRING ((${x} ${y}, ${x + 10} ${y + 10}), (${x + 20} ${y}, ${x + 30} ${y + 5}))`;
    lines.push(`${i},f${i},"${w}"`);
  }
  csvLayer(features, `${lines.join('\n')}\n`, 'boroughs', ['-a_srs', 'EPSG:27700', '-nlt', 'GEOMETRY']);

  // Random geometries written as GeoPackage binary (GDAL decodes them: the oracle), no R*Tree
  // (sqlite3 has no ST_* functions for its triggers).
  random = join(dir, 'random.gpkg');
  const seed = fc.readConfigureGlobal().seed ?? 20261206;
  const samples = fc.sample(gpGeometryArb({ nestedEmptyPoints: false }), { numRuns: RANDOM_COUNT, seed });
  csvLayer(random, `id,WKT\n${samples.map((_, i) => `${i + 1},"POINT (0 0)"`).join('\n')}\n`, 'feat', ['-a_srs', 'EPSG:4326', '-nlt', 'GEOMETRY', '-lco', 'SPATIAL_INDEX=NO']);
  sqlite3(random, `BEGIN;\n${samples.map((s, i) => `UPDATE feat SET geom = ${sqlLiteral(encodeGp(s))} WHERE fid = ${i + 1};`).join('\n')}\nCOMMIT;`);
}, 120_000);
afterAll(() => cleanup());

type Json = null | number | string | boolean | Json[] | { [k: string]: Json };

const jsonLines = (out: Buffer): Json[][] => out.toString().trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json[]);

function ok(args: readonly string[]): Buffer {
  const r = runCli(args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('s3lite tables on a GeoPackage', () => {
  it('marks each layer with its data type, geometry column and type, and SRS as GDAL reads them', () => {
    const rows = jsonLines(ok(['tables', layers, '--json']));
    expect(rows.every((r) => r.length === 9)).toBe(true);
    const marked = new Map(rows.filter((r) => r[5] !== null).map((r) => [r[1] as string, r.slice(5)]));
    // Every layer GDAL lists (vector layers and the raster table), and no other table.
    const vector = execFileSync('ogrinfo', ['-q', layers], { encoding: 'utf8' }).trim().split('\n').map((l) => /^\d+: (\S+)/.exec(l)![1]!);
    expect([...marked.keys()].sort()).toEqual([...vector, 'elevation'].sort());
    for (const layer of vector) {
      const info = execFileSync('ogrinfo', ['-so', layers, layer], { encoding: 'utf8' });
      const geometry = /^Geometry: (.*)$/m.exec(info)![1]!;
      const srs = /^ {4}ID\["(\w+)",(\d+)\]\]$/m.exec(info);
      const [dataType, column, type, ours] = marked.get(layer)!;
      if (geometry === 'None') {
        expect([dataType, column, type, ours]).toEqual(['attributes', null, null, null]);
        expect(info).toContain('Layer SRS WKT:\n(unknown)');
        continue;
      }
      expect(dataType).toBe('features');
      expect(column).toBe(/^Geometry Column = (.*)$/m.exec(info)![1]);
      // ogrinfo's "3D Measured Multi Polygon" is MULTIPOLYGON ZM.
      const z = geometry.includes('3D ') ? 'Z' : '';
      const m = geometry.includes('Measured ') ? 'M' : '';
      const base = geometry.replace('3D ', '').replace('Measured ', '').replace('Unknown (any)', 'Geometry').replaceAll(' ', '').toUpperCase();
      expect(type).toBe(`${base}${z + m === '' ? '' : ` ${z}${m}`}`);
      expect(ours).toBe(`${srs![1]}:${srs![2]}`);
    }
    const raster = execFileSync('gdalinfo', [`GPKG:${layers}:elevation`], { encoding: 'utf8' });
    const rasterSrs = /^ {4}ID\["(\w+)",(\d+)\]\]$/m.exec(raster)!;
    expect(marked.get('elevation')).toEqual(['tiles', null, null, `${rasterSrs[1]}:${rasterSrs[2]}`]);
  });

  it('the table output shows a layer as data type, column, type and SRS', () => {
    const line = ok(['tables', layers]).toString().split('\n').find((l) => / parcels /.test(l))!;
    expect(line.split('│').map((c) => c.trim()).slice(6, 10)).toEqual(['features', 'geom', 'MULTIPOLYGON', 'EPSG:27700']);
  });

  it('a database that is no GeoPackage keeps its five columns', () => {
    const rows = jsonLines(ok(['tables', 'fixtures/sample.sqlite', '--json']));
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => r.length === 5)).toBe(true);
    expect(ok(['tables', 'fixtures/sample.sqlite']).toString().split('\n')[1]).toMatch(/^│ type +│ name +│ tbl_name +│ rootpage │ rows +│$/);
  });
});

/** GDAL's reading of a layer as GeoJSON: every feature's geometry in fid order (17 significant digits). */
function gdalGeometries(file: string, layer: string): { geometry: Json; properties: Record<string, Json> }[] {
  const out = ogr2ogr(['-f', 'GeoJSON', '/vsistdout/', file, layer, '-lco', 'RFC7946=NO', '-lco', 'SIGNIFICANT_FIGURES=17']);
  return (JSON.parse(out) as { features: { geometry: Json; properties: Record<string, Json> }[] }).features;
}

/** A geometry with no position anywhere is null (GDAL writes empties as null). */
function normalise(g: Json): Json {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) return g;
  if (g.type === 'GeometryCollection') {
    if (g.geometries === null) return null;
    const parts = (g.geometries as Json[]).map(normalise);
    return parts.every((p) => p === null) ? null : { type: g.type, geometries: parts };
  }
  const has = (c: Json): boolean => (typeof c === 'number' ? true : Array.isArray(c) && c.some(has));
  return has(g.coordinates ?? null) ? g : null;
}

/**
 * Compares ours with GDAL's geometry, numbers as numbers. GDAL's writer trims a run of 0s or 9s
 * from a 17-digit number (6.699534400000064e-33 prints 6.6995344000001e-33): such a number,
 * with at most 15 significant digits as GDAL printed it, may differ from ours in the last 2
 * digits; `trimmed` counts them.
 */
function compare(ours: Json, gdal: Json, path: string, trimmed: { n: number; all: number }): void {
  if (typeof gdal === 'number') {
    expect(typeof ours, path).toBe('number');
    trimmed.all++;
    if (ours === gdal) return;
    const digits = gdal.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;
    expect(digits, `${path}: ${String(ours)} vs ${gdal}`).toBeLessThanOrEqual(15);
    expect(Math.abs((ours as number) - gdal), `${path}: ${String(ours)} vs ${gdal}`).toBeLessThanOrEqual(1e-13 * Math.abs(gdal));
    trimmed.n++;
    return;
  }
  if (gdal === null || typeof gdal !== 'object') {
    expect(ours, path).toEqual(gdal);
    return;
  }
  expect(ours !== null && typeof ours === 'object' && Array.isArray(ours) === Array.isArray(gdal), path).toBe(true);
  const o = ours as Record<string, Json>;
  const g = gdal as Record<string, Json>;
  expect(Object.keys(o).sort(), path).toEqual(Object.keys(g).sort());
  for (const k of Object.keys(g)) compare(o[k]!, g[k]!, `${path}.${k}`, trimmed);
}

describe('s3lite rows --geojson', () => {
  it('prints GDAL-made geometries as GDAL reads them', () => {
    const ours = jsonLines(ok(['rows', features, 'boroughs', '--json', '--geojson']));
    const gdal = gdalGeometries(features, 'boroughs');
    expect(ours).toHaveLength(3000);
    expect(gdal).toHaveLength(3000);
    const trimmed = { n: 0, all: 0 };
    ours.forEach((row, i) => {
      expect(row[2]).toBe(gdal[i]!.properties.id);
      compare(row[1]!, gdal[i]!.geometry, `fid ${String(row[0])}`, trimmed);
    });
    expect(trimmed.n).toBe(0);
  });

  it('prints random geometries (every type, Z/M/ZM, empties, both byte orders) as GDAL reads them; M dropped', () => {
    const ours = jsonLines(ok(['rows', random, 'feat', '--json', '--geojson']));
    const gdal = gdalGeometries(random, 'feat');
    expect(ours).toHaveLength(RANDOM_COUNT);
    const trimmed = { n: 0, all: 0 };
    let empties = 0;
    ours.forEach((row, i) => {
      const mine = normalise(row[1]!);
      if (mine === null) {
        empties++;
        // An empty geometry keeps its type with empty coordinates.
        expect(row[1]).not.toBeNull();
      }
      compare(mine, normalise(gdal[i]!.geometry), `fid ${String(row[0])}`, trimmed);
    });
    expect(empties).toBeGreaterThan(10);
    expect(trimmed.n).toBeLessThan(trimmed.all / 1000);
  });

  it('prints the GeoJSON text in table and CSV output', () => {
    const json = jsonLines(ok(['rows', layers, 'parcels', '--json', '--geojson']));
    const csv = ok(['rows', layers, 'parcels', '--csv', '--geojson']).toString().trim().split('\r\n');
    expect(csv[0]).toBe('fid,geom,id');
    expect(csv.slice(1)).toEqual(json.map((r) => `${String(r[0])},"${JSON.stringify(r[1]).replaceAll('"', '""')}",${String(r[2])}`));
  });

  it('a malformed geometry is a clear error naming the feature', () => {
    const broken = join(dir, 'broken.gpkg');
    copyFileSync(random, broken);
    const blob = encodeGp({ dims: 'xy', geom: { type: 'LineString', points: [[1, 2], [3, 4]] }, little: [true], ewkbFlags: false, headerLittle: true, envelope: false });
    sqlite3(broken, `UPDATE feat SET geom = ${sqlLiteral(blob.subarray(0, blob.length - 3))} WHERE fid = 7; UPDATE feat SET geom = 'POINT (1 2)' WHERE fid = 9;`);
    const r = runCli(['rows', broken, 'feat', '--json', '--geojson', '--limit', '8']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`SQLITE_ERROR: feat.geom of fid 7 is not a valid GeoPackage geometry: WKB ends early at byte ${8 + 9}\n`);
    const t = runCli(['rows', broken, 'feat', '--json', '--geojson', '--offset', '8']);
    expect(t.status).toBe(1);
    expect(t.stderr).toBe('SQLITE_ERROR: feat.geom of fid 9 is not a GeoPackage geometry: a text value\n');
  });

  it('refuses a table that is no feature table', () => {
    const r = runCli(['rows', layers, 'owners', '--geojson']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('SQLITE_ERROR: --geojson: owners is not a feature table of a GeoPackage (no row for it in gpkg_geometry_columns)\n');
  });
});

/** sqlite3's rows (quote mode) for bboxSql with the box bound as parameters. */
function sqlite3Bbox(file: string, sql: string, box: readonly number[], limit = -1, offset = 0): string[] {
  const params = [...box.map((v) => v.toPrecision(17)), String(limit), String(offset)].map((v, i) => `.parameter set ?${i + 1} ${v}`).join('\n');
  const out = sqlite3(file, `.mode quote\n${params}\n${sql};\n`).trim();
  return out === '' ? [] : out.split('\n');
}

/** Our JSON Lines rows in sqlite3's quote mode (integers, text and blobs here). */
const quoted = (rows: Json[][]): string[] =>
  rows.map((r) =>
    r
      .map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : typeof v === 'object' && !Array.isArray(v) && typeof v.blob === 'string' ? `X'${v.blob}'` : String(v)))
      .join(','),
  );

describe('s3lite rows --bbox', () => {
  const boxes: (readonly [number, number, number, number])[] = [];
  beforeAll(() => {
    const rnd = prng(5);
    for (let i = 0; i < 6; i++) {
      const x = 498000 + rnd() * 64000;
      const y = 168000 + rnd() * 34000;
      boxes.push([x, y, x + rnd() * 3000, y + rnd() * 2000]);
    }
    boxes.push([0, 0, 1e7, 1e7], [0, 0, 1, 1], [520000, 180000, 520000, 180000]);
  });

  it('returns what sqlite3 returns for the same query through the R*Tree, in the same (fid) order', () => {
    const sql = bboxSql('boroughs', 'fid', 'rtree_boroughs_geom');
    let seen = 0;
    for (const box of boxes) {
      const ours = quoted(jsonLines(ok(['rows', features, 'boroughs', '--bbox', box.join(','), '--json'])));
      expect(ours).toEqual(sqlite3Bbox(features, sql, box));
      seen += ours.length;
    }
    expect(seen).toBeGreaterThan(3000);
    const box = boxes[0]!;
    const page = quoted(jsonLines(ok(['rows', features, 'boroughs', '--bbox', box.join(','), '--json', '--limit', '3', '--offset', '2'])));
    expect(page).toEqual(sqlite3Bbox(features, sql, box, 3, 2));
    expect(page.length).toBeGreaterThan(0);
  });

  it('with --geojson prints the matching features as GeoJSON', () => {
    const box = boxes[1]!;
    const ours = jsonLines(ok(['rows', features, 'boroughs', '--bbox', box.join(','), '--json', '--geojson']));
    const all = jsonLines(ok(['rows', features, 'boroughs', '--json', '--geojson']));
    const byFid = new Map(all.map((r) => [r[0], r]));
    expect(ours.length).toBeGreaterThan(0);
    for (const row of ours) expect(row).toEqual(byFid.get(row[0]!));
  });

  it('scans a feature table without an R*Tree by each envelope, as GDAL answers the same SQL', () => {
    const sql = bboxScanSql('feat', 'geom');
    for (const box of [[-1e6, -1e6, 1e6, 1e6], [0, 0, 5e6, 5e6], [-10, -10, 10, 10]] as const) {
      const r = runCli(['rows', random, 'feat', '--bbox', box.join(','), '--json']);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('note: feat has no spatial index (rtree_feat_geom); scanning every feature\'s envelope\n');
      const ours = jsonLines(r.stdout).map((row) => row[0]);
      // GDAL registers its own ST_MinX … ST_MaxY on a GeoPackage: the same SQL through ogrinfo.
      const bound = sql.replace(/\?(\d)/g, (_, n: string) => [...box.map((v) => v.toPrecision(17)), '-1', '0'][Number(n) - 1]!).replace('SELECT *', 'SELECT fid AS hit');
      const gdal = execFileSync('ogrinfo', [random, '-sql', bound], { encoding: 'utf8', maxBuffer: 1 << 28 });
      // GDAL takes the fid column as the result's FID: OGRFeature(SELECT):<fid>.
      expect(gdal).toContain('FID Column = hit');
      const theirs = [...gdal.matchAll(/^OGRFeature\(SELECT\):(\d+)$/gm)].map((m) => Number(m[1]));
      expect(ours).toEqual(theirs);
      expect(ours.length).toBeGreaterThan(0);
    }
  });

  it('refuses a malformed box and a table that is no feature table', () => {
    const bad = runCli(['rows', features, 'boroughs', '--bbox', '1,2,3']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--bbox must be four numbers minx,miny,maxx,maxy, got "1,2,3"');
    const r = runCli(['rows', features, 'gpkg_contents', '--bbox', '1,2,3,4']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('SQLITE_ERROR: --bbox: gpkg_contents is not a feature table of a GeoPackage (no row for it in gpkg_geometry_columns)\n');
  });

  it('works on blocks as on the plain file', () => {
    const blocks = join(dir, 'blocks/');
    ok(['import', features, blocks, '-q']);
    const box = boxes[2]!;
    const args = ['boroughs', '--bbox', box.join(','), '--json', '--geojson'];
    expect(ok(['rows', blocks, ...args]).toString()).toBe(ok(['rows', features, ...args]).toString());
  });
});
