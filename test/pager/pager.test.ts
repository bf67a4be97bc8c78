import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptError, MisuseError, NotADatabaseError } from '../../src/errors.js';
import { EmptyDatabaseError } from '../../src/pager/empty-database-error.js';
import { BytesPageFile, type PageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { SQLITE3, TempDir, makeDb, scalar } from '../btree/sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

/** A PageFile that counts reads and resolves them only after a macrotask, so reads can overlap. */
class CountingFile implements PageFile {
  reads: { amount: number; offset: number }[] = [];
  constructor(public bytes: Uint8Array) {}
  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    this.reads.push({ amount, offset });
    await new Promise((r) => setTimeout(r, 1));
    const out = new Uint8Array(amount);
    out.set(this.bytes.subarray(offset, Math.min(offset + amount, this.bytes.length)));
    return out;
  }
  async xFileSize(): Promise<number> {
    return this.bytes.length;
  }
}

const path = tmp.file();
const bytes = makeDb(
  path,
  "PRAGMA page_size=1024; CREATE TABLE t(a, b); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<3000) INSERT INTO t SELECT i, printf('%.*c', i % 300, 'y') FROM c;",
);

describe('Pager', () => {
  it('opens a database and exposes its geometry', async () => {
    const pager = await Pager.open(new BytesPageFile(bytes));
    expect(pager.pageSize).toBe(1024);
    expect(pager.usableSize).toBe(1024);
    expect(pager.pageCount).toBe(Number(scalar(path, 'PRAGMA page_count')));
    const p1 = await pager.getPage(1);
    expect(p1.subarray(0, 16)).toEqual(bytes.subarray(0, 16));
    const last = await pager.getPage(pager.pageCount);
    expect(last).toEqual(bytes.subarray((pager.pageCount - 1) * 1024, pager.pageCount * 1024));
  });

  it('bounds-checks page numbers with CorruptError', async () => {
    const pager = await Pager.open(new BytesPageFile(bytes));
    for (const bad of [0, -1, pager.pageCount + 1, 1.5]) {
      await expect(pager.getPage(bad)).rejects.toBeInstanceOf(CorruptError);
    }
  });

  it('shares one read between concurrent getPage calls and serves hits synchronously', async () => {
    const file = new CountingFile(bytes);
    const pager = await Pager.open(file);
    const before = file.reads.length;
    expect(pager.peekPage(3)).toBeUndefined();
    const [a, b, c] = await Promise.all([pager.getPage(3), pager.getPage(3), pager.getPage(3)]);
    expect(file.reads.length - before).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(pager.peekPage(3)).toBe(a);
    await pager.getPages([3, 4, 5, 4]);
    expect(file.reads.length - before).toBe(3);
  });

  it('keeps the cache within its byte budget and keeps interior pages over leaves', async () => {
    const pager = await Pager.open(new BytesPageFile(bytes), { cacheBytes: 16 * 1024 });
    const root = Number(scalar(path, "SELECT rootpage FROM sqlite_schema WHERE name='t'"));
    expect(bytes[(root - 1) * 1024]).toBe(0x05);
    await pager.getPage(root);
    for (let p = 1; p <= pager.pageCount; p++) await pager.getPage(p);
    expect(pager.cachedPages).toBeLessThanOrEqual(16);
    expect(pager.peekPage(root)).toBeDefined(); // the interior root survived a full sweep of leaves
  });

  it('reports an empty file as EmptyDatabaseError and junk as NotADatabaseError', async () => {
    const empty = Pager.open(new BytesPageFile(new Uint8Array(0)));
    await expect(empty).rejects.toBeInstanceOf(EmptyDatabaseError);
    await expect(Pager.open(new BytesPageFile(new Uint8Array(0)))).rejects.toBeInstanceOf(NotADatabaseError);
    await expect(Pager.open(new BytesPageFile(bytes.slice(0, 50)))).rejects.toBeInstanceOf(NotADatabaseError);
    await expect(Pager.open(new BytesPageFile(new TextEncoder().encode('hello world'.repeat(100))))).rejects.toBeInstanceOf(NotADatabaseError);
  });

  it('derives the page count from the file size when the header count is stale, and rejects a count past the file', async () => {
    const stale = bytes.slice();
    stale[95] = (stale[95]! + 1) & 0xff; // version-valid-for != change counter
    stale[31] = (stale[31]! + 7) & 0xff;
    const pager = await Pager.open(new BytesPageFile(stale));
    expect(pager.header.pageCountValid).toBe(false);
    expect(pager.pageCount).toBe(bytes.length / 1024);
    await expect(Pager.open(new BytesPageFile(bytes.slice(0, bytes.length - 1024)))).rejects.toBeInstanceOf(CorruptError);
  });

  it('refresh() drops the cache when another writer changed the file', async () => {
    const p2 = tmp.file();
    const file = new CountingFile(makeDb(p2, 'CREATE TABLE t(x); INSERT INTO t VALUES(1);'));
    const pager = await Pager.open(file);
    await pager.getPage(2);
    expect(await pager.refresh()).toBe(false);
    expect(pager.peekPage(2)).toBeDefined();
    execFileSync(SQLITE3, [p2, "INSERT INTO t SELECT printf('%.*c', 3000, 'z') FROM t; CREATE TABLE u(y);"]);
    file.bytes = new Uint8Array(readFileSync(p2));
    expect(await pager.refresh()).toBe(true);
    expect(pager.peekPage(2)).toBeUndefined();
    expect(pager.pageCount).toBe(Number(scalar(p2, 'PRAGMA page_count')));
    expect(await pager.getPage(pager.pageCount)).toEqual(file.bytes.subarray((pager.pageCount - 1) * 4096));
  });

  it('refuses work after close()', async () => {
    const pager = await Pager.open(new BytesPageFile(bytes));
    pager.close();
    await expect(pager.getPage(1)).rejects.toBeInstanceOf(MisuseError);
    expect(() => pager.peekPage(1)).toThrow(MisuseError);
  });
});
