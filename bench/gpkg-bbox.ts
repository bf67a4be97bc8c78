/**
 * A bounding-box query on a GeoPackage in S3 (issue 16): what `s3lite rows FILE TABLE --bbox …`
 * costs through the layer's R*Tree, against the same filter as a full scan (the path a feature
 * table without a spatial index takes: ST_MinX … ST_MaxY of every geometry), each from a cold
 * `Database.open` — over the database as 4096-byte blocks and as one S3 object read in place.
 *
 * The GeoPackage is made by GDAL's ogr2ogr (polygons of 8–24 vertices scattered at random over
 * 60 × 30 km of British National Grid, a text and two number columns; GDAL writes the features in
 * input order and builds the R*Tree), so matching rows lie scattered over the table's leaves as
 * in any GeoPackage converted from unsorted data. The queries run the CLI's own code
 * (runGeoRows, output discarded).
 *
 *   client ─► latency proxy (worker thread, 20 ms) ─► fauxqs (child process)
 *
 *   npx tsx bench/gpkg-bbox.ts [--features 100000] [--latency 20]
 *
 * Then the same queries over the blocks in memory with each GET delayed: the rounds of requests
 * (load-independent, unlike the wall time through the proxy on a shared machine).
 *
 * Figures are printed, never asserted. Needs gdal-bin (skipped when ogr2ogr is missing).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Database } from '../src/api/database.js';
import { bboxScanSql, runGeoRows, type GeoRowsOptions } from '../src/cli/commands/gpkg-rows.js';
import { BlockStore } from '../src/store/block-store.js';
import { MemoryObjectStore } from '../src/store/memory-store.js';
import type { DeleteManyOptions, ObjectInfo, ObjectStore, RequestCounts, WriteConditions } from '../src/store/object-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type ProxyCounts } from './latency-proxy.js';
import { prng } from '../test/support/prng.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const LATENCY = arg('latency', 20);
const FEATURES = arg('features', process.argv.includes('--quick') ? 20000 : 100000);
const BUCKET = 'gpkg';
const X0 = 500000;
const Y0 = 170000;
const W = 60000;
const H = 30000;

function requests(c: ProxyCounts): string {
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`)
    .join(', ');
}

/** A GeoPackage of FEATURES polygons made by ogr2ogr. */
function makeGeoPackage(dir: string): string {
  const rnd = prng(16);
  const lines = ['name,area_code,population,WKT'];
  for (let i = 1; i <= FEATURES; i++) {
    const cx = X0 + rnd() * W;
    const cy = Y0 + rnd() * H;
    const n = 8 + Math.floor(rnd() * 17);
    const r = 20 + rnd() * 120;
    const ring: string[] = [];
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * k) / n;
      const d = r * (0.7 + 0.3 * rnd());
      ring.push(`${(cx + d * Math.cos(a)).toFixed(2)} ${(cy + d * Math.sin(a)).toFixed(2)}`);
    }
    ring.push(ring[0]!);
    lines.push(`parcel ${i} of district ${Math.floor(rnd() * 500)},E${String(1e7 + i)},${Math.floor(rnd() * 5000)},"POLYGON ((${ring.join(', ')}))"`);
  }
  const csv = join(dir, 'parcels.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const gpkg = join(dir, 'parcels.gpkg');
  execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, csv, '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:27700', '-nln', 'parcels', '-nlt', 'POLYGON']);
  return gpkg;
}

/** Delays each GET and counts rounds: a GET that starts more than delay/2 ms after the previous one opens a new round. */
class RoundCounter implements ObjectStore {
  gets = 0;
  rounds = 0;
  private last = -Infinity;
  constructor(
    private readonly inner: ObjectStore,
    private readonly delayMs: number,
  ) {}
  get url(): string {
    return this.inner.url;
  }
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    const now = performance.now();
    if (now - this.last > this.delayMs / 2) this.rounds++;
    this.last = now;
    this.gets++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    return this.inner.put(key, data, conditions);
  }
  delete(key: string, conditions?: WriteConditions): Promise<void> {
    return this.inner.delete(key, conditions);
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    return this.inner.deleteMany(keys, options);
  }
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

let hasGdal = true;
try {
  execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' });
} catch {
  hasGdal = false;
}

