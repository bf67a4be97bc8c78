/**
 * scanTableLeaves (CREATE INDEX's bulk read of a table) hands over exactly the rows a
 * TableCursor walks — same rowids, same payloads, same order — whether the leaves are read at
 * once from a local file into one buffer (read-pages-into.ts), fetched through the pager in
 * groups (a file that cannot read at once), or partly cached or dirty; rows with overflow come
 * whole. Corrupt trees end in CorruptError (or success), never another error or a hang.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openPager } from '../../src/api/open-database.js';
import type { BtreePage } from '../../src/btree/btree-page.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { scanTableLeaves, type LeafSink } from '../../src/btree/table-leaf-scan.js';
import { CorruptError, NotADatabaseError } from '../../src/errors.js';
import { writeU32 } from '../../src/format/bytes.js';
import { parseCell } from '../../src/format/cell.js';
import { cellOffset, decodePageHeader } from '../../src/format/page-header.js';
import type { Pager } from '../../src/pager/pager.js';
import { TempDir, makeDb, openBytes, randomDbSql, rows, writeBytes } from './sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

/** A sink that keeps every row as `rowid:hex` (payloads copied: they are views into a reused buffer). */
class Collect implements LeafSink {
  readonly rows: string[] = [];
  leaves = -1;
  expectLeaves(count: number): void {
    expect(this.leaves).toBe(-1);
    this.leaves = count;
  }
  takeLocalCells(page: BtreePage, from: number, usable: number): number {
    const n = page.header.cellCount;
    for (let i = from; i < n; i++) {
      const cell = parseCell(page.data, cellOffset(page.data, page.header, i, page.pgno, usable), 0x0d, page.pgno, usable);
      if (cell.overflowPgno !== 0) return i;
      this.add(page.data.subarray(cell.localOffset, cell.localOffset + cell.payloadSize), cell.rowid);
    }
    return n;
  }
  add(payload: Uint8Array, rowid: number | bigint): void {
    this.rows.push(`${rowid}:${Buffer.from(payload).toString('hex')}`);
  }
}

async function cursorRows(pager: Pager, root: number): Promise<string[]> {
  const out: string[] = [];
  const c = new TableCursor(pager, root, { readAhead: false });
  for (let ok = await c.first(); ok; ok = await c.next()) out.push(`${c.rowid}:${Buffer.from(await c.payload()).toString('hex')}`);
  return out;
}

async function scanRows(pager: Pager, root: number): Promise<string[]> {
  const sink = new Collect();
  await scanTableLeaves(pager, root, sink);
  expect(sink.leaves).toBeGreaterThan(0);
  return sink.rows;
}

function tableRoots(path: string): number[] {
  return rows(path, "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%'").map((r) => Number(r[0]));
}

