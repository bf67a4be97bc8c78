/**
 * The block window of the leaf read-ahead (src/btree/read-ahead.ts, "Blocks larger than the
 * page"): over a block file whose blocks hold several pages, a scan keeps many BLOCKS in flight —
 * not a page window's worth divided by the pages per block — within the block cache's budget,
 * fetches every block at most once, fetches nothing ahead for LIMIT-style reads, and returns
 * exactly the rows of a scan without read-ahead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { readSchemaRows } from '../../src/api/schema-rows.js';
import type { LeafReadAhead } from '../../src/btree/read-ahead.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { BlockVfs, type BlockVfsOptions } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { buildWithSqlJs } from '../support/sqljs.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';
import { CountingStore } from '../perf/counting-store.js';

const PAGE = 1024;
const BLOCK = 16 * PAGE; // 16 KiB: the smallest block size with a block cache
// ~2.3 MiB of 1 KiB pages: ~2,200 leaves in ~145 blocks.
const BYTES = makeDatabaseBytes(`PRAGMA page_size=${PAGE}; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<20000) INSERT INTO t SELECT i, printf('%0100d', i) FROM s;`);

async function tableRoot(pager: Pager, name = 't'): Promise<number> {
  const row = (await readSchemaRows(pager)).find((r) => r.name === name);
  if (row === undefined) throw new Error(`no ${name}`);
  return row.rootPage;
}

function blockStats(c: TableCursor): LeafReadAhead['blockStats'] {
  return (c as unknown as { readAhead: LeafReadAhead | undefined }).readAhead?.blockStats;
}

interface ScanResult {
  rows: number;
  gets: number;
  maxInFlight: number;
  twice: string[];
  window: number | undefined;
}

async function scan(
  remote: MemoryObjectStore,
  options: { blocks?: boolean; vfs?: BlockVfsOptions; backward?: boolean } = {},
): Promise<ScanResult> {
  const objects = new CountingStore(remote, 3);
  const file = await new BlockVfs(objects, options.vfs).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
  const pager = await Pager.open(file);
  const root = await tableRoot(pager);
  objects.maxInFlight = 0;
  const c = new TableCursor(pager, root, { readAhead: { blocks: options.blocks ?? true } });
  let rows = 0;
  let last = options.backward === true ? Infinity : -Infinity;
  for (let ok = await (options.backward ? c.last() : c.first()); ok; ok = await (options.backward ? c.prev() : c.next())) {
    const rowid = Number(c.rowid);
    expect(options.backward ? rowid < last : rowid > last).toBe(true);
    last = rowid;
    rows++;
  }
  const window = blockStats(c)?.window;
  await file.xClose();
  const twice = [...objects.getsByKey].filter(([k, n]) => n > 1 && !k.endsWith('/0000000000')).map(([k]) => k);
  return { rows, gets: objects.gets, maxInFlight: objects.maxInFlight, twice, window };
}

describe('block read-ahead', () => {
  it('a scan over 16-page blocks keeps many blocks in flight and fetches each block once', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    const blocks = Math.ceil(BYTES.length / BLOCK);
    expect(blocks).toBeGreaterThan(120);

    const pagesOnly = await scan(remote, { blocks: false });
    const withBlocks = await scan(remote);
    expect(pagesOnly.rows).toBe(20000);
    expect(withBlocks.rows).toBe(20000);
    // No block twice, so no more GETs than the file has blocks (+ block 0 at open and for the header).
    expect(withBlocks.twice).toEqual([]);
    expect(withBlocks.gets).toBeLessThanOrEqual(blocks + 1);
    expect(withBlocks.gets).toBeLessThanOrEqual(pagesOnly.gets);
    // A 64-leaf window is only ~4 blocks of 16 pages; the block window reaches far past that.
    expect(pagesOnly.maxInFlight).toBeLessThanOrEqual(8);
    expect(withBlocks.maxInFlight).toBeGreaterThanOrEqual(32);
    expect(withBlocks.window).toBe(63); // the block cache's 64 blocks, less the one being read

    const backward = await scan(remote, { backward: true });
    expect(backward.rows).toBe(20000);
    expect(backward.twice).toEqual([]);
    expect(backward.maxInFlight).toBeGreaterThanOrEqual(32);
  }, 30_000);

  it('through Database (the commit protocol\'s file): rows() keeps many blocks in flight and fetches each once', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    const objects = new CountingStore(remote, 3);
    const db = await Database.open({ objects, prefix: 'db' });
    objects.maxInFlight = 0;
    let rows = 0;
    for await (const _ of db.rows('t')) rows++;
    await db.close();
    expect(rows).toBe(20000);
    expect(objects.maxInFlight).toBeGreaterThanOrEqual(32);
    // Block 0 is read again by the reader's checks; every other block once.
    expect([...objects.getsByKey].filter(([k, n]) => n > 1 && !k.endsWith('/0000000000'))).toEqual([]);
  }, 30_000);

  it('the window is bounded by the block cache in bytes, and still fetches no block twice', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    // 8 blocks of cache: at most 7 hinted ahead.
    const small = await scan(remote, { vfs: { blockCacheBytes: 8 * BLOCK } });
    expect(small.rows).toBe(20000);
    expect(small.window).toBe(7);
    expect(small.twice).toEqual([]);
    // The hinted blocks, plus what the 64-leaf page window asks for on its own (4 blocks).
    expect(small.maxInFlight).toBeLessThanOrEqual(7 + 4 + 1);
    expect(small.maxInFlight).toBeGreaterThan(2);
  }, 30_000);

  it('fetches nothing ahead for a seek or for reads inside the first leaf (LIMIT-style)', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    const objects = new CountingStore(remote);
    const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    const pager = await Pager.open(file);
    const c = new TableCursor(pager, await tableRoot(pager));
    const before = objects.gets;
    await c.first();
    for (let i = 0; i < 3; i++) await c.next();
    expect(await c.seekRowid(12345)).toBe(true);
    expect(blockStats(c)).toBeUndefined();
    // Only the blocks of the two root-to-leaf paths (depth 3 each, some blocks shared).
    expect(objects.gets - before).toBeLessThanOrEqual(6);
    // Stepping across leaves starts it.
    for (let i = 0; i < 200; i++) await c.next();
    expect(blockStats(c)?.blocksHinted).toBeGreaterThan(0);
    await file.xClose();
  });

  it('returns exactly the rows of a scan without read-ahead (random trees, block sizes, both directions)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024),
        fc.constantFrom(2, 4, 16, 32),
        fc.uniqueArray(fc.record({ rowid: fc.integer({ min: -100_000, max: 100_000 }), size: fc.integer({ min: 0, max: 300 }) }), {
          maxLength: 1500,
          selector: (r) => r.rowid,
        }),
        fc.boolean(),
        async (pageSize, pagesPerBlock, rows, backward) => {
          const bytes = await buildWithSqlJs([
            { sql: `PRAGMA page_size=${pageSize}` },
            { sql: 'CREATE TABLE t (v BLOB)' },
            { sql: 'BEGIN' },
            ...rows.map((r) => ({ sql: 'INSERT INTO t (rowid, v) VALUES (?, ?)', params: [r.rowid, new Uint8Array(r.size).fill(r.rowid & 0xff)] })),
            { sql: 'COMMIT' },
          ]);
          const remote = new MemoryObjectStore();
          // Blocks of 16 KiB and more have a block cache (and so a block window); smaller ones test the fallback.
          await deserialize(new BlockStore(remote, 'db'), [bytes], { blockSize: pageSize * pagesPerBlock });
          const local = await Pager.open(new BytesPageFile(bytes));
          const expected: string[] = [];
          const plain = new TableCursor(local, await tableRoot(local), { readAhead: false });
          for (let ok = await (backward ? plain.last() : plain.first()); ok; ok = await (backward ? plain.prev() : plain.next())) {
            expected.push(`${plain.rowid}:${Buffer.from(await plain.payload()).toString('hex')}`);
          }
          expect(expected.length).toBe(rows.length);

          const objects = new CountingStore(remote, 1);
          const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
          const pager = await Pager.open(file);
          const c = new TableCursor(pager, await tableRoot(pager));
          const got: string[] = [];
          for (let ok = await (backward ? c.last() : c.first()); ok; ok = await (backward ? c.prev() : c.next())) {
            got.push(`${c.rowid}:${Buffer.from(await c.payload()).toString('hex')}`);
          }
          await file.xClose();
          expect(got).toEqual(expected);
          if (pageSize * pagesPerBlock >= 16384) {
            // These files fit in the block cache: any block fetched twice is a lost dedup.
            expect([...objects.getsByKey].filter(([k, n]) => n > 1 && !k.endsWith('/0000000000'))).toEqual([]);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
