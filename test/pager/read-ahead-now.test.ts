/**
 * `Pager.readRunNow`: on a local file (which reads at once) the leaf read-ahead reads runs of
 * consecutive pages in one read each, pages that are views of one buffer; what it caches is
 * what the file holds, a cached page is never replaced, and a file that cannot read at once (or a
 * write transaction) declines, so that the caller falls back to getPages.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { CorruptError } from '../../src/errors.js';
import { openSafePager } from '../../src/pager/commit-protocol.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { TempDir, makeDb, scalar } from '../btree/sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const path = tmp.file();
const bytes = makeDb(
  path,
  "PRAGMA page_size=1024; CREATE TABLE t(a, b); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<4000) INSERT INTO t SELECT i, printf('%.*c', i % 300, 'y') FROM c;",
);
const rootPage = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name = 't'"));

async function openLocal(): Promise<{ pager: Pager; close: () => Promise<void> }> {
  const vfs = new PlainFileVfs();
  const file = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB);
  const pager = await openSafePager(vfs, path, file, { readonly: true });
  return { pager, close: async () => void (await file.xClose()) };
}

const pageBytes = (pgno: number, size: number): Uint8Array => bytes.subarray((pgno - 1) * size, pgno * size);

describe('Pager.readRunNow', () => {
  it('reads runs of pages at once from a local file, each page as the file holds it', async () => {
    const { pager, close } = await openLocal();
    try {
      const size = pager.pageSize;
      const runs = [[3, 16], [19, 3], [30, 1], [32, 2]] as const;
      const wanted = runs.flatMap(([first, n]) => Array.from({ length: n }, (_, k) => first + k));
      const before = pager.stats.reads;
      for (const [first, n] of runs) expect(pager.readRunNow(first, n)).toBe(true);
      expect(pager.stats.reads - before).toBe(wanted.length);
      for (const pgno of wanted) {
        const page = pager.peekPage(pgno);
        expect(page?.length).toBe(size);
        expect(Buffer.from(page!).equals(Buffer.from(pageBytes(pgno, size)))).toBe(true);
      }
      // Nothing read twice, and a cached page stays the array readers hold.
      const held = pager.peekPage(5);
      expect(pager.readRunNow(5, 2)).toBe(false);
      expect(pager.readRunNow(4, 1)).toBe(false);
      expect(pager.stats.reads - before).toBe(wanted.length);
      expect(pager.peekPage(5)).toBe(held);
      // A page number out of range is the same CorruptError a read of it gives.
      expect(() => pager.readRunNow(pager.pageCount, 2)).toThrow(CorruptError);
    } finally {
      await close();
    }
  });

  it('a scan of a local file steps from leaf to leaf without a Promise (TableCursor.nextNow)', async () => {
    const { pager, close } = await openLocal();
    try {
      const cursor = new TableCursor(pager, rootPage);
      let rows = (await cursor.first()) ? 1 : 0;
      let last = cursor.rowid;
      for (;;) {
        const moved = cursor.nextNow();
        expect(moved).toBeDefined();
        if (moved !== true) break;
        expect(cursor.rowid).toBe(Number(last) + 1);
        last = cursor.rowid;
        rows++;
      }
      expect(rows).toBe(4000);
      expect(cursor.eof).toBe(true);
      expect(cursor.nextNow()).toBe(false);
    } finally {
      await close();
    }
  });

  it('declines where the file cannot read at once: the caller uses getPages', async () => {
    const pager = await Pager.open(new BytesPageFile(bytes));
    expect(pager.readRunNow(2, 2)).toBeUndefined();
    expect(pager.peekPage(2)).toBeUndefined();
  });

  it('a scan of a local file reads every page once and returns the rows a scan without read-ahead returns', async () => {
    const scan = async (readAhead: boolean): Promise<{ rowids: (number | bigint)[]; payloads: string[]; reads: number; ahead: number }> => {
      const { pager, close } = await openLocal();
      try {
        const cursor = new TableCursor(pager, rootPage, { readAhead });
        const rowids: (number | bigint)[] = [];
        const payloads: string[] = [];
        for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
          rowids.push(cursor.rowid);
          payloads.push(Buffer.from(await cursor.payload()).toString('hex'));
        }
        return { rowids, payloads, reads: pager.stats.reads, ahead: cursor.readAheadStats?.pages ?? 0 };
      } finally {
        await close();
      }
    };
    const plain = await scan(false);
    const ahead = await scan(true);
    expect(plain.rowids.length).toBe(4000);
    expect(ahead.rowids).toEqual(plain.rowids);
    expect(ahead.payloads).toEqual(plain.payloads);
    expect(ahead.reads).toBe(plain.reads);
    // The read-ahead did read most leaves (in runs), not the cursor one at a time.
    expect(plain.ahead).toBe(0);
    expect(ahead.ahead).toBeGreaterThan(plain.reads / 2);
    expect(ahead.reads).toBeLessThanOrEqual(readFileSync(path).length / 1024);
  });
});