if (!hasGdal) {
  console.log('gpkg-bbox: skipped (ogr2ogr from gdal-bin is not installed)');
} else {
  suppressSdkNodeVersionWarning();
  process.env['AWS_ACCESS_KEY_ID'] ??= 'x';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'x';
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-gpkg-'));
  const server = await startFauxqsProcess();
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
  const s3 = { endpoint: proxy.url, region: 'us-east-1', forcePathStyle: true };
  const store = (): S3ObjectStore => new S3ObjectStore({ bucket: BUCKET, ...s3, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const path = makeGeoPackage(dir);
    const bytes = new Uint8Array(readFileSync(path));
    const setup = store();
    await setup.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await new Upload({ client: setup.client, params: { Bucket: BUCKET, Key: 'whole/parcels.gpkg', Body: bytes }, partSize: 8 * 2 ** 20 }).done();
    await deserialize(new BlockStore(setup, 'blocks/parcels.gpkg'), [bytes], { blockSize: 4096 });
    await setup.close();
    const pageSize = new DataView(bytes.buffer, bytes.byteOffset).getUint16(16);

    console.log(`\n## GeoPackage bbox query vs full scan over S3 (cold Database.open + the query; ${LATENCY} ms per request), ${new Date().toISOString()}`);
    console.log(
      `GeoPackage made by ogr2ogr: ${FEATURES} polygons (8–24 vertices) over ${W / 1000} × ${H / 1000} km, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ` +
        `${bytes.length / pageSize} pages of ${pageSize} bytes; R*Tree rtree_parcels_geom`,
    );
    console.log('| layout | query | features | requests | MiB down | most in flight | round trips (wall ÷ latency) | wall ms |');
    console.log('|---|---|---:|---|---:|---:|---:|---:|');
    const box = (fraction: number): [number, number, number, number] => {
      // A square box of `fraction` of the area, centred in the extent.
      const side = Math.sqrt(fraction * W * H);
      const cx = X0 + W / 2;
      const cy = Y0 + H / 2;
      return [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
    };
    const scenarios: [string, GeoRowsOptions['bbox'], boolean][] = [
      ['--bbox 0.01% of the area (R*Tree)', box(0.0001), true],
      ['--bbox 0.1% (R*Tree)', box(0.001), true],
      ['--bbox 1% (R*Tree)', box(0.01), true],
      ['--bbox 10% (R*Tree)', box(0.1), true],
      ['--bbox 0.1% as a full scan (no R*Tree: ST_MinX … of every row)', box(0.001), false],
    ];
    for (const [label, bbox, indexed] of scenarios) {
      for (const [layout, key] of [
        ['blocks', 'blocks/parcels.gpkg'],
        ['one object', 'whole/parcels.gpkg'],
      ] as const) {
        proxy.latencyMs = LATENCY;
        proxy.reset();
        const t0 = performance.now();
        const db = await Database.open(`s3://${BUCKET}/${key}`, s3);
        let features = 0;
        const write = (text: string): void => {
          for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) features++;
        };
        if (indexed) {
          await runGeoRows(db, 'parcels', { format: 'json', geojson: true, bbox, limit: undefined, offset: undefined, quiet: true }, write);
        } else {
          // What --bbox runs on a table without a spatial index, forced here on the same file.
          const stmt = await db.prepare(bboxScanSql('parcels', 'geom'));
          for await (const row of stmt.typedIterate([...bbox!, -1n, 0n])) if (row.values.length > 0) features++;
        }
        const ms = performance.now() - t0;
        const c = { ...proxy.counts };
        await db.close();
        console.log(
          `| ${layout} | ${label} | ${features} | ${requests(c)} | ${(c.bytesDown / 2 ** 20).toFixed(2)} | ${c.maxInFlight} | ${(ms / LATENCY).toFixed(1)} | ${ms.toFixed(0)} |`,
        );
      }
    }
    console.log('requests = all kinds the proxy saw, the open and the reader\'s checks included.');

    // Wall time above includes the proxy's and the server's CPU on a shared machine: the rounds
    // of requests are the load-independent figure. Same queries over the blocks in memory, each
    // GET delayed LATENCY ms; GETs that start within LATENCY / 2 ms of the previous one share a round.
    const memory = new MemoryObjectStore();
    await deserialize(new BlockStore(memory, 'db'), [bytes], { blockSize: 4096 });
    console.log(`\nRounds of requests (blocks in memory, ${LATENCY} ms per GET; cold open + query):`);
    console.log('| query | GETs | rounds | wall ms |');
    console.log('|---|---:|---:|---:|');
    for (const [label, bbox, indexed] of scenarios) {
      const timed = new RoundCounter(memory, LATENCY);
      const t0 = performance.now();
      const db = await Database.open({ objects: timed, prefix: 'db' });
      if (indexed) await runGeoRows(db, 'parcels', { format: 'json', geojson: true, bbox, limit: undefined, offset: undefined, quiet: true }, () => {});
      else for await (const _ of (await db.prepare(bboxScanSql('parcels', 'geom'))).typedIterate([...bbox!, -1n, 0n]));
      const ms = performance.now() - t0;
      await db.close();
      console.log(`| ${label} | ${timed.gets} | ${timed.rounds} | ${ms.toFixed(0)} |`);
    }
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
