/**
 * Editing a GeoPackage's features with s3lite, GDAL (Debian's gdal-bin: ogr2ogr, ogrinfo) as the
 * oracle. A GeoPackage made by ogr2ogr from generated points, lines and polygons is copied twice;
 * the same statements — deletes, geometry moves, inserts of GeoPackage binary geometries (with
 * and without a header envelope, either byte order, empty), fid changes, geometries set to NULL
 * — run through s3lite on one copy and through `ogrinfo -update -sql` on the other. The
 * spatial-index triggers call ST_IsEmpty / ST_MinX / … in both; afterwards the feature table and
 * the R*Tree (node bytes included) are identical, sqlite3's checks pass and ogrinfo reads
 * s3lite's file without a warning. The ST_* functions also answer as GDAL's do on every feature.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/index.js';
import { sqlite3, tempDir } from '../../support/sqlite3.js';
import { prng } from '../../support/prng.js';

let dir: string;
let cleanup: () => void;
let source: string;

beforeAll(() => {
  const t = tempDir('s3lite-gpkg');
  dir = t.dir;
  cleanup = t.cleanup;
  const rnd = prng(7);
  const lines = ['id,name,WKT'];
  for (let i = 1; i <= 400; i++) {
    const x = rnd() * 2 - 1;
    const y = 51 + rnd();
    const w = i % 3 === 0 ? `POINT (${x} ${y})` : i % 3 === 1 ? `LINESTRING (${x} ${y}, ${x + 0.01} ${y + 0.02}, ${x + 0.03} ${y})` : `POLYGON ((${x} ${y}, ${x + 0.02} ${y}, ${x + 0.02} ${y + 0.02}, ${x} ${y + 0.02}, ${x} ${y}))`;
    lines.push(`${i},f${i},"${w}"`);
  }
  writeFileSync(join(dir, 'f.csv'), `${lines.join('\n')}\n`);
  source = join(dir, 'f.gpkg');
  execFileSync('ogr2ogr', ['-f', 'GPKG', source, join(dir, 'f.csv'), '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:4326', '-nln', 'feat', '-nlt', 'GEOMETRY']);
});
afterAll(() => cleanup());

/** A GeoPackage binary geometry: header (byte order, optional envelope, empty flag) and WKB. */
function gp(wkb: Uint8Array, opts: { envelope?: readonly number[]; little?: boolean; empty?: boolean }): string {
  const little = opts.little ?? true;
  const env = opts.envelope ?? [];
  const head = new DataView(new ArrayBuffer(8 + 8 * env.length));
  head.setUint8(0, 0x47);
  head.setUint8(1, 0x50);
  head.setUint8(2, 0);
  head.setUint8(3, (little ? 1 : 0) | ((env.length === 4 ? 1 : 0) << 1) | (opts.empty === true ? 0x10 : 0));
  head.setInt32(4, 4326, little);
  env.forEach((v, i) => head.setFloat64(8 + 8 * i, v, little));
  const bytes = [...new Uint8Array(head.buffer), ...wkb];
  return `X'${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}'`;
}

/** WKB (little-endian) of a 2-D line string, or of a point (one coordinate pair). */
function wkbLine(points: readonly (readonly [number, number])[], type: 1 | 2 = 2): Uint8Array {
  const v = new DataView(new ArrayBuffer(5 + (type === 2 ? 4 : 0) + 16 * points.length));
  v.setUint8(0, 1);
  v.setUint32(1, type, true);
  let at = 5;
  if (type === 2) {
    v.setUint32(at, points.length, true);
    at += 4;
  }
  for (const [x, y] of points) {
    v.setFloat64(at, x, true);
    v.setFloat64(at + 8, y, true);
    at += 16;
  }
  return new Uint8Array(v.buffer);
}

/** Feature rows and the R*Tree's shadow tables, as sqlite3 prints them. */
function dump(file: string): string {
  return sqlite3(
    file,
    `SELECT fid, hex(geom), id, name FROM feat ORDER BY fid;
     SELECT nodeno, hex(data) FROM rtree_feat_geom_node ORDER BY nodeno;
     SELECT * FROM rtree_feat_geom_rowid ORDER BY rowid;
     SELECT * FROM rtree_feat_geom_parent ORDER BY nodeno;
     SELECT * FROM gpkg_ogr_contents;`,
  );
}

