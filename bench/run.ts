/**
 * Runs every benchmark in turn (`npm run bench`); figures are printed, never asserted, and
 * bench/RESULTS.md records a run.
 *
 *   npm run bench                                  everything, full size (several minutes)
 *   npm run bench -- --quick                       a short run: small databases (--mb 4 unless given)
 *   npm run bench -- --only s3-write,cpu           some of them
 *   npm run bench -- --latency 20 --mb 23          options are passed to every benchmark
 *
 *   transfer     import/export over S3 at several block sizes          bench/transfer.ts
 *   replace      import --replace of a database against a plain import bench/replace.ts
 *   s3-read      open, lookups, LIMIT 10, count(*), scans over S3      bench/s3-read.ts
 *   s3-overflow  scans of rows with overflow chains over S3             bench/s3-overflow.ts
 *   s3-query     what Database.open + db.query cost, reader checks included bench/s3-query.ts
 *   single-object  one plain .sqlite S3 object read in place vs the same as blocks  bench/single-object.ts
 *   gpkg-bbox    rows --bbox on a GeoPackage through its R*Tree vs a full scan (blocks, one object)  bench/gpkg-bbox.ts
 *   gpkg-insert  GeoPackage feature inserts with the spatial index vs GDAL's ogr2ogr -append  bench/gpkg-insert.ts
 *   wal          a -wal of --mb MB: index, scan through it, checkpoint vs sqlite3   bench/wal.ts
 *   s3-write     10,000-row insert transaction, one-row update         bench/s3-write.ts
 *   dml-overhead one-row INSERT/UPDATE/DELETE with triggers, FKs vs sql.js  bench/dml-overhead.ts
 *   cpu          scan to JSON, point lookups, bulk insert vs sql.js    bench/cpu.ts
 *   cli-process  the built CLI as a process vs a sql.js script; start-up vs node -e 0  bench/cli-process.ts
 *   window       window functions over a 1,000,000-row partition vs sql.js  bench/window.ts
 *   peer         sqlite-s3vfs through the same proxy (skipped when absent)  bench/peer-s3vfs.ts
 *   bundle       the public entry bundled for browsers/edge: minified, gzipped  bench/edge-bundle.ts
 *   browser-scan full scan in headless Chromium, s3lite vs sql.js in the same page  bench/browser-scan.ts
 *
 * Only when named with --only (minutes long):
 *   transfer-rss resident memory of import/export of 1 GiB in a lean child  bench/transfer-rss.ts
 *   s3-update-index  UPDATE/DELETE by an indexed column of 1,000,000 rows over S3 vs a scan  bench/s3-update-index.ts
 */
const BENCHMARKS: ReadonlyArray<readonly [string, string]> = [
  ['transfer', './transfer.js'],
  ['replace', './replace.js'],
  ['s3-read', './s3-read.js'],
  ['s3-overflow', './s3-overflow.js'],
  ['s3-query', './s3-query.js'],
  ['single-object', './single-object.js'],
  ['gpkg-bbox', './gpkg-bbox.js'],
  ['gpkg-insert', './gpkg-insert.js'],
  ['wal', './wal.js'],
  ['s3-write', './s3-write.js'],
  ['dml-overhead', './dml-overhead.js'],
  ['cpu', './cpu.js'],
  ['cli-process', './cli-process.js'],
  ['window', './window.js'],
  ['peer', './peer-s3vfs.js'],
  ['bundle', './edge-bundle.js'],
  ['browser-scan', './browser-scan.js'],
];
/** Run only when named in --only: they take minutes (transfer-rss: 1 GiB through S3 and a directory). */
const ON_REQUEST: ReadonlyArray<readonly [string, string]> = [
  ['transfer-rss', './transfer-rss.js'],
  ['s3-update-index', './s3-update-index.js'],
];

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set((process.argv[onlyAt + 1] ?? '').split(',')) : undefined;
if (only !== undefined) {
  const unknown = [...only].filter((n) => ![...BENCHMARKS, ...ON_REQUEST].some(([name]) => name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (have ${[...BENCHMARKS, ...ON_REQUEST].map(([n]) => n).join(', ')})`);
  }
}
// A quick run uses small databases everywhere (each benchmark reads --mb itself).
if (process.argv.includes('--quick') && !process.argv.includes('--mb')) process.argv.push('--mb', '4');

const failed: string[] = [];
const started = performance.now();
for (const [name, module] of [...BENCHMARKS, ...ON_REQUEST]) {
  if (only === undefined ? ON_REQUEST.some(([n]) => n === name) : !only.has(name)) continue;
  console.log(`\n# ${name} (bench/${module.slice(2, -3)}.ts)`);
  const t0 = performance.now();
  try {
    await import(module);
  } catch (err) {
    failed.push(name);
    console.error(`# ${name} FAILED:`, err);
  }
  console.log(`# ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`\n# all benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''}`);
if (failed.length > 0) process.exitCode = 1;
