/**
 * Index b-tree writes (and WITHOUT ROWID tables) against a model and sqlite3: a table t(a) with
 * an index i ON t(a) is kept in step by hand (the index entry of a row is the record [a, rowid]),
 * so sqlite3's integrity_check also proves that the index holds exactly the table's rows.
 * Deletes that hit entries on interior pages are counted to make sure the case is exercised.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteIndexEntry, insertIndexEntry } from '../../src/btree/index-write.js';
import { integrityCheck } from '../../src/btree/integrity-check.js';
import { deleteRow, insertRow } from '../../src/btree/table-write.js';
import { createTable } from '../../src/btree/tree-admin.js';
import { seekIndexPath } from '../../src/btree/write-path.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { compareRecordToKey, type KeyInfo } from '../../src/record/compare.js';
import { decodeRecord, encodeRecord } from '../../src/record/record.js';
import type { SqlValue } from '../../src/record/value.js';
import { TempDir, prng } from './sqlite-fixture.js';
import { bytesOf, exportAndCheck, hex, reopen, scanIndex, scanTable, sqliteRead } from './write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const INFO: KeyInfo = { collations: ['BINARY', 'BINARY'], desc: [false, false], encoding: 1 };
const keyCompare = (key: SqlValue[]) => (cell: Uint8Array) => compareRecordToKey(cell, key, key.map(defaultClass), INFO);
function defaultClass(v: SqlValue): 'null' | 'integer' | 'real' | 'text' | 'blob' {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'integer' : 'real';
  return typeof v === 'string' ? 'text' : 'blob';
}

const stats = { interiorDeletes: 0 };

type Op = { kind: 'put'; rowid: number; value: number; size: number } | { kind: 'del'; pick: number } | { kind: 'commit' } | { kind: 'rollback' };

function valueOf(kind: number, size: number, seed: number): SqlValue {
  switch (kind % 4) {
    case 0:
      return seed % 1000;
    case 1:
      return `v${seed}-`.padEnd(size, 'x');
    case 2:
      return bytesOf(size, seed);
    default:
      return null;
  }
}

function opArb(pageSize: number): fc.Arbitrary<Op> {
  const size = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }) },
    { weight: 2, arbitrary: fc.integer({ min: 30, max: Math.floor(pageSize / 4) }) },
    { weight: 1, arbitrary: fc.integer({ min: Math.floor(pageSize / 2), max: pageSize * 3 }) },
  );
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ kind: fc.constant<'put'>('put'), rowid: fc.integer({ min: 1, max: 300 }), value: fc.nat(), size }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant<'del'>('del'), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'commit' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'rollback' }) },
  );
}

interface Db {
  file: MemoryPageFile;
  pager: Pager;
  table: number;
  index: number;
}

async function setup(pageSize: number): Promise<Db> {
  const file = new MemoryPageFile();
  const pager = await Pager.create(file, { pageSize });
  await pager.beginWrite();
  const table = await createTable(pager, 'table');
  const index = await createTable(pager, 'index');
  await insertRow(pager, 1, 1, encodeRecord(['table', 't', 't', table, 'CREATE TABLE t(a)'], 1));
  await insertRow(pager, 1, 2, encodeRecord(['index', 'i', 't', index, 'CREATE INDEX i ON t(a)'], 1));
  pager.markSchemaChanged();
  await pager.commit();
  return { file, pager, table, index };
}

async function removeRow(db: Db, rowid: number, value: SqlValue): Promise<void> {
  const cmp = keyCompare([value, rowid]);
  const path = await seekIndexPath(db.pager, db.index, cmp);
  const top = path.steps[path.steps.length - 1]!;
  const page = await db.pager.getPage(top.pgno);
  if (path.found && (page[top.pgno === 1 ? 100 : 0]! & 0x08) === 0) stats.interiorDeletes++;
  expect(await deleteIndexEntry(db.pager, db.index, cmp)).toBe(true);
  expect(await deleteRow(db.pager, db.table, rowid)).toBe(true);
}

async function putRow(db: Db, rowid: number, value: SqlValue, old: SqlValue | undefined): Promise<void> {
  if (old !== undefined) expect(await deleteIndexEntry(db.pager, db.index, keyCompare([old, rowid]))).toBe(true);
  await insertRow(db.pager, db.table, rowid, encodeRecord([value], 1));
  await insertIndexEntry(db.pager, db.index, encodeRecord([value, rowid], 1), keyCompare([value, rowid]));
}

async function checkDb(db: Db, model: Map<number, SqlValue>, path: string): Promise<void> {
  expect(await integrityCheck(db.pager, [{ name: 't', rootPgno: db.table }, { name: 'i', rootPgno: db.index }])).toEqual([]);
  const rows = await scanTable(db.pager, db.table);
  expect(rows.map(([r]) => Number(r))).toEqual([...model.keys()].sort((a, b) => a - b));
  const entries = await scanIndex(await reopen(db.file), db.index);
  expect(entries.length).toBe(model.size);
  expect(exportAndCheck(db.file, path)).toBe('ok');
  const viaIndex = sqliteRead(path, 'SELECT count(*) FROM t INDEXED BY i WHERE a IS NOT NULL OR a IS NULL;').trim();
  expect(viaIndex).toBe(String(model.size));
}

async function runOps(pageSize: number, ops: Op[]): Promise<void> {
  const db = await setup(pageSize);
  const path = tmp.file();
  let committed = new Map<number, SqlValue>();
  let model = new Map<number, SqlValue>();
  await db.pager.beginWrite();
  let seq = 0;
  for (const op of [...ops, { kind: 'commit' } as Op]) {
    seq++;
    if (op.kind === 'put') {
      const value = valueOf(op.value, op.size, seq);
      await putRow(db, op.rowid, value, model.get(op.rowid));
      model.set(op.rowid, value);
    } else if (op.kind === 'del') {
      const keys = [...model.keys()];
      if (keys.length === 0) continue;
      const k = keys[op.pick % keys.length]!;
      await removeRow(db, k, model.get(k)!);
      model.delete(k);
    } else if (op.kind === 'commit') {
      await db.pager.commit();
      committed = new Map(model);
      await checkDb(db, committed, path);
      await db.pager.beginWrite();
    } else {
      db.pager.rollback();
      model = new Map(committed);
      await db.pager.beginWrite();
    }
  }
  db.pager.rollback();
}

describe('index b-tree writes against a model and sqlite3', () => {
  afterAll(() => {
    expect(stats.interiorDeletes).toBeGreaterThan(10);
  });
  for (const [pageSize, runs, maxOps] of [
    [512, 20, 160],
    [1024, 15, 160],
    [4096, 6, 200],
    [65536, 3, 40],
  ] as const) {
    it(`page size ${pageSize}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(pageSize), { minLength: Math.floor(maxOps / 2), maxLength: maxOps }), (ops) => runOps(pageSize, ops)),
        { numRuns: runs },
      );
    }, 60_000);
  }

  it('a long workload on 512-byte pages: deep index, many interior deletes, everything deleted at the end', async () => {
    const db = await setup(512);
    const path = tmp.file();
    const rnd = prng(99);
    const model = new Map<number, SqlValue>();
    const before = stats.interiorDeletes;
    for (let round = 0; round < 8; round++) {
      await db.pager.beginWrite();
      for (let i = 0; i < 300; i++) {
        const rowid = 1 + Math.floor(rnd() * 1200);
        const old = model.get(rowid);
        if (round >= 5 || (old !== undefined && rnd() < 0.3)) {
          if (old !== undefined) {
            await removeRow(db, rowid, old);
            model.delete(rowid);
          }
          continue;
        }
        const r = rnd();
        const value = valueOf(Math.floor(rnd() * 4), r < 0.8 ? Math.floor(rnd() * 40) : 100 + Math.floor(rnd() * 600), round * 1000 + i);
        await putRow(db, rowid, value, old);
        model.set(rowid, value);
      }
      await db.pager.commit();
      await checkDb(db, model, path);
    }
    await db.pager.beginWrite();
    for (const [rowid, value] of [...model.entries()]) {
      await removeRow(db, rowid, value);
      model.delete(rowid);
    }
    await db.pager.commit();
    await checkDb(db, model, path);
    expect(stats.interiorDeletes - before).toBeGreaterThan(20);
  });
});

describe('WITHOUT ROWID tables', () => {
  it('insert, replace by primary key, delete; sqlite3 reads the rows in key order', async () => {
    const file = new MemoryPageFile();
    const pager = await Pager.create(file, { pageSize: 1024 });
    await pager.beginWrite();
    const root = await createTable(pager, 'index');
    await insertRow(pager, 1, 1, encodeRecord(['table', 'w', 'w', root, 'CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID'], 1));
    pager.markSchemaChanged();
    const info: KeyInfo = { collations: ['BINARY'], desc: [false], encoding: 1 };
    const byKey = (k: string) => (cell: Uint8Array) => compareRecordToKey(cell, [k], ['text'], info);
    const model = new Map<string, Uint8Array>();
    const rnd = prng(7);
    for (let i = 0; i < 3000; i++) {
      const k = `key${Math.floor(rnd() * 800)}`;
      if (rnd() < 0.3) {
        expect(await deleteIndexEntry(pager, root, byKey(k))).toBe(model.delete(k));
      } else {
        const v = bytesOf(rnd() < 0.9 ? Math.floor(rnd() * 50) : 1500, i);
        await insertIndexEntry(pager, root, encodeRecord([k, v], 1), byKey(k));
        model.set(k, v);
      }
    }
    await pager.commit();
    const cmpKey = (a: Uint8Array, b: Uint8Array): number => compareRecordToKey(a, [decodeRecord(b, 1).values[0]!], ['text'], info);
    expect(await integrityCheck(pager, [{ name: 'w', rootPgno: root, compare: cmpKey }])).toEqual([]);
    const path = tmp.file();
    expect(exportAndCheck(file, path)).toBe('ok');
    const got = sqliteRead(path, 'SELECT k, hex(v) FROM w;').split('\n').filter((l) => l.length > 0);
    const want = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}|${hex(v)}`);
    expect(got).toEqual(want);
  });
});
