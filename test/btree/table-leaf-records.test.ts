/**
 * visitTableLeaves (btree/table-leaf-records.ts): a whole rowid table read leaf run by leaf run
 * from a local file hands over exactly the records a cursor walk reads, in the same order, for
 * random databases made by sqlite3 (page sizes 512..65536, auto-vacuum, overflow chains, reserved
 * bytes), with an offset, with some leaves already cached; its yields never exceed the batch;
 * broken trees are CorruptError naming the page.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TableCursor } from '../../src/btree/table-cursor.js';
import { readsLeavesInBulk, visitTableLeaves } from '../../src/btree/table-leaf-records.js';
import { CorruptError } from '../../src/errors.js';
import { openSafePager } from '../../src/pager/commit-protocol.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { blockKey } from '../../src/store/block-key.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { TempDir, makeDb, randomDbSql, scalar, type RandomDbOptions } from './sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

async function openLocal(path: string): Promise<{ pager: Pager; close: () => Promise<void> }> {
  const vfs = new PlainFileVfs();
  const file = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB);
  const pager = await openSafePager(vfs, path, file, { readonly: true });
  return { pager, close: async () => void (await file.xClose()) };
}

type Row = readonly [number | bigint, string];

async function cursorRows(pager: Pager, root: number): Promise<Row[]> {
  const c = new TableCursor(pager, root, { readAhead: false });
  const out: Row[] = [];
  for (let ok = await c.first(); ok; ok = await c.next()) out.push([c.rowid, Buffer.from(await c.payload()).toString('hex')]);
  return out;
}

async function leafRows(pager: Pager, root: number, skip: number, batch: number): Promise<{ rows: Row[]; yields: number[] }> {
  const rows: Row[] = [];
  const yields: number[] = [];
  for await (const n of visitTableLeaves(pager, root, skip, batch, (payload, rowid) => rows.push([rowid, Buffer.from(payload).toString('hex')]))) yields.push(n);
  return { rows, yields };
}

const CASES: RandomDbOptions[] = [
  { pageSize: 512, autoVacuum: 'none', rows: 600, seed: 11 },
  { pageSize: 1024, autoVacuum: 'full', rows: 500, seed: 12, reserve: 33 },
  { pageSize: 4096, autoVacuum: 'incremental', rows: 700, seed: 13 },
  { pageSize: 65536, autoVacuum: 'none', rows: 80, seed: 14 },
];

describe('visitTableLeaves', () => {
  for (const o of CASES) {
    it(`hands over the records a cursor reads (page size ${o.pageSize}, ${o.autoVacuum}${o.reserve ? `, reserve ${o.reserve}` : ''})`, async () => {
      const path = tmp.file();
      makeDb(path, randomDbSql(o));
      const { pager, close } = await openLocal(path);
      try {
        expect(readsLeavesInBulk(pager)).toBe(true);
        for (const table of ['t1', 't3']) {
          const root = Number(scalar(path, `SELECT rootpage FROM sqlite_schema WHERE name='${table}'`));
          const expected = await cursorRows(pager, root);
          expect(expected.length).toBe(Number(scalar(path, `SELECT count(*) FROM ${table}`)));
          pager.invalidate();
          for (const [skip, batch] of [[0, 512], [0, 7], [37, 100], [expected.length + 5, 50]] as const) {
            const { rows, yields } = await leafRows(pager, root, skip, batch);
            expect(rows).toEqual(expected.slice(skip));
            expect(yields.reduce((a, b) => a + b, 0)).toBe(rows.length);
            expect(yields.every((n) => n > 0 && n <= batch)).toBe(true);
          }
        }
      } finally {
        await close();
      }
    });
  }

  it('reads around leaves that are already cached (they are the pager\'s to give)', async () => {
    const path = tmp.file();
    makeDb(path, randomDbSql({ pageSize: 1024, autoVacuum: 'none', rows: 800, seed: 21 }));
    const root = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name='t1'"));
    const { pager, close } = await openLocal(path);
    try {
      const expected = await cursorRows(pager, root);
      // The cursor walk left every leaf in the cache; drop them, then cache every third page.
      pager.invalidate();
      for (let pgno = 2; pgno <= pager.pageCount; pgno += 3) await pager.getPage(pgno);
      expect((await leafRows(pager, root, 0, 512)).rows).toEqual(expected);
    } finally {
      await close();
    }
  });

  it('is only for files that read at once (not blocks, whose leaves the cursor fetches in parallel)', async () => {
    const path = tmp.file();
    const bytes = makeDb(path, 'PRAGMA page_size=4096; CREATE TABLE t(a); INSERT INTO t VALUES (1);');
    expect(readsLeavesInBulk(await Pager.open(new BytesPageFile(bytes)))).toBe(false);
    const objects = new MemoryObjectStore();
    for (let i = 0; i * 4096 < bytes.length; i++) await objects.put(blockKey('db', i), bytes.slice(i * 4096, (i + 1) * 4096));
    const vfs = new BlockVfs(objects);
    const file = await vfs.xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    try {
      expect(readsLeavesInBulk(await openSafePager(vfs, 'db', file, { readonly: true }))).toBe(false);
    } finally {
      await file.xClose();
    }
    const local = await openLocal(path);
    try {
      expect(readsLeavesInBulk(local.pager)).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('a broken tree is CorruptError naming the page: a leaf of an index, a child reached twice', async () => {
    const path = tmp.file();
    const bytes = makeDb(
      path,
      "PRAGMA page_size=1024; CREATE TABLE t(a, b); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<2000) INSERT INTO t SELECT i, printf('%.*c', 40, 'y') FROM c;",
    );
    const root = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name='t'"));
    const size = 1024;
    const rootOff = (root - 1) * size;
    expect(bytes[rootOff]).toBe(0x05); // an interior table page
    const firstChild = (p: Uint8Array): number => {
      const cell = (p[rootOff + 12]! << 8) | p[rootOff + 13]!;
      return ((p[rootOff + cell]! << 24) | (p[rootOff + cell + 1]! << 16) | (p[rootOff + cell + 2]! << 8) | p[rootOff + cell + 3]!) >>> 0;
    };
    const leaf = firstChild(bytes);
    const expectCorrupt = async (broken: Uint8Array, pgno: number): Promise<void> => {
      const file = tmp.file();
      writeFileSync(file, broken);
      const { pager, close } = await openLocal(file);
      try {
        const err = await leafRows(pager, root, 0, 512).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(CorruptError);
        expect((err as CorruptError).pgno).toBe(pgno);
      } finally {
        await close();
      }
    };
    // The first leaf marked as an index leaf.
    const asIndex = new Uint8Array(readFileSync(path));
    asIndex[(leaf - 1) * size] = 0x0a;
    await expectCorrupt(asIndex, leaf);
    // The root's right-most child pointing at its first child again.
    const twice = new Uint8Array(readFileSync(path));
    twice.set([leaf >>> 24, (leaf >>> 16) & 0xff, (leaf >>> 8) & 0xff, leaf & 0xff], rootOff + 8);
    await expectCorrupt(twice, leaf);
  });
});
