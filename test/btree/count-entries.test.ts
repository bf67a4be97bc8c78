/**
 * countEntries over block files (src/btree/count-entries.ts): over blocks of 16 pages it keeps
 * about `prefetchCapacity` blocks in flight (not LEVEL_WINDOW / 16), fetches every block once,
 * stays within a small block cache, and counts exactly what sqlite3 counts — for tables and
 * indexes, random trees and block sizes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSchemaRows } from '../../src/api/schema-rows.js';
import { countEntries } from '../../src/btree/count-entries.js';
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
const BLOCK = 16 * PAGE;
// ~3 MiB of 1 KiB pages: ~2,200 table leaves plus an index, in ~190 blocks.
const BYTES = makeDatabaseBytes(`PRAGMA page_size=${PAGE}; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<20000) INSERT INTO t SELECT i, printf('%0100d', i) FROM s;
CREATE INDEX t_v ON t(substr(v, 90));`);

async function rootOf(pager: Pager, name: string): Promise<number> {
  const row = (await readSchemaRows(pager)).find((r) => r.name === name);
  if (row === undefined) throw new Error(`no ${name}`);
  return row.rootPage;
}

async function count(remote: MemoryObjectStore, name: string, vfs?: BlockVfsOptions) {
  const objects = new CountingStore(remote, 3);
  const file = await new BlockVfs(objects, vfs).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
  const pager = await Pager.open(file);
  const root = await rootOf(pager, name);
  objects.maxInFlight = 0;
  const before = objects.gets;
  const n = await countEntries(pager, root);
  const gets = objects.gets - before;
  // Counting again costs nothing new when the pages are cached (no hint for cached runs).
  const again = objects.gets;
  expect(await countEntries(pager, root)).toBe(n);
  const secondGets = objects.gets - again;
  await file.xClose();
  const twice = [...objects.getsByKey].filter(([k, c]) => c > 1 && !k.endsWith('/0000000000')).map(([k]) => k);
  return { n, gets, secondGets, maxInFlight: objects.maxInFlight, twice };
}

describe('countEntries over blocks larger than the page', () => {
  it('keeps about prefetchCapacity blocks in flight and fetches each block once', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    const blocks = Math.ceil(BYTES.length / BLOCK);
    expect(blocks).toBeGreaterThan(150);

    const table = await count(remote, 't');
    expect(table.n).toBe(20000);
    expect(table.twice).toEqual([]);
    expect(table.gets).toBeLessThanOrEqual(blocks);
    // 64 pages at a time would be ~4 blocks of 16 pages; the block window is 63 blocks.
    expect(table.maxInFlight).toBeGreaterThanOrEqual(48);
    expect(table.maxInFlight).toBeLessThanOrEqual(64);
    // The file (~3 MiB) fits the 8 MiB page cache: the second count is free.
    expect(table.secondGets).toBe(0);

    const index = await count(remote, 't_v');
    expect(index.n).toBe(20000);
    expect(index.twice).toEqual([]);
    expect(index.maxInFlight).toBeGreaterThanOrEqual(16);
  }, 30_000);

  it('stays within a small block cache: at most its capacity in flight, only interior blocks twice', async () => {
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [BYTES], { blockSize: BLOCK });
    const small = await count(remote, 't', { blockCacheBytes: 8 * BLOCK });
    expect(small.n).toBe(20000);
    // The blocks holding the table's interior pages are read in the interior pass; the 8-block
    // cache cannot keep them all for the leaf pass, so those beyond its capacity come again —
    // once more at most, and no other block.
    const interiorBlocks = new Set<number>();
    for (let p = 2; p * PAGE <= BYTES.length; p++) if (BYTES[(p - 1) * PAGE] === 0x05) interiorBlocks.add(Math.floor(((p - 1) * PAGE) / BLOCK));
    expect(interiorBlocks.size).toBeGreaterThan(8);
    for (const key of small.twice) expect(interiorBlocks.has(Number(key.slice(3)))).toBe(true);
    expect(small.twice.length).toBeLessThanOrEqual(interiorBlocks.size - 7);
    expect(small.gets).toBeLessThanOrEqual(Math.ceil(BYTES.length / BLOCK) + interiorBlocks.size - 7);
    expect(small.maxInFlight).toBeLessThanOrEqual(8);
    expect(small.maxInFlight).toBeGreaterThanOrEqual(6);
  }, 30_000);

  it('counts what sqlite counts (random trees, page and block sizes, tables and indexes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024),
        fc.constantFrom(1, 2, 16, 32),
        fc.uniqueArray(fc.record({ rowid: fc.integer({ min: -100_000, max: 100_000 }), size: fc.integer({ min: 0, max: 300 }) }), {
          maxLength: 1500,
          selector: (r) => r.rowid,
        }),
        async (pageSize, pagesPerBlock, rows) => {
          const bytes = await buildWithSqlJs([
            { sql: `PRAGMA page_size=${pageSize}` },
            { sql: 'CREATE TABLE t (v BLOB)' },
            { sql: 'CREATE INDEX t_v ON t(v)' },
            { sql: 'BEGIN' },
            ...rows.map((r) => ({ sql: 'INSERT INTO t (rowid, v) VALUES (?, ?)', params: [r.rowid, new Uint8Array(r.size).fill(r.rowid & 0xff)] })),
            { sql: 'COMMIT' },
          ]);
          const local = await Pager.open(new BytesPageFile(bytes));
          expect(await countEntries(local, await rootOf(local, 't'))).toBe(rows.length);
          expect(await countEntries(local, await rootOf(local, 't_v'))).toBe(rows.length);
          const remote = new MemoryObjectStore();
          await deserialize(new BlockStore(remote, 'db'), [bytes], { blockSize: pageSize * pagesPerBlock });
          const t = await count(remote, 't');
          const i = await count(remote, 't_v');
          expect(t.n).toBe(rows.length);
          expect(i.n).toBe(rows.length);
          if (pageSize * pagesPerBlock >= 16384) {
            expect(t.twice).toEqual([]);
            expect(i.twice).toEqual([]);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
