/**
 * Overflow read-ahead (src/btree/overflow-read-ahead.ts): a forward scan over rows whose payloads
 * spill onto overflow chains walks the chains of the next rows in parallel — and still returns
 * exactly SQLite's payloads, reads no page twice, stays within its page budget, costs nothing
 * for seeks and first rows, and turns corrupt chains into CorruptError from the cursor, never a
 * hang or an unhandled rejection from the background walk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexCursor } from '../../src/btree/index-cursor.js';
import { TableCursor } from '../../src/btree/table-cursor.js';
import type { CursorOptions } from '../../src/btree/cursor-base.js';
import { CorruptError } from '../../src/errors.js';
import { readU32, writeU32 } from '../../src/format/bytes.js';
import { parseCell } from '../../src/format/cell.js';
import { localPayloadSize, overflowPageCount } from '../../src/format/payload.js';
import { cellOffset, decodePageHeader, PageType } from '../../src/format/page-header.js';
import { BytesPageFile, MemoryPageFile, type PageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { decodeRecord } from '../../src/record/record.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';
import { sqljs } from '../support/sqljs.js';

const PAGE = 4096;
const ROWS = 300;
// Rows of 10–20 KB blobs (2–5 overflow pages each); every 7th row small (no overflow).
const BYTES = makeDatabaseBytes(`PRAGMA page_size=${PAGE};
CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${ROWS})
INSERT INTO b SELECT i, CASE WHEN i % 7 = 0 THEN randomblob(20) ELSE randomblob(10000 + (i * 7919) % 10000) END FROM seq;`);

const EXPECTED: Promise<Map<number, Uint8Array>> = (async () => {
  const SQL = await sqljs();
  const db = new SQL.Database(BYTES);
  const stmt = db.prepare('SELECT id, data FROM b ORDER BY id');
  const out = new Map<number, Uint8Array>();
  while (stmt.step()) {
    const [id, data] = stmt.get(null, { useBigInt: false });
    out.set(Number(id), data as Uint8Array);
  }
  stmt.free();
  db.close();
  return out;
})();

/** Every overflow page of the table (each chain followed from its cell). */
const OVERFLOW_PAGES: Set<number> = (() => {
  const out = new Set<number>();
  for (let pgno = 2; pgno <= BYTES.length / PAGE; pgno++) {
    const page = BYTES.subarray((pgno - 1) * PAGE, pgno * PAGE);
    if (page[0] !== PageType.TableLeaf) continue;
    const header = decodePageHeader(page, pgno, PAGE);
    for (let i = 0; i < header.cellCount; i++) {
      const cell = parseCell(page, cellOffset(page, header, i, pgno, PAGE), PageType.TableLeaf, pgno, PAGE);
      for (let p = cell.overflowPgno; p !== 0; p = readU32(BYTES, (p - 1) * PAGE)) out.add(p);
    }
  }
  return out;
})();

/** A file whose reads take a little while, counting reads per page and reads in flight. */
class SlowFile implements PageFile {
  readonly readsPerPage = new Map<number, number>();
  inFlight = 0;
  maxInFlight = 0;
  overflowInFlight = 0;
  maxOverflowInFlight = 0;
  reads = 0;
  constructor(private readonly bytes: Uint8Array) {}
  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    this.reads++;
    const pgno = offset / PAGE + 1;
    this.readsPerPage.set(pgno, (this.readsPerPage.get(pgno) ?? 0) + 1);
    const overflow = OVERFLOW_PAGES.has(pgno) ? 1 : 0;
    this.inFlight++;
    this.overflowInFlight += overflow;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.maxOverflowInFlight = Math.max(this.maxOverflowInFlight, this.overflowInFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    this.overflowInFlight -= overflow;
    const out = new Uint8Array(amount);
    out.set(this.bytes.subarray(offset, offset + amount));
    return out;
  }
  async xFileSize(): Promise<number> {
    return this.bytes.length;
  }
}

const ROOT = 2;