describe('scanTableLeaves', () => {
  it('hands over the rows a cursor walks: local file at once, through the pager, partly cached, dirty', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(512, 1024, 4096), fc.integer({ min: 1, max: 400 }), fc.nat(), async (pageSize, n, seed) => {
        const path = tmp.file();
        const bytes = makeDb(path, randomDbSql({ pageSize, autoVacuum: 'none', rows: n, seed }));
        const roots = tableRoots(path);
        // Through the pager only (a file that cannot read at once).
        const viaPager = await openBytes(bytes, 1 << 20);
        const expected = new Map<number, string[]>();
        for (const root of roots) {
          expected.set(root, await cursorRows(viaPager, root));
          expect(await scanRows(await openBytes(bytes, 1 << 20), root)).toEqual(expected.get(root));
        }
        // A local file: runs read at once; then with some leaves cached; then inside a write
        // transaction with dirty leaves (their changes must be seen).
        const opened = await openPager(path, { readonly: false });
        try {
          const pager = opened.pager;
          for (const root of roots) {
            const sink = new Collect();
            const leaves: number[] = [];
            const take = sink.takeLocalCells.bind(sink);
            sink.takeLocalCells = (page, from, usable) => {
              if (from === 0) leaves.push(page.pgno);
              return take(page, from, usable);
            };
            await scanTableLeaves(pager, root, sink);
            expect(sink.rows).toEqual(expected.get(root));
            expect(leaves.length).toBe(sink.leaves);
            // The leaves were read at once into the scan's buffer, not one by one into the cache.
            if (leaves.length > 1) expect(leaves.filter((pgno) => pager.peekPage(pgno) !== undefined)).toEqual([]);
          }
          for (const root of roots) {
            const c = new TableCursor(pager, root, { readAhead: false });
            for (let ok = await c.first(), k = 0; ok; ok = await c.next(), k++) if (k % 7 === 0) await c.payload();
            expect(await scanRows(pager, root)).toEqual(expected.get(root));
          }
        } finally {
          await opened.release();
        }
      }),
      { numRuns: 12 },
    );
  });

  it('sees the dirty pages of its own write transaction', async () => {
    const path = tmp.file();
    makeDb(path, randomDbSql({ pageSize: 1024, autoVacuum: 'none', rows: 300, seed: 7 }));
    const opened = await openPager(path, { readonly: false });
    try {
      const pager = opened.pager;
      await pager.beginWrite();
      const root = tableRoots(path)[0]!;
      const before = await cursorRows(pager, root);
      // Change the last byte of the first payload on every third leaf (dirty copies of them).
      const sink = new Collect();
      const leaves: number[] = [];
      const take = sink.takeLocalCells.bind(sink);
      sink.takeLocalCells = (page, from, usable) => {
        if (from === 0) leaves.push(page.pgno);
        return take(page, from, usable);
      };
      await scanTableLeaves(pager, root, sink);
      for (let k = 0; k < leaves.length; k += 3) {
        const pgno = leaves[k]!;
        const page = await pager.getWritable(pgno);
        const header = decodePageHeader(page, pgno, pager.usableSize);
        if (header.cellCount === 0) continue;
        const cell = parseCell(page, cellOffset(page, header, 0, pgno, pager.usableSize), 0x0d, pgno, pager.usableSize);
        if (cell.localSize > 1) page[cell.localOffset + cell.localSize - 1] = 0xff ^ page[cell.localOffset + cell.localSize - 1]!;
      }
      const after = await cursorRows(pager, root);
      expect(after).not.toEqual(before);
      expect(await scanRows(pager, root)).toEqual(after);
      pager.rollback();
    } finally {
      await opened.release();
    }
  });

  it('reports a child pointer to a page already reached, and leaves at different depths, as corruption', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, randomDbSql({ pageSize: 512, autoVacuum: 'none', rows: 400, seed: 3 }));
    const root = tableRoots(path)[0]!;
    const size = 512;
    const rootPage = bytes.subarray((root - 1) * size, root * size);
    const header = decodePageHeader(rootPage, root, size);
    expect(header.isLeaf).toBe(false);
    // The root's right child replaced by its first child: that page is reached twice.
    const twice = bytes.slice();
    const child0 = new DataView(twice.buffer).getUint32((root - 1) * size + cellOffset(rootPage, header, 0, root, size));
    writeU32(twice, (root - 1) * size + 8, child0);
    await expect(scanRows(await openBytes(twice), root)).rejects.toThrow(/reached twice/);
    // The root's right child replaced by the root of another table, a b-tree of a different
    // depth (a leaf where interior pages are, or the other way round).
    const uneven = bytes.slice();
    const other = tableRoots(path).find((r) => r !== root)!;
    writeU32(uneven, (root - 1) * size + 8, other);
    await expect(scanRows(await openBytes(uneven), root)).rejects.toThrow(CorruptError);
  });

  it('byte flips end in success or a corruption error', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, randomDbSql({ pageSize: 512, autoVacuum: 'none', rows: 200, seed: 11 }));
    const roots = tableRoots(path);
    const pages = bytes.length / 512;
    let corrupt = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ page: fc.nat({ max: pages - 1 }), at: fc.nat({ max: 511 }), value: fc.nat({ max: 255 }), near: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        async (edits) => {
          const b = bytes.slice();
          // Half of the edits land in page headers and cell pointers, where structure lives.
          for (const e of edits) b[e.page * 512 + (e.near ? (e.page === 0 ? 100 : 0) + (e.at % 32) : e.at)] = e.value;
          const file = tmp.file();
          writeBytes(file, b);
          try {
            const opened = await openPager(file, { readonly: true });
            try {
              for (const root of roots) await scanRows(opened.pager, root);
            } finally {
              await opened.release();
            }
          } catch (err) {
            if (!(err instanceof CorruptError) && !(err instanceof NotADatabaseError)) throw err;
            corrupt++;
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(corrupt).toBeGreaterThan(0);
  });
});

