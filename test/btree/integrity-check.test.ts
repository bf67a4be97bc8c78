/**
 * integrityCheck finds what it claims to find: each test damages a sound database in one way
 * and expects a problem naming the page (and sqlite3 to agree that something is wrong).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compareRecords, integrityCheck } from '../../src/btree/integrity-check.js';
import { insertRow } from '../../src/btree/table-write.js';
import { insertIndexEntry } from '../../src/btree/index-write.js';
import { createTable } from '../../src/btree/tree-admin.js';
import { readU16, writeU16, writeU32 } from '../../src/format/bytes.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import { TempDir } from './sqlite-fixture.js';
import { bytesOf, exportAndCheck } from './write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const PAGE = 1024;

/** A sound database: table t (root returned) with 400 rows, index i with 400 entries, 20 free pages. */
async function sound(): Promise<{ bytes: Uint8Array; table: number; index: number }> {
  const file = new MemoryPageFile();
  const pager = await Pager.create(file, { pageSize: PAGE });
  await pager.beginWrite();
  const table = await createTable(pager, 'table');
  const index = await createTable(pager, 'index');
  await insertRow(pager, 1, 1, encodeRecord(['table', 't', 't', table, 'CREATE TABLE t(a)'], 1));
  await insertRow(pager, 1, 2, encodeRecord(['index', 'i', 't', index, 'CREATE INDEX i ON t(a)'], 1));
  pager.markSchemaChanged();
  for (let r = 1; r <= 400; r++) {
    const a = bytesOf(30 + (r % 40), r);
    await insertRow(pager, table, r, encodeRecord([a], 1));
    const key = encodeRecord([a, r], 1);
    await insertIndexEntry(pager, index, key, (cell) => compareRecords(cell, key));
  }
  for (let i = 0; i < 20; i++) await pager.freePage((await pager.allocatePage()).pgno);
  await pager.commit();
  return { bytes: file.bytes, table, index };
}

async function problemsOf(bytes: Uint8Array, table: number, index: number): Promise<string[]> {
  const pager = await Pager.open(new MemoryPageFile(bytes));
  return integrityCheck(pager, [
    { name: 't', rootPgno: table },
    { name: 'i', rootPgno: index },
  ]);
}

function page(bytes: Uint8Array, pgno: number): Uint8Array {
  return bytes.subarray((pgno - 1) * PAGE, pgno * PAGE);
}

/** First leaf page of the table b-tree with at least `min` cells. */
function findLeaf(bytes: Uint8Array, type: number, min: number): number {
  for (let p = 2; p <= bytes.length / PAGE; p++) {
    const pg = page(bytes, p);
    if (pg[0] === type && readU16(pg, 3) >= min) return p;
  }
  throw new Error('no such page');
}

describe('integrityCheck', () => {
  it('is empty for a sound database that sqlite3 also accepts', async () => {
    const { bytes, table, index } = await sound();
    expect(await problemsOf(bytes, table, index)).toEqual([]);
    const file = new MemoryPageFile(bytes);
    expect(exportAndCheck(file, tmp.file())).toBe('ok');
  });

  it('finds rowids out of order within a page', async () => {
    const { bytes, table, index } = await sound();
    const p = findLeaf(bytes, 0x0d, 3);
    const pg = page(bytes, p);
    const a = readU16(pg, 8);
    writeU16(pg, 8, readU16(pg, 10));
    writeU16(pg, 10, a);
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.includes(`page ${p}:`) && m.includes('not greater'))).toBe(true);
    expect(exportAndCheck(new MemoryPageFile(bytes), tmp.file())).not.toBe('ok');
  });

  it('finds index entries out of order (default record comparison)', async () => {
    const { bytes, table, index } = await sound();
    const p = findLeaf(bytes, 0x0a, 3);
    const pg = page(bytes, p);
    const a = readU16(pg, 8);
    writeU16(pg, 8, readU16(pg, 10));
    writeU16(pg, 10, a);
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.startsWith(`i: page ${p}:`))).toBe(true);
  });

  it('finds a wrong fragmented-byte count', async () => {
    const { bytes, table, index } = await sound();
    const p = findLeaf(bytes, 0x0d, 1);
    page(bytes, p)[7] = 3;
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.includes(`page ${p}:`) && m.includes('fragmented'))).toBe(true);
    expect(exportAndCheck(new MemoryPageFile(bytes), tmp.file())).not.toBe('ok');
  });

  it('finds overlapping cells', async () => {
    const { bytes, table, index } = await sound();
    const p = findLeaf(bytes, 0x0d, 3);
    const pg = page(bytes, p);
    writeU16(pg, 10, readU16(pg, 8) + 1);
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.includes(`page ${p}`))).toBe(true);
  });

  it('finds a freelist count that disagrees with the header, and orphan pages', async () => {
    const { bytes, table, index } = await sound();
    writeU32(bytes, 36, 19);
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.includes('freelist'))).toBe(true);
    const grown = new Uint8Array(bytes.length + PAGE);
    grown.set(bytes);
    writeU32(grown, 36, 20);
    writeU32(grown, 28, grown.length / PAGE);
    const orphan = grown.length / PAGE;
    expect(await problemsOf(grown, table, index)).toContain(`page ${orphan} is never used`);
  });

  it('finds child pointers swapped (keys outside the bounds their parent sets)', async () => {
    const { bytes, table, index } = await sound();
    const root = page(bytes, table);
    expect(root[0]).toBe(0x05);
    // Swap the first and the right-most child pointer: keys end up outside their bounds.
    const first = readU16(root, 12);
    const left = root.slice(first, first + 4);
    root.set(root.subarray(8, 12), first);
    root.set(left, 8);
    const problems = await problemsOf(bytes, table, index);
    expect(problems.some((m) => m.includes('bound'))).toBe(true);
  });
});