/** Scans table b; checks each row's blob against SQLite's; calls `each` after every row. */
async function scan(
  pager: Pager,
  options: CursorOptions,
  expected: Map<number, Uint8Array>,
  each?: (c: TableCursor, n: number) => void,
  limit = Infinity,
): Promise<{ cursor: TableCursor; rows: number }> {
  const c = new TableCursor(pager, ROOT, options);
  let rows = 0;
  for (let ok = await c.first(); ok && rows < limit; ok = c.nextInLeaf() ?? (await c.next())) {
    const payload = c.localPayload() ?? (await c.payload());
    const rec = decodeRecord(payload, 1);
    // (A byte loop: vitest's deep equality on 20 KB arrays would dominate the test's time.)
    expect(sameBytes(rec.values[1], expected.get(Number(c.rowid))), `row ${c.rowid}`).toBe(true);
    rows++;
    each?.(c, rows);
  }
  return { cursor: c, rows };
}

function sameBytes(a: unknown, b: unknown): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Page and cell of `rowid` on the table's leaves (found by looking at every page). */
function findCell(bytes: Uint8Array, rowid: number): { pgno: number; overflowPgno: number; pointerAt: number } {
  for (let pgno = 2; pgno <= bytes.length / PAGE; pgno++) {
    const page = bytes.subarray((pgno - 1) * PAGE, pgno * PAGE);
    if (page[0] !== PageType.TableLeaf) continue;
    const header = decodePageHeader(page, pgno, PAGE);
    for (let i = 0; i < header.cellCount; i++) {
      const cell = parseCell(page, cellOffset(page, header, i, pgno, PAGE), PageType.TableLeaf, pgno, PAGE);
      if (cell.rowid === rowid) {
        return { pgno, overflowPgno: cell.overflowPgno, pointerAt: (pgno - 1) * PAGE + cell.localOffset + cell.localSize };
      }
    }
  }
  throw new Error(`rowid ${rowid} not found`);
}