describe('GeoPackage features edited by s3lite, as GDAL edits them', () => {
  it('ST_* functions answer as GDAL’s on every feature', async () => {
    const sql = 'SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), ST_MaxY(geom), ST_IsEmpty(geom), ST_SRID(geom), ST_GeometryType(geom) FROM feat ORDER BY fid';
    const db = await Database.open(source);
    let ours: string[];
    try {
      ours = (await db.query(sql)).map((r) => Object.values(r).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(15) : String(v))).join('|'));
    } finally {
      await db.close();
    }
    // GDAL's answers through ogr2ogr's CSV output (reals with 15 significant digits; the fid
    // of a SQL result is not a field there, so it is left out on both sides).
    let n = 0;
    const named = sql.replace(/(ST_\w+\(geom\))/g, (m: string) => `${m} AS c${n++}`);
    const csv = execFileSync('ogr2ogr', ['-f', 'CSV', '/vsistdout/', source, '-sql', named], { encoding: 'utf8' });
    const theirs = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map((f) => f.replace(/^"(.*)"$/, '$1')).map((f) => (/^-?\d+\.\d+(e-?\d+)?$/.test(f) ? Number(f).toPrecision(15) : f)).join('|'));
    expect(ours.map((r) => r.split('|').slice(1).join('|'))).toEqual(theirs);
    expect(ours.length).toBe(400);
  });

  it('the same edits leave the same features and the same spatial index, byte for byte', async () => {
    const ours = join(dir, 'ours.gpkg');
    const theirs = join(dir, 'theirs.gpkg');
    copyFileSync(source, ours);
    copyFileSync(source, theirs);
    const stmts = [
      'DELETE FROM feat WHERE fid % 4 = 0',
      'UPDATE feat SET geom = (SELECT geom FROM feat WHERE fid = 3) WHERE fid % 7 = 1',
      "INSERT INTO feat(geom, name) SELECT geom, name || 'copy' FROM feat WHERE fid % 5 = 2",
      'UPDATE feat SET geom = NULL WHERE fid % 9 = 2',
      'UPDATE feat SET fid = fid + 10000 WHERE fid % 11 = 3',
      `INSERT INTO feat(geom, name) VALUES (${gp(wkbLine([[0.25, 51.5], [0.5, 51.75]]), {})}, 'no envelope')`,
      `INSERT INTO feat(geom, name) VALUES (${gp(wkbLine([[-0.3, 51.1], [-0.2, 51.2], [-0.25, 51.3]]), { envelope: [-0.3, -0.2, 51.1, 51.3], little: false })}, 'big-endian header')`,
      `INSERT INTO feat(geom, name) VALUES (${gp(wkbLine([[NaN, NaN]], 1), { empty: true })}, 'empty')`,
      `UPDATE feat SET geom = ${gp(wkbLine([[0.1, 51.4]], 1), {})} WHERE fid IN (5, 6, 7)`,
      `UPDATE feat SET geom = ${gp(wkbLine([[NaN, NaN]], 1), { empty: true })} WHERE fid = 9`,
      'DELETE FROM feat WHERE fid > 10000',
    ];
    const db = await Database.open(ours, { readonly: false });
    try {
      for (const s of stmts) await db.exec(s);
    } finally {
      await db.close();
    }
    for (const s of stmts) execFileSync('ogrinfo', ['-update', '-q', theirs, '-sql', s]);
    expect(dump(ours)).toBe(dump(theirs));
    expect(sqlite3(ours, "SELECT rtreecheck('rtree_feat_geom'); PRAGMA integrity_check;").trim()).toBe('ok\nok');
    // GDAL reads what s3lite wrote, its spatial filter (through the R*Tree) included, without a word.
    const check = execFileSync('ogrinfo', ['-ro', '-al', '-so', ours, '-spat', '-0.5', '51.2', '0.5', '51.8'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(check).toMatch(/Feature Count: \d+/);
    const warnings = execFileSync('sh', ['-c', `ogrinfo -ro -al -q "${ours}" 2>&1 >/dev/null`], { encoding: 'utf8' });
    expect(warnings).toBe('');
  });
});
