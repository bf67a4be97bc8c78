/**
 * Files made by sqlite3 (random page sizes, with freelists) changed by our engine stay valid for
 * sqlite3, and their free pages are reused; files we wrote are changed by sqlite3 and stay
 * readable by us. Also dropTree / clearTree against sqlite3's view of the freelist.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { insertIndexEntry, deleteIndexEntry } from '../../src/btree/index-write.js';
import { integrityCheck, type IntegrityRoot } from '../../src/btree/integrity-check.js';
import { deleteRow, insertRow } from '../../src/btree/table-write.js';
import { clearTree, dropTree } from '../../src/btree/tree-admin.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { compareRecordToKey, type KeyInfo } from '../../src/record/compare.js';
import { encodeRecord } from '../../src/record/record.js';
import { TempDir, makeDb, prng, sqlite } from './sqlite-fixture.js';
import { exportAndCheck, sqliteRead } from './write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const INFO: KeyInfo = { collations: ['BINARY', 'BINARY'], desc: [false, false], encoding: 1 };

function schemaRoots(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of sqliteRead(path, "SELECT name, rootpage FROM sqlite_schema WHERE rootpage > 0;").split('\n')) {
    const [name, root] = line.split('|');
    if (name !== undefined && root !== undefined) out.set(name, Number(root));
  }
  return out;
}

function makeSqliteDb(pageSize: number): string {
  const path = tmp.file();
  makeDb(
    path,
    `PRAGMA page_size=${pageSize};
     CREATE TABLE t(a, b);
     CREATE INDEX tb ON t(b);
     CREATE TABLE junk(x);
     WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1500)
       INSERT INTO t SELECT i, CASE WHEN i % 50 = 0 THEN randomblob(${pageSize} * 2) ELSE printf('%.*c', i % 90, 'b') END FROM c;
     WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<400)
       INSERT INTO junk SELECT randomblob(300) FROM c;
     DELETE FROM t WHERE a % 3 = 0;
     DROP TABLE junk;`,
  );
  return path;
}

describe('databases written by sqlite3, changed by us', () => {
  const rnd = prng(2024);
  const others = [1024, 4096, 16384, 32768];
  for (const pageSize of [512, 2048, 65536, others[Math.floor(rnd() * others.length)]!]) {
    it(`page size ${pageSize}: inserts and deletes reuse the freelist and sqlite3 accepts the result`, async () => {
      const path = makeSqliteDb(pageSize);
      const roots = schemaRoots(path);
      const freeBefore = Number(sqliteRead(path, 'PRAGMA freelist_count;').trim());
      expect(freeBefore).toBeGreaterThan(0);
      const file = new MemoryPageFile(new Uint8Array(readFileSync(path)));
      const pager = await Pager.open(file);
      const pagesBefore = pager.pageCount;
      const t = roots.get('t')!;
      const tb = roots.get('tb')!;
      const check: IntegrityRoot[] = [{ name: 't', rootPgno: t }, { name: 'tb', rootPgno: tb }];
      expect(await integrityCheck(pager, check)).toEqual([]);
      await pager.beginWrite();
      // New rows (rowids 2001..), some with overflow, each with its index entry [b, rowid].
      let added = 0;
      for (let i = 0; i < 150; i++) {
        const rowid = 2001 + i;
        const b = i % 10 === 0 ? 'X'.repeat(pageSize) : `new${i}`;
        await insertRow(pager, t, rowid, encodeRecord([rowid, b], 1));
        await insertIndexEntry(pager, tb, encodeRecord([b, rowid], 1), (cell) => compareRecordToKey(cell, [b, rowid], ['text', 'integer'], INFO));
        added++;
      }
      // Delete some old rows (a = rowid; b as sqlite3 stored it).
      let deleted = 0;
      for (const line of sqliteRead(path, 'SELECT rowid, b FROM t WHERE rowid % 7 = 1 AND typeof(b) = \'text\';').split('\n')) {
        if (line === '') continue;
        const [r, b] = line.split('|') as [string, string];
        const rowid = Number(r);
        expect(await deleteIndexEntry(pager, tb, (cell) => compareRecordToKey(cell, [b, rowid], ['text', 'integer'], INFO))).toBe(true);
        expect(await deleteRow(pager, t, rowid)).toBe(true);
        deleted++;
      }
      await pager.commit();
      expect(await integrityCheck(pager, check)).toEqual([]);
      const out = tmp.file();
      expect(exportAndCheck(file, out)).toBe('ok');
      const freeAfter = Number(sqliteRead(out, 'PRAGMA freelist_count;').trim());
      // Free pages were used before the file grew.
      expect(freeAfter < freeBefore || pager.pageCount === pagesBefore).toBe(true);
      if (pager.pageCount > pagesBefore) expect(freeAfter).toBe(0);
      const expected = Number(sqliteRead(path, 'SELECT count(*) FROM t;').trim()) + added - deleted;
      expect(sqliteRead(out, 'SELECT count(*) FROM t;').trim()).toBe(String(expected));
      expect(sqliteRead(out, "SELECT count(*) FROM t WHERE b = 'new3';").trim()).toBe('1');

      // sqlite3 changes our file; we read it back.
      expect(sqlite(out, 'INSERT INTO t SELECT a + 10000, b FROM t WHERE a < 500; DELETE FROM t WHERE a % 5 = 0; PRAGMA integrity_check;').trim()).toBe('ok');
      const back = await Pager.open(new MemoryPageFile(new Uint8Array(readFileSync(out))));
      expect(await integrityCheck(back, check)).toEqual([]);
    });
  }

  it('dropTree and clearTree return every page to the freelist as sqlite3 counts it', async () => {
    const path = makeSqliteDb(1024);
    const roots = schemaRoots(path);
    const file = new MemoryPageFile(new Uint8Array(readFileSync(path)));
    const pager = await Pager.open(file);
    const indexPages = Number(sqliteRead(path, "SELECT count(*) FROM dbstat WHERE name = 'tb';").trim());
    const tablePages = Number(sqliteRead(path, "SELECT count(*) FROM dbstat WHERE name = 't';").trim());
    const free0 = pager.header.freelistCount;
    await pager.beginWrite();
    // Drop the index: its schema row goes, its pages go to the freelist.
    const schemaRowid = Number(sqliteRead(path, "SELECT rowid FROM sqlite_schema WHERE name = 'tb';").trim());
    expect(await deleteRow(pager, 1, schemaRowid)).toBe(true);
    await dropTree(pager, roots.get('tb')!);
    // Empty the table (DELETE FROM t without a WHERE).
    await clearTree(pager, roots.get('t')!);
    pager.markSchemaChanged();
    await pager.commit();
    expect(pager.header.freelistCount).toBe(free0 + indexPages + tablePages - 1);
    const out = tmp.file();
    expect(exportAndCheck(file, out)).toBe('ok');
    expect(sqliteRead(out, "SELECT count(*) FROM t; SELECT count(*) FROM sqlite_schema WHERE name = 'tb'; PRAGMA freelist_count;").trim().split('\n')).toEqual([
      '0',
      '0',
      String(free0 + indexPages + tablePages - 1),
    ]);
    expect(await integrityCheck(pager, [{ name: 't', rootPgno: roots.get('t')! }])).toEqual([]);
  });
});
