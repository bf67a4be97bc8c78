/**
 * Read-ahead (src/btree/read-ahead.ts) changes how pages are fetched, never what a cursor
 * returns: random trees built by SQLite (sql.js) over several page sizes, with small rows and
 * rows that spill into overflow chains, scanned forwards and backwards with and without
 * read-ahead. Over a block store, a full scan with read-ahead makes no more GETs than without
 * and has more than one GET in flight at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexCursor } from '../../src/btree/index-cursor.js';
import { fetchRowidLeaves } from '../../src/btree/read-ahead.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { buildWithSqlJs } from '../support/sqljs.js';
import { CountingStore } from './counting-store.js';

interface Tree {
  pageSize: number;
  rows: { rowid: number; size: number }[];
}

const treeArb: fc.Arbitrary<Tree> = fc.record({
  pageSize: fc.constantFrom(512, 1024, 4096),
  rows: fc.uniqueArray(
    fc.record({
      rowid: fc.integer({ min: -1_000_000, max: 1_000_000 }),
      // Mostly small rows, some large enough to overflow a 512..4096-byte page.
      size: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 120 }) }, { weight: 1, arbitrary: fc.integer({ min: 500, max: 9000 }) }),
    }),
    { minLength: 0, maxLength: 900, selector: (r) => r.rowid },
  ),
});

async function build(tree: Tree): Promise<Uint8Array> {
  return buildWithSqlJs([
    { sql: `PRAGMA page_size=${tree.pageSize}` },
    { sql: 'CREATE TABLE t (k TEXT, v BLOB)' },
    { sql: 'CREATE INDEX t_k ON t(k)' },
    { sql: 'BEGIN' },
    ...tree.rows.map((r) => ({
      sql: 'INSERT INTO t (rowid, k, v) VALUES (?, ?, ?)',
      params: [r.rowid, `k${(r.rowid * 7919) % 1013}`, new Uint8Array(r.size).fill(r.rowid & 0xff)],
    })),
    { sql: 'COMMIT' },
  ]);
}

async function rootPages(pager: Pager): Promise<{ table: number; index: number }> {
  // sqlite_schema rows in creation order: table t, then index t_k; the root page is field 3.
  const { decodeRecord } = await import('../../src/record/record.js');
  const c = new TableCursor(pager, 1);
  const roots: number[] = [];
  for (let ok = await c.first(); ok; ok = await c.next()) {
    roots.push(Number(decodeRecord(await c.payload(), 1).values[3]));
  }
  return { table: roots[0]!, index: roots[1]! };
}

type Entry = [string, string];

async function scanTable(pager: Pager, root: number, readAhead: boolean, backward: boolean): Promise<Entry[]> {
  const c = new TableCursor(pager, root, { readAhead });
  const out: Entry[] = [];
  if (readAhead && !backward) {
    // The read-ahead side also takes the synchronous fast paths (nextInLeaf, localPayload).
    for (let ok = await c.first(); ok; ok = c.nextInLeaf() ?? (await c.next())) {
      out.push([String(c.rowid), Buffer.from(c.localPayload() ?? (await c.payload())).toString('hex')]);
    }
    return out;
  }
  for (let ok = await (backward ? c.last() : c.first()); ok; ok = await (backward ? c.prev() : c.next())) {
    out.push([String(c.rowid), Buffer.from(await c.payload()).toString('hex')]);
  }
  return out;
}

async function scanIndex(pager: Pager, root: number, readAhead: boolean, backward: boolean): Promise<string[]> {
  const c = new IndexCursor(pager, root, { readAhead });
  const out: string[] = [];
  for (let ok = await (backward ? c.last() : c.first()); ok; ok = await (backward ? c.prev() : c.next())) {
    out.push(Buffer.from(await c.payload()).toString('hex'));
  }
  return out;
}

describe('read-ahead', () => {
  it('returns exactly the rows a cursor without read-ahead returns (random trees, both directions)', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, fc.boolean(), fc.integer({ min: 1, max: 64 }), async (tree, backward, cachePages) => {
        const bytes = await build(tree);
        // A small cache on the read-ahead side too: prefetched pages may be evicted before use.
        const plain = await Pager.open(new BytesPageFile(bytes));
        const ahead = await Pager.open(new BytesPageFile(bytes), { cacheBytes: cachePages * tree.pageSize * 4 });
        const roots = await rootPages(plain);
        const expected = await scanTable(plain, roots.table, false, backward);
        expect(expected.length).toBe(tree.rows.length);
        expect(await scanTable(ahead, roots.table, true, backward)).toEqual(expected);
        expect(await scanIndex(ahead, roots.index, true, backward)).toEqual(await scanIndex(plain, roots.index, false, backward));
      }),
      { numRuns: 30 },
    );
  }, 60_000);

  it('makes no more GETs than a scan without it, with more than one GET in flight', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => ({ rowid: i + 1, size: 150 }));
    const bytes = await build({ pageSize: 1024, rows });
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [bytes], { blockSize: 1024 });

    async function scan(readAhead: boolean): Promise<{ gets: number; maxInFlight: number; n: number; leaves: number }> {
      const objects = new CountingStore(remote, 2);
      const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
      const pager = await Pager.open(file);
      const roots = await rootPages(pager);
      const before = objects.gets;
      objects.maxInFlight = 0;
      const c = new TableCursor(pager, roots.table, { readAhead });
      let n = 0;
      for (let ok = await c.first(); ok; ok = await c.next()) n++;
      const { countEntries } = await import('../../src/btree/count-entries.js');
      expect(await countEntries(pager, roots.table)).toBe(n);
      await file.xClose();
      return { gets: objects.gets - before, maxInFlight: objects.maxInFlight, n, leaves: pager.stats.reads };
    }
    const without = await scan(false);
    const withRa = await scan(true);
    expect(without.n).toBe(6000);
    expect(withRa.n).toBe(6000);
    expect(without.maxInFlight).toBe(1);
    expect(withRa.gets).toBeLessThanOrEqual(without.gets);
    expect(withRa.maxInFlight).toBeGreaterThan(1);
  }, 30_000);

  it('does not fetch ahead for a seek or for the first leaf of a scan (LIMIT-style reads)', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ rowid: i + 1, size: 100 }));
    const bytes = await build({ pageSize: 1024, rows });
    const pager = await Pager.open(new BytesPageFile(bytes));
    const roots = await rootPages(pager);
    const c = new TableCursor(pager, roots.table);
    const r0 = pager.stats.reads;
    await c.first();
    for (let i = 0; i < 3; i++) await c.next(); // still inside the first leaf
    expect(c.readAheadStats).toBeUndefined();
    const depthReads = pager.stats.reads - r0;
    expect(await c.seekRowid(1500)).toBe(true);
    expect(c.readAheadStats).toBeUndefined();
    // Walking on across leaves starts it, and the window grows past its initial size.
    for (let i = 0; i < 400; i++) await c.next();
    expect(c.readAheadStats?.window).toBeGreaterThan(4);
    expect(depthReads).toBeGreaterThan(0);

    // The window never exceeds a quarter of the page cache: 32 KiB of 1 KiB pages -> 8 leaves.
    const small = await Pager.open(new BytesPageFile(bytes), { cacheBytes: 32 * 1024 });
    const s = new TableCursor(small, roots.table);
    let n = 0;
    for (let ok = await s.first(); ok; ok = await s.next()) n++;
    expect(n).toBe(3000);
    expect(s.readAheadStats?.window).toBe(8);
  });

  it('fetchRowidLeaves brings a batch of rowid leaves into the cache: the seeks then read nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 200, max: 3000 }),
        fc.uniqueArray(fc.integer({ min: -50, max: 3100 }), { minLength: 1, maxLength: 60 }),
        async (count, wanted) => {
          const rows = Array.from({ length: count }, (_, i) => ({ rowid: i * 2 + 1, size: 60 }));
          const bytes = await build({ pageSize: 512, rows });
          const pager = await Pager.open(new BytesPageFile(bytes));
          const roots = await rootPages(pager);
          const leaves = await fetchRowidLeaves(pager, roots.table, wanted);
          expect(leaves).toBeGreaterThan(0);
          expect(leaves).toBeLessThanOrEqual(wanted.length);
          const reads = pager.stats.reads;
          const c = new TableCursor(pager, roots.table, { readAhead: false });
          for (const rowid of wanted) {
            const exists = rowid % 2 === 1 && rowid >= 1 && rowid <= count * 2 - 1;
            const found = await c.seekRowid(rowid);
            expect(found).toBe(exists);
          }
          // Misses past a leaf's end step to the next leaf, which the batch need not hold;
          // hits never read.
          const hitsOnly = wanted.filter((r) => r % 2 === 1 && r >= 1 && r <= count * 2 - 1);
          const pager2 = await Pager.open(new BytesPageFile(bytes));
          await fetchRowidLeaves(pager2, roots.table, hitsOnly);
          const r2 = pager2.stats.reads;
          const c2 = new TableCursor(pager2, roots.table, { readAhead: false });
          for (const rowid of hitsOnly) expect(await c2.seekRowid(rowid)).toBe(true);
          expect(pager2.stats.reads).toBe(r2);
          expect(reads).toBeGreaterThan(0);
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);

  it('a prefetch that fails or outlives the pager surfaces only where the cursor reads', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ rowid: i + 1, size: 150 }));
    const bytes = await build({ pageSize: 1024, rows });
    const remote = new MemoryObjectStore();
    await deserialize(new BlockStore(remote, 'db'), [bytes], { blockSize: 1024 });
    // The leaf that holds rowid 1500 (found on a local copy) will fail to load.
    const local = await Pager.open(new BytesPageFile(bytes));
    const probe = new TableCursor(local, (await rootPages(local)).table);
    expect(await probe.seekRowid(1500)).toBe(true);
    const stack = (probe as unknown as { stack: { page: { pgno: number } }[] }).stack;
    const leafPgno = stack[stack.length - 1]!.page.pgno;
    const failing = new CountingStore(remote, 1);
    const bad = `db/${String(leafPgno - 1).padStart(10, '0')}`;
    const get = failing.get.bind(failing);
    failing.get = async (key: string) => {
      if (key === bad) throw new Error('injected GET failure');
      return get(key);
    };
    const file = await new BlockVfs(failing).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    const pager = await Pager.open(file);
    const roots = await rootPages(pager);
    const c = new TableCursor(pager, roots.table);
    let n = 0;
    await expect(
      (async () => {
        for (let ok = await c.first(); ok; ok = await c.next()) n++;
      })(),
    ).rejects.toThrow(new RegExp(`injected GET failure|page ${leafPgno}`));
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(1500);

    // Closing while prefetches are in flight: they fail quietly (an unhandled rejection would fail the run).
    const file2 = await new BlockVfs(new CountingStore(remote, 5)).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    const pager2 = await Pager.open(file2);
    const c2 = new TableCursor(pager2, roots.table);
    for (let ok = await c2.first(), i = 0; ok && i < 200; ok = await c2.next(), i++);
    expect(c2.readAheadStats?.fetches).toBeGreaterThan(0);
    pager2.close();
    await file2.xClose();
    await new Promise((r) => setTimeout(r, 50));
  });
});
