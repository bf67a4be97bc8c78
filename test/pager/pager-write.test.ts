/**
 * The write side of the pager: transactions, copy-on-write, page allocation and the freelist,
 * header maintenance on commit, rollback, refusal after a failed commit, commit hooks.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck } from '../../src/btree/integrity-check.js';
import { IoError, MisuseError, ReadOnlyError } from '../../src/errors.js';
import { readU32, writeU32 } from '../../src/format/bytes.js';
import { decodeDatabaseHeader } from '../../src/format/db-header.js';
import { BytesPageFile, MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager, SQLITE_VERSION_NUMBER } from '../../src/pager/pager.js';
import { TempDir, makeDb, sqlite } from '../btree/sqlite-fixture.js';
import { exportAndCheck, sqliteRead } from '../btree/write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

describe('Pager.create', () => {
  for (const pageSize of [512, 1024, 4096, 65536]) {
    it(`writes an empty database sqlite3 accepts and can add a table to (page size ${pageSize})`, async () => {
      const file = new MemoryPageFile();
      const pager = await Pager.create(file, { pageSize });
      expect(pager.pageCount).toBe(1);
      expect(file.bytes.length).toBe(pageSize);
      const path = tmp.file();
      expect(exportAndCheck(file, path)).toBe('ok');
      expect(sqliteRead(path, 'PRAGMA page_size;').trim()).toBe(String(pageSize));
      const copy = tmp.file();
      copyFileSync(path, copy);
      sqlite(copy, 'CREATE TABLE t(a); INSERT INTO t VALUES (1);');
      expect(sqliteRead(copy, 'PRAGMA integrity_check; SELECT a FROM t;').trim()).toBe('ok\n1');
      expect(await integrityCheck(pager, [])).toEqual([]);
    });
  }

  it('refuses a non-empty file and a bad page size', async () => {
    await expect(Pager.create(new MemoryPageFile(new Uint8Array(10)))).rejects.toBeInstanceOf(MisuseError);
    await expect(Pager.create(new MemoryPageFile(), { pageSize: 1000 })).rejects.toBeInstanceOf(MisuseError);
  });
});

describe('write transactions', () => {
  it('refuses writes without a transaction, twice-begun transactions, read-only pagers and files', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 1024 });
    await expect(pager.getWritable(1)).rejects.toBeInstanceOf(MisuseError);
    await pager.beginWrite();
    await expect(pager.beginWrite()).rejects.toBeInstanceOf(MisuseError);
    pager.rollback();
    const ro = await Pager.open(new MemoryPageFile(file.bytes), { readonly: true });
    await expect(ro.beginWrite()).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(ro.allocatePage()).rejects.toBeInstanceOf(ReadOnlyError);
    const bytesOnly = await Pager.open(new BytesPageFile(file.bytes));
    await expect(bytesOnly.beginWrite()).rejects.toBeInstanceOf(ReadOnlyError);
  });

  it('copy-on-write: cached clean pages never change; rollback brings back the committed state', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 1024 });
    const clean = await pager.getPage(1);
    const before = clean.slice();
    await pager.beginWrite();
    const w = await pager.getWritable(1);
    expect(w).not.toBe(clean);
    expect(await pager.getWritable(1)).toBe(w);
    w[200] = 0xab;
    expect(clean).toEqual(before);
    expect((await pager.getPage(1))[200]).toBe(0xab); // the writer reads its own change
    const { pgno } = await pager.allocatePage();
    expect(pgno).toBe(2);
    expect(pager.pageCount).toBe(2);
    pager.rollback();
    expect(pager.pageCount).toBe(1);
    expect(await pager.getPage(1)).toEqual(before);
    await expect(pager.getPage(2)).rejects.toThrow(/out of range/);
    expect(file.bytes.length).toBe(1024);
  });

  it('commit maintains the header as SQLite does; an empty transaction writes nothing', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 1024 });
    const h0 = decodeDatabaseHeader(file.bytes);
    const untouched = file.bytes;
    await pager.beginWrite();
    await pager.getPage(1);
    await pager.commit();
    expect(file.bytes).toEqual(untouched);
    expect(decodeDatabaseHeader(file.bytes).changeCounter).toBe(h0.changeCounter);
    expect(pager.stats.writes).toBe(0);

    await pager.beginWrite();
    const a = await pager.allocatePage();
    a.data[0] = 7;
    await pager.commit();
    let h = decodeDatabaseHeader(file.bytes);
    expect(h.changeCounter).toBe(h0.changeCounter + 1);
    expect(h.versionValidFor).toBe(h.changeCounter);
    expect(h.pageCount).toBe(2);
    expect(h.pageCountValid).toBe(true);
    expect(h.sqliteVersion).toBe(SQLITE_VERSION_NUMBER);
    expect(h.schemaCookie).toBe(h0.schemaCookie);
    expect(file.bytes.length).toBe(2048);
    expect(file.bytes[1024]).toBe(7);

    await pager.beginWrite();
    pager.markSchemaChanged();
    await pager.commit();
    h = decodeDatabaseHeader(file.bytes);
    expect(h.schemaCookie).toBe(h0.schemaCookie + 1);
    expect(h.changeCounter).toBe(h0.changeCounter + 2);
    expect(pager.header.changeCounter).toBe(h.changeCounter);
  });

  it('freelist: freed pages become trunk leaves ((usable/4)-8 per trunk, then a new trunk); allocation reuses them', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 512 });
    await pager.beginWrite();
    const pages: number[] = [];
    for (let i = 0; i < 300; i++) pages.push((await pager.allocatePage()).pgno);
    expect(pages[299]).toBe(301);
    for (const p of pages) await pager.freePage(p);
    expect(pager.header.freelistCount).toBe(300);
    await pager.commit();
    // 512/4 - 8 = 120 leaves per trunk: 300 pages = trunks with 120 + 120 + ... leaves.
    const bytes = file.bytes;
    const h = decodeDatabaseHeader(bytes);
    expect(h.freelistCount).toBe(300);
    let trunk = h.firstFreelistTrunk;
    const leafCounts: number[] = [];
    while (trunk !== 0) {
      leafCounts.push(readU32(bytes, (trunk - 1) * 512 + 4));
      trunk = readU32(bytes, (trunk - 1) * 512);
    }
    expect(Math.max(...leafCounts)).toBe(120);
    expect(leafCounts.reduce((a, b) => a + b, 0) + leafCounts.length).toBe(300);
    const path = tmp.file();
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'PRAGMA freelist_count;').trim()).toBe('300');
    expect(await integrityCheck(pager, [])).toEqual([]);

    await pager.beginWrite();
    const firstTrunk = pager.header.firstFreelistTrunk;
    const got = new Set<number>();
    for (let i = 0; i < 300; i++) got.add((await pager.allocatePage()).pgno);
    expect(got.size).toBe(300);
    expect(Math.max(...got)).toBe(301); // nothing appended: every page came from the freelist
    expect(got.has(firstTrunk)).toBe(true);
    expect(pager.header.freelistCount).toBe(0);
    expect(pager.header.firstFreelistTrunk).toBe(0);
    expect((await pager.allocatePage()).pgno).toBe(302);
    pager.rollback();
    expect(pager.header.freelistCount).toBe(300);
  });

  it('after an I/O error in commit the pager refuses all work with IoError', async () => {
    class FailingFile extends MemoryPageFile {
      fail = false;
      override async xWrite(data: Uint8Array, offset: number): Promise<void> {
        if (this.fail) throw new Error('disk on fire');
        return super.xWrite(data, offset);
      }
    }
    const file = new FailingFile();
    const pager = await Pager.create(file, { pageSize: 1024 });
    await pager.beginWrite();
    await pager.allocatePage();
    file.fail = true;
    await expect(pager.commit()).rejects.toBeInstanceOf(IoError);
    file.fail = false;
    await expect(pager.beginWrite()).rejects.toBeInstanceOf(IoError);
    await expect(pager.getPage(1)).rejects.toBeInstanceOf(IoError);
    expect(() => pager.peekPage(1)).toThrow(IoError);
    // Reopening works.
    const again = await Pager.open(file);
    await again.beginWrite();
    again.rollback();
  });

  it('hooks: beforeOverwrite gets the original bytes of existing pages before any write; afterSync runs last', async () => {
    const file = new MemoryPageFile();
    await Pager.create(file, { pageSize: 1024 });
    const events: string[] = [];
    let originals: { pgno: number; data: Uint8Array }[] = [];
    const p0 = await Pager.open(file);
    await p0.beginWrite();
    await p0.allocatePage();
    await p0.allocatePage();
    await p0.commit();
    const committed = file.bytes;
    const pager = await Pager.open(file, {
      hooks: {
        async beforeOverwrite(o, oldCount) {
          events.push(`before:${oldCount}:${file.bytes.length}`);
          originals = o.map((x) => ({ pgno: x.pgno, data: x.data.slice() }));
        },
        async afterSync() {
          events.push(`after:${file.bytes.length}`);
        },
      },
    });
    await pager.beginWrite();
    (await pager.getWritable(3))[10] = 1;
    (await pager.allocatePage()).data[0] = 1;
    await pager.commit();
    expect(events).toEqual(['before:3:3072', 'after:4096']);
    expect(originals.map((o) => o.pgno)).toEqual([1, 3]);
    expect(originals[0]!.data).toEqual(committed.subarray(0, 1024));
    expect(originals[1]!.data).toEqual(committed.subarray(2048, 3072));
  });

  it('auto-vacuum databases: allocation skips pointer-map positions, freed pages leave the file at commit (FULL)', async () => {
    // 512-byte pages: 102 entries per map page, so map pages sit at 2, 105, 208, …
    const path = tmp.file();
    const av = makeDb(path, 'PRAGMA page_size=512; PRAGMA auto_vacuum=FULL; CREATE TABLE t(a); INSERT INTO t VALUES (1);');
    const file = new MemoryPageFile(av);
    const p = await Pager.open(file);
    expect(p.autoVacuum).toBe(true);
    await p.beginWrite();
    const got: number[] = [];
    for (let i = 0; i < 110; i++) got.push((await p.allocatePage()).pgno);
    expect(got).not.toContain(105);
    expect(got[0]).toBe(4);
    expect(got.at(-1)).toBe(114);
    expect(p.pageCount).toBe(114);
    for (const pgno of got) await p.freePage(pgno);
    await p.commit();
    expect(p.pageCount).toBe(3);
    expect(file.bytes.length).toBe(3 * 512);
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'PRAGMA freelist_count; SELECT a FROM t;').trim()).toBe('0\n1');
  });

  it('a WAL-mode database (no -wal) is written in rollback mode with header bytes 18-19 kept at 2', async () => {
    const walPath = tmp.file();
    sqlite(walPath, 'PRAGMA journal_mode=WAL; CREATE TABLE t(a);');
    const file = new MemoryPageFile(new Uint8Array(readFileSync(walPath)));
    const wal = await Pager.open(file);
    await wal.beginWrite();
    wal.markSchemaChanged();
    await wal.commit();
    expect(decodeDatabaseHeader(file.bytes).changeCounter).toBeGreaterThan(decodeDatabaseHeader(new Uint8Array(readFileSync(walPath))).changeCounter);
    expect([file.bytes[18], file.bytes[19]]).toEqual([2, 2]);
    expect(exportAndCheck(file, tmp.file())).toBe('ok');
  });
});

describe('through a block VFS (the S3 layout)', () => {
  it('creates, commits and reopens a database stored as blocks; sqlite3 accepts the concatenated blocks', async () => {
    const { MemoryObjectStore } = await import('../../src/store/memory-store.js');
    const { BlockVfs } = await import('../../src/vfs/block-vfs.js');
    const { OpenFlags } = await import('../../src/vfs/vfs.js');
    const { createTable } = await import('../../src/btree/tree-admin.js');
    const { insertRow } = await import('../../src/btree/table-write.js');
    const { encodeRecord } = await import('../../src/record/record.js');
    const { scanTable } = await import('../btree/write-support.js');
    const vfs = new BlockVfs(new MemoryObjectStore(), { blockSize: 4096 });
    const flags = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_CREATE | OpenFlags.SQLITE_OPEN_MAIN_DB;
    const f1 = await vfs.xOpen('db', flags);
    const pager = await Pager.create(f1, { pageSize: 4096 });
    await pager.beginWrite();
    const root = await createTable(pager, 'table');
    await insertRow(pager, 1, 1, encodeRecord(['table', 't', 't', root, 'CREATE TABLE t(a)'], 1));
    pager.markSchemaChanged();
    for (let i = 1; i <= 500; i++) await insertRow(pager, root, i, encodeRecord([`row ${i}`.repeat(i % 7 === 0 ? 900 : 1)], 1));
    await pager.commit();
    await f1.xClose();
    const f2 = await vfs.xOpen('db', flags);
    const again = await Pager.open(f2);
    expect((await scanTable(again, root)).length).toBe(500);
    const size = await f2.xFileSize();
    const mem = new MemoryPageFile(await f2.xRead(size, 0));
    const path = tmp.file();
    expect(exportAndCheck(mem, path)).toBe('ok');
    expect(sqliteRead(path, "SELECT count(*), sum(length(a)) > 500 FROM t;").trim()).toBe('500|1');
    await f2.xClose();
  });
});

describe('appending past 1 GiB', () => {
  it('skips the lock-byte page', async () => {
    const { emptyDatabasePage1 } = await import('../../src/pager/pager.js');
    const { lockBytePgno } = await import('../../src/format/lock-byte.js');
    const lockByte = lockBytePgno(512);
    const page1 = emptyDatabasePage1(512, 0);
    writeU32(page1, 28, lockByte - 1);
    /** A sparse file of lockByte-1 pages: page 1 as given, zeros elsewhere; writes are kept in a map. */
    class SparseFile extends MemoryPageFile {
      readonly written = new Map<number, Uint8Array>();
      override async xRead(amount: number, offset: number): Promise<Uint8Array> {
        const out = new Uint8Array(amount);
        if (offset < 512) out.set(page1.subarray(offset, Math.min(512, offset + amount)));
        return out;
      }
      override async xWrite(data: Uint8Array, offset: number): Promise<void> {
        this.written.set(offset / 512 + 1, data.slice());
      }
      override async xFileSize(): Promise<number> {
        return (lockByte - 1) * 512;
      }
    }
    const file = new SparseFile();
    const pager = await Pager.open(file);
    await pager.beginWrite();
    expect((await pager.allocatePage()).pgno).toBe(lockByte + 1);
    expect(pager.pageCount).toBe(lockByte + 1);
    await pager.commit();
    expect([...file.written.keys()].sort((a, b) => a - b)).toEqual([1, lockByte + 1]);
    expect(readU32(file.written.get(1)!, 28)).toBe(lockByte + 1);
  });
});
