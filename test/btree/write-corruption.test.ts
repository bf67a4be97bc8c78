/**
 * Writes on damaged files: random byte flips in a sound database, then inserts and deletes.
 * Every run ends in success or a CorruptError — never another exception, a hang or a crash.
 * And the schema tree on page 1 (100 bytes smaller) grows and shrinks through root splits and
 * root collapses.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { deleteIndexEntry, insertIndexEntry } from '../../src/btree/index-write.js';
import { compareRecords, integrityCheck } from '../../src/btree/integrity-check.js';
import { deleteRow, insertRow } from '../../src/btree/table-write.js';
import { createTable, dropTree } from '../../src/btree/tree-admin.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import { TempDir, prng } from './sqlite-fixture.js';
import { bytesOf, exportAndCheck, sqliteRead } from './write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

async function soundDb(pageSize: number): Promise<{ bytes: Uint8Array; table: number; index: number }> {
  const file = new MemoryPageFile();
  const pager = await Pager.create(file, { pageSize });
  await pager.beginWrite();
  const table = await createTable(pager, 'table');
  const index = await createTable(pager, 'index');
  for (let r = 1; r <= 300; r++) {
    await insertRow(pager, table, r, encodeRecord([bytesOf(r % 11 === 0 ? pageSize * 2 : r % 60, r)], 1));
    const key = encodeRecord([bytesOf(r % 13 === 0 ? pageSize : r % 50, r), r], 1);
    await insertIndexEntry(pager, index, key, (c) => compareRecords(c, key));
  }
  for (let r = 1; r <= 300; r += 4) await deleteRow(pager, table, r);
  await pager.commit();
  return { bytes: file.bytes, table, index };
}

describe('writes on damaged databases', () => {
  for (const pageSize of [512, 1024]) {
    it(`byte flips (page size ${pageSize}) end in success or CorruptError`, async () => {
      const { bytes, table, index } = await soundDb(pageSize);
      const rnd = prng(pageSize);
      let corrupt = 0;
      for (let run = 0; run < 150; run++) {
        const damaged = bytes.slice();
        const flips = 1 + Math.floor(rnd() * 8);
        for (let f = 0; f < flips; f++) {
          // Leave the database header alone (damage there is NotADatabase, tested elsewhere).
          const at = 100 + Math.floor(rnd() * (damaged.length - 100));
          damaged[at] = Math.floor(rnd() * 256);
        }
        try {
          const pager = await Pager.open(new MemoryPageFile(damaged));
          await pager.beginWrite();
          for (let i = 0; i < 40; i++) {
            const r = 1 + Math.floor(rnd() * 400);
            if (rnd() < 0.5) await insertRow(pager, table, r, encodeRecord([bytesOf(Math.floor(rnd() * pageSize), i)], 1));
            else await deleteRow(pager, table, r);
            const key = encodeRecord([bytesOf(Math.floor(rnd() * 100), i), r], 1);
            if (rnd() < 0.6) await insertIndexEntry(pager, index, key, (c) => compareRecords(c, key));
            else await deleteIndexEntry(pager, index, (c) => compareRecords(c, key));
          }
          await pager.commit();
        } catch (err) {
          if (!(err instanceof CorruptError)) throw err;
          corrupt++;
        }
      }
      expect(corrupt).toBeGreaterThan(10);
    }, 30_000);
  }
});

describe('the schema tree on page 1', () => {
  it('grows past page 1 (root split keeps page 1 as the root) and collapses back when tables are dropped', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 512 });
    await pager.beginWrite();
    const roots: number[] = [];
    for (let i = 0; i < 120; i++) {
      const root = await createTable(pager, 'table');
      roots.push(root);
      await insertRow(pager, 1, i + 1, encodeRecord(['table', `t${i}`, `t${i}`, root, `CREATE TABLE t${i}(a, b, c)`], 1));
      await insertRow(pager, root, 1, encodeRecord([i], 1));
    }
    pager.markSchemaChanged();
    await pager.commit();
    const page1 = await pager.getPage(1);
    expect(page1[100]).toBe(0x05);
    const path = tmp.file();
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'SELECT count(*) FROM sqlite_schema; SELECT a FROM t77;').trim()).toBe('120\n77');
    const census = roots.map((r, i) => ({ name: `t${i}`, rootPgno: r }));
    expect(await integrityCheck(pager, census)).toEqual([]);

    await pager.beginWrite();
    for (let i = 0; i < 119; i++) {
      expect(await deleteRow(pager, 1, i + 1)).toBe(true);
      await dropTree(pager, roots[i]!);
    }
    pager.markSchemaChanged();
    await pager.commit();
    expect((await pager.getPage(1))[100]).toBe(0x0d);
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'SELECT name FROM sqlite_schema; PRAGMA freelist_count;').trim()).toBe(`t119\n${pager.pageCount - 2}`);
    expect(await integrityCheck(pager, [{ name: 't119', rootPgno: roots[119]! }])).toEqual([]);
  });
});
