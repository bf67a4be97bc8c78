/**
 * Insert rate of GeoPackage features with their spatial index (issue 16): N polygons inserted
 * into a GDAL-made feature table — whose triggers keep rtree_<t>_geom in step, calling ST_MinX …
 * — by s3lite (one transaction of INSERT statements with GeoPackage binary geometries, on a
 * plain file) against GDAL's `ogr2ogr -append` of the same features from a CSV (GDAL's own
 * writer, one transaction, its WKT parsing included). Both end with sqlite3's rtreecheck and
 * integrity_check. Best of three, alternated.
 *
 * Ours is the built library (dist/, rebuilt first; see engine.ts), or the sources through tsx
 * with --src (slower: tsx's keepNames wraps every closure made per statement).
 *
 *   npx tsx bench/gpkg-insert.ts [--features 20000] [--src | --no-build]
 *
 * Figures are printed, never asserted. Needs gdal-bin and sqlite3 (skipped without ogr2ogr).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine } from './engine.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('features', process.argv.includes('--quick') ? 5000 : 20000);

let hasGdal = true;
try {
  execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' });
} catch {
  hasGdal = false;
}

/** GeoPackage binary (little-endian header with an xy envelope) of a closed ring. */
function gpPolygon(ring: readonly (readonly [number, number])[]): Uint8Array {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const v = new DataView(new ArrayBuffer(8 + 32 + 9 + 4 + 16 * ring.length));
  v.setUint8(0, 0x47);
  v.setUint8(1, 0x50);
  v.setUint8(3, 0b11);
  v.setInt32(4, 27700, true);
  [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)].forEach((d, i) => v.setFloat64(8 + 8 * i, d, true));
  v.setUint8(40, 1);
  v.setUint32(41, 3, true);
  v.setUint32(45, 1, true);
  v.setUint32(49, ring.length, true);
  ring.forEach(([x, y], i) => {
    v.setFloat64(53 + 16 * i, x, true);
    v.setFloat64(61 + 16 * i, y, true);
  });
  return new Uint8Array(v.buffer);
}

if (!hasGdal) {
  console.log('gpkg-insert: skipped (ogr2ogr from gdal-bin is not installed)');
} else {
  const { Database, label } = await loadEngine();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-gpkg-insert-'));
  try {
    let a = 5;
    const rnd = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const rings: [number, number][][] = [];
    for (let i = 0; i < N; i++) {
      const x = 500000 + rnd() * 60000;
      const y = 170000 + rnd() * 30000;
      rings.push([[x, y], [x + 80, y], [x + 80, y + 60], [x, y + 60], [x, y]]);
    }
    // The empty layer both start from: GDAL's table, triggers and R*Tree, one seed feature.
    writeFileSync(join(dir, 'seed.csv'), 'name,WKT\nseed,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\n');
    const seed = join(dir, 'seed.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', seed, join(dir, 'seed.csv'), '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:27700', '-nln', 'parcels', '-nlt', 'POLYGON']);
    const csv = join(dir, 'more.csv');
    writeFileSync(csv, `name,WKT\n${rings.map((r, i) => `p${i},"POLYGON ((${r.map((p) => `${p[0]} ${p[1]}`).join(', ')}))"`).join('\n')}\n`);
    const blobs = rings.map(gpPolygon);

    const check = (file: string): string => execFileSync('sqlite3', [file, "SELECT count(*) FROM parcels; SELECT rtreecheck('rtree_parcels_geom'); PRAGMA integrity_check;"], { encoding: 'utf8' }).trim().replaceAll('\n', ' ');
    const ours: number[] = [];
    const gdal: number[] = [];
    let ourCheck = '';
    let gdalCheck = '';
    for (let run = 0; run < 3; run++) {
      const mine = join(dir, `ours-${run}.gpkg`);
      copyFileSync(seed, mine);
      let t0 = performance.now();
      const db = await Database.open(mine, { readonly: false });
      await db.exec('BEGIN');
      for (let i = 0; i < N; i++) await db.run('INSERT INTO parcels (geom, name) VALUES (?, ?)', [blobs[i]!, `p${i}`]);
      await db.exec('COMMIT');
      await db.close();
      ours.push(performance.now() - t0);
      ourCheck = check(mine);

      const theirs = join(dir, `gdal-${run}.gpkg`);
      copyFileSync(seed, theirs);
      t0 = performance.now();
      execFileSync('ogr2ogr', ['-append', '-update', theirs, csv, '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-nln', 'parcels', '-a_srs', 'EPSG:27700']);
      gdal.push(performance.now() - t0);
      gdalCheck = check(theirs);
    }
    const best = (xs: number[]): number => Math.min(...xs);
    console.log(`\n## GeoPackage feature inserts with the spatial index (${N} polygons), ${new Date().toISOString()}`);
    console.log('| writer | best of 3 | features/s | after: count, rtreecheck, integrity_check |');
    console.log('|---|---:|---:|---|');
    console.log(`| s3lite ${label} (INSERT … VALUES (?, ?) per feature, one transaction, GDAL's triggers) | ${(best(ours) / 1000).toFixed(2)} s | ${Math.round(N / (best(ours) / 1000))} | ${ourCheck} |`);
    console.log(`| GDAL ogr2ogr -append (CSV with WKT, process start included) | ${(best(gdal) / 1000).toFixed(2)} s | ${Math.round(N / (best(gdal) / 1000))} | ${gdalCheck} |`);
    console.log(`all runs ms: s3lite ${ours.map((x) => x.toFixed(0)).join(', ')}; GDAL ${gdal.map((x) => x.toFixed(0)).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
