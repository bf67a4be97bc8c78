/**
 * The request economy of `s3lite rows --bbox` (issue 16): over blocks, a bbox query on a
 * GeoPackage made by GDAL reads the R*Tree nodes on the way and the leaves of the matching rows
 * — not the table — and fetches them in parallel (the matching children of an R*Tree node
 * together, the rows' leaves in batches). Counts only, never time: a CountingStore delays each
 * GET a little so that requests sent together overlap, and records the most in flight.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { bboxSql, runGeoRows } from '../../src/cli/commands/gpkg-rows.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { CountingStore } from './counting-store.js';

const FEATURES = 6000;
let file: string;
let cleanup: () => void;
let store: MemoryObjectStore;
let tablePages = 0;

beforeAll(async () => {
  const t = tempDir('s3lite-gpkg-requests');
  cleanup = t.cleanup;
  let a = 99;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ['name,WKT'];
  for (let i = 1; i <= FEATURES; i++) {
    const x = 500000 + rnd() * 60000;
    const y = 170000 + rnd() * 30000;
    lines.push(`parcel ${i} ${'x'.repeat(Math.floor(rnd() * 80))},"POLYGON ((${x} ${y}, ${x + 80} ${y}, ${x + 80} ${y + 60}, ${x} ${y + 60}, ${x} ${y}))"`);
  }
  writeFileSync(join(t.dir, 'p.csv'), `${lines.join('\n')}\n`);
  file = join(t.dir, 'p.gpkg');
  execFileSync('ogr2ogr', ['-f', 'GPKG', file, join(t.dir, 'p.csv'), '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:27700', '-nln', 'parcels', '-nlt', 'POLYGON']);
  // The feature table's pages (dbstat is compiled into Debian's sqlite3).
  tablePages = Number(sqlite3(file, "SELECT count(*) FROM dbstat WHERE name = 'parcels';").trim());
  store = new MemoryObjectStore();
  await deserialize(new BlockStore(store, 'db'), [new Uint8Array(readFileSync(file))], { blockSize: 4096 });
}, 120_000);
afterAll(() => cleanup());

async function bbox(box: readonly [number, number, number, number]): Promise<{ features: number; gets: number; blocks: number; maxInFlight: number }> {
  const counter = new CountingStore(store, 3);
  const db = await Database.open({ objects: counter, prefix: 'db' });
  try {
    let features = 0;
    await runGeoRows(db, 'parcels', { format: 'json', geojson: false, bbox: box, limit: undefined, offset: undefined, quiet: true }, (text) => {
      features += text.split('\n').length - 1;
    });
    return { features, gets: counter.gets, blocks: counter.getsByKey.size, maxInFlight: counter.maxInFlight };
  } finally {
    await db.close();
  }
}

describe('rows --bbox over blocks', () => {
  it('reads the R*Tree nodes and the matching rows’ leaves, not the table', async () => {
    expect(tablePages).toBeGreaterThan(150);
    const box = [530000, 185000, 531500, 186000] as const;
    const r = await bbox(box);
    const expected = sqlite3(file, `${bboxSql('parcels', 'fid', 'rtree_parcels_geom').replace(/\?(\d)/g, (_, n: string) => [...box.map(String), '-1', '0'][Number(n) - 1]!)};`)
      .split('\n')
      .filter((l) => l !== '').length;
    expect(r.features).toBe(expected);
    expect(r.features).toBeGreaterThan(3);
    // Each matching row on a leaf of its own at worst, plus the R*Tree's nodes and x_node's pages,
    // the schema and the metadata: far below the table's pages.
    expect(r.blocks).toBeLessThan(r.features + 40);
    expect(r.blocks).toBeLessThan(tablePages / 4);
  });

  it('fetches a large answer in parallel batches', async () => {
    const r = await bbox([500000, 170000, 530000, 185000]);
    expect(r.features).toBeGreaterThan(FEATURES / 5);
    // Rows' leaves come a batch at a time, many in flight at once; each block is read once.
    expect(r.maxInFlight).toBeGreaterThan(20);
    expect(r.gets).toBeLessThan(r.blocks + 10);
  });
});