describe('overflow read-ahead', () => {
  it('scans with chains walked in parallel, SQLite’s payloads, each page read once', async () => {
    const expected = await EXPECTED;
    const file = new SlowFile(BYTES);
    const pager = await Pager.open(file);
    const { cursor, rows } = await scan(pager, {}, expected);
    expect(rows).toBe(ROWS);
    const stats = cursor.overflowReadAheadStats!;
    // All but the first couple of overflowing rows were walked ahead and found by the cursor.
    const overflowing = ROWS - Math.floor(ROWS / 7);
    expect(stats.hits).toBeGreaterThan(overflowing - 5);
    expect(stats.chains).toBeGreaterThanOrEqual(stats.hits);
    expect(stats.window).toBe(64);
    for (const [pgno, n] of file.readsPerPage) expect(n, `page ${pgno}`).toBe(1);
    // Off: no chain is walked ahead.
    const serial = new SlowFile(BYTES);
    const serialPager = await Pager.open(serial);
    const plain = await scan(serialPager, { readAhead: { overflow: false } }, expected);
    expect(plain.cursor.overflowReadAheadStats).toBeUndefined();
    expect(OVERFLOW_PAGES.size).toBeGreaterThan(ROWS);
    // Chains side by side: many overflow pages in flight at once; without it, one at a time.
    expect(file.maxOverflowInFlight).toBeGreaterThanOrEqual(16);
    expect(serial.maxOverflowInFlight).toBe(1);
  });

  it('keeps the pages walked ahead within a quarter of the cache budget', async () => {
    const expected = await EXPECTED;
    // 128 KiB cache: a quarter is 8 pages, i.e. 1–2 chains of 3–5 pages ahead.
    const pager = await Pager.open(new SlowFile(BYTES), { cacheBytes: 128 * 1024 });
    let maxAhead = 0;
    const { cursor } = await scan(pager, {}, expected, (c) => {
      const s = c.overflowReadAheadStats;
      if (s === undefined) return;
      expect(s.budgetPages).toBe(8);
      expect(s.pagesAhead).toBeLessThanOrEqual(s.budgetPages);
      maxAhead = Math.max(maxAhead, s.pagesAhead);
    });
    expect(cursor.overflowReadAheadStats!.hits).toBeGreaterThan(100);
    expect(maxAhead).toBeGreaterThan(0);
    // A chain longer than the whole budget is never walked ahead (16 KiB: 1 page; chains have 2–5).
    const tiny = await Pager.open(new SlowFile(BYTES), { cacheBytes: 16 * 1024 });
    const r = await scan(tiny, {}, expected);
    expect(r.cursor.overflowReadAheadStats!.chains).toBe(0);
  });

  it('costs nothing for a seek, the first row, or inside a write transaction', async () => {
    const expected = await EXPECTED;
    const file = new SlowFile(BYTES);
    const pager = await Pager.open(file);
    const c = new TableCursor(pager, ROOT);
    expect(await c.seekRowid(100)).toBe(true);
    const before = file.reads;
    const payload = await c.payload();
    expect(sameBytes(decodeRecord(payload, 1).values[1], expected.get(100))).toBe(true);
    // Exactly the chain's own pages.
    expect(file.reads - before).toBe(overflowPageCount(c.payloadSize, localPayloadSize(c.payloadSize, PAGE, true), PAGE));
    expect(c.overflowReadAheadStats).toBeUndefined();
    expect(await c.first()).toBe(true);
    await c.payload();
    expect(c.overflowReadAheadStats).toBeUndefined();
    // The next row, reached by next(), starts it.
    expect(await c.next()).toBe(true);
    await c.payload();
    expect(c.overflowReadAheadStats!.chains).toBeGreaterThan(0);

    const writable = await Pager.open(new MemoryPageFile(BYTES));
    await writable.beginWrite();
    const w = await scan(writable, {}, expected);
    expect(w.cursor.overflowReadAheadStats).toBeUndefined();
    writable.rollback();
  });

  it('reads a bounded number of pages for a short scan', async () => {
    const expected = await EXPECTED;
    const file = new SlowFile(BYTES);
    const pager = await Pager.open(file);
    await scan(pager, {}, expected, undefined, 10);
    // 10 rows need ~40 pages; the window (4, +2 per row found ahead) adds at most ~22 chains of ≤ 5 pages.
    expect(file.reads).toBeLessThan(40 + 22 * 5 + 10);
    expect(file.reads).toBeLessThan(BYTES.length / PAGE / 4);
  });

  it('a cycle in a later chain is a CorruptError from the cursor at that row, not a hang', async () => {
    const expected = await EXPECTED;
    const bytes = BYTES.slice();
    const { overflowPgno } = findCell(bytes, 150);
    const second = readU32(bytes, (overflowPgno - 1) * PAGE);
    expect(second).toBeGreaterThan(0);
    writeU32(bytes, (second - 1) * PAGE, overflowPgno); // page 2 of the chain points back to page 1
    const pager = await Pager.open(new SlowFile(bytes));
    let reached = 0;
    const err = await scan(pager, {}, expected, (c) => {
      reached = Number(c.rowid);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptError);
    expect((err as CorruptError).message).toMatch(/cyclic overflow chain/);
    expect(reached).toBe(149);
  });

  it('an out-of-range first overflow page in a later cell is a CorruptError at that row', async () => {
    const expected = await EXPECTED;
    const bytes = BYTES.slice();
    const { pgno, pointerAt } = findCell(bytes, 200);
    writeU32(bytes, pointerAt, 0x00ffffff);
    const pager = await Pager.open(new SlowFile(bytes));
    let reached = 0;
    const err = await scan(pager, {}, expected, (c) => {
      reached = Number(c.rowid);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptError);
    expect((err as CorruptError).pgno).toBe(pgno);
    expect(reached).toBe(199);
  });

  it('a bad child pointer ahead (to an ancestor, or to an overflow page) is a CorruptError from the cursor, not a hang', async () => {
    const expected = await EXPECTED;
    const root = BYTES.subarray((ROOT - 1) * PAGE, ROOT * PAGE);
    const header = decodePageHeader(root, ROOT, PAGE);
    expect(header.isLeaf).toBe(false);
    const k = Math.floor(header.cellCount / 2);
    const pointerAt = (ROOT - 1) * PAGE + cellOffset(root, header, k, ROOT, PAGE); // left child of cell k
    const { overflowPgno } = findCell(BYTES, 10);
    for (const target of [ROOT, overflowPgno]) {
      const bytes = BYTES.slice();
      writeU32(bytes, pointerAt, target);
      const pager = await Pager.open(new SlowFile(bytes));
      let rows = 0;
      const err = await scan(pager, {}, expected, (_, n) => {
        rows = n;
      }).catch((e: unknown) => e);
      expect(err, `child -> ${target}`).toBeInstanceOf(CorruptError);
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThan(ROWS);
    }
  });

  it('closing the pager mid-scan stops the walkers quietly (no unhandled rejection)', async () => {
    const expected = await EXPECTED;
    const file = new SlowFile(BYTES);
    const pager = await Pager.open(file);
    const { cursor } = await scan(pager, {}, expected, undefined, 20);
    expect(cursor.overflowReadAheadStats!.chains).toBeGreaterThan(0);
    expect(file.inFlight).toBeGreaterThan(0); // walkers still running
    pager.close();
    const readsAtClose = file.reads;
    await new Promise((r) => setTimeout(r, 50));
    expect(file.inFlight).toBe(0);
    // Each walker may finish the read it had started, but none starts another.
    expect(file.reads - readsAtClose).toBe(0);
  });

  it('random byte flips end in a full scan or a CorruptError, never a hang or a stray rejection', async () => {
    const pages = BYTES.length / PAGE;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({
            page: fc.integer({ min: 2, max: pages }),
            // Mostly the first bytes of a page: b-tree headers, cell pointers, overflow next pointers.
            at: fc.oneof(fc.nat(15), fc.nat(PAGE - 1)),
            value: fc.nat(255),
          }), { minLength: 1, maxLength: 24 }),
        async (flips) => {
          const bytes = BYTES.slice();
          for (const f of flips) bytes[(f.page - 1) * PAGE + f.at] = f.value;
          const pager = await Pager.open(new BytesPageFile(bytes));
          const c = new TableCursor(pager, ROOT);
          try {
            for (let ok = await c.first(); ok; ok = c.nextInLeaf() ?? (await c.next())) c.localPayload() ?? (await c.payload());
          } catch (err) {
            expect(err).toBeInstanceOf(CorruptError);
          }
          // Let the walkers run out before the next case (a stray rejection would fail the run).
          await new Promise((r) => setTimeout(r, 0));
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('index b-trees too: a WITHOUT ROWID scan walks the chains of leaf and interior entries ahead', async () => {
    // Index pages keep at most ~1 KB of a payload locally (4 KiB pages): 2–8 KB rows overflow,
    // on interior cells as well as on leaves.
    const bytes = makeDatabaseBytes(`PRAGMA page_size=${PAGE};
CREATE TABLE w (k INTEGER PRIMARY KEY, data BLOB) WITHOUT ROWID;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < 400)
INSERT INTO w SELECT i, randomblob(2000 + (i * 7919) % 6000) FROM seq;`);
    const SQL = await sqljs();
    const db = new SQL.Database(bytes);
    const stmt = db.prepare('SELECT k, data FROM w ORDER BY k');
    const expected: Array<[number, Uint8Array]> = [];
    while (stmt.step()) {
      const [k, data] = stmt.get(null, { useBigInt: false });
      expected.push([Number(k), data as Uint8Array]);
    }
    stmt.free();
    db.close();
    const rootPage = Number(
      (() => {
        const d = new SQL.Database(bytes);
        const r = d.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'w'");
        r.step();
        const v = r.get(null, { useBigInt: false })[0];
        r.free();
        d.close();
        return v;
      })(),
    );
    const file = new SlowFile(bytes);
    const pager = await Pager.open(file);
    const c = new IndexCursor(pager, rootPage);
    let n = 0;
    let onInterior = 0;
    for (let ok = await c.first(); ok; ok = await c.next()) {
      const top = (c as unknown as { stack: Array<{ page: { header: { isLeaf: boolean } } }> }).stack.at(-1)!;
      if (!top.page.header.isLeaf) onInterior++;
      const rec = decodeRecord(await c.payload(), 1);
      const [k, data] = expected[n]!;
      expect(rec.values[0]).toBe(k);
      expect(sameBytes(rec.values[1], data), `row ${k}`).toBe(true);
      n++;
    }
    expect(n).toBe(400);
    expect(onInterior).toBeGreaterThan(5);
    const stats = c.overflowReadAheadStats!;
    // Every entry overflows; all but the first couple were walked ahead — interior ones included.
    expect(stats.hits).toBeGreaterThan(400 - 5);
    for (const [pgno, reads] of file.readsPerPage) expect(reads, `page ${pgno}`).toBe(1);
  });
});
