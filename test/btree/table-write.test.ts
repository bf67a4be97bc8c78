/**
 * Model-based test of table b-tree mutation: random insert / replace / delete sequences with
 * commit and rollback points, against a Map model. After every commit: our integrityCheck is
 * empty, a cursor scan (also from a freshly opened pager) equals the model, and sqlite3 says
 * integrity_check ok and reads the same rows. fast-check prints the seed of a failure.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck } from '../../src/btree/integrity-check.js';
import { deleteRow, insertRow } from '../../src/btree/table-write.js';
import { createTable } from '../../src/btree/tree-admin.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import { readFileSync } from 'node:fs';
import { TempDir, prng, sqlite } from './sqlite-fixture.js';
import { bytesOf, exportAndCheck, hex, reopen, scanTable, sqliteRead } from './write-support.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

type Op =
  | { kind: 'insert'; rowid: 'append' | bigint; size: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'commit' }
  | { kind: 'rollback' };

function sizeArb(pageSize: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
    { weight: 3, arbitrary: fc.integer({ min: 40, max: Math.floor(pageSize / 3) }) },
    { weight: 2, arbitrary: fc.integer({ min: Math.floor(pageSize * 0.7), max: Math.floor(pageSize * 1.3) }) },
    { weight: 1, arbitrary: fc.integer({ min: pageSize * 2, max: pageSize * 4 }) },
  );
}

function opArb(pageSize: number): fc.Arbitrary<Op> {
  const rowid = fc.oneof(
    { weight: 4, arbitrary: fc.constant<'append'>('append') },
    { weight: 6, arbitrary: fc.bigInt({ min: -20n, max: 400n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) },
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.record({ kind: fc.constant<'insert'>('insert'), rowid, size: sizeArb(pageSize) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant<'delete'>('delete'), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'commit' }) },
    { weight: 1, arbitrary: fc.constant<Op>({ kind: 'rollback' }) },
  );
}

/** A database with table t(a) whose root is returned; the schema row is committed. */
async function setup(pageSize: number, reservedBytes = 0): Promise<{ file: MemoryPageFile; pager: Pager; root: number }> {
  const file = new MemoryPageFile();
  const pager = await Pager.create(file, { pageSize, reservedBytes });
  await pager.beginWrite();
  const root = await createTable(pager, 'table');
  await insertRow(pager, 1, 1, encodeRecord(['table', 't', 't', root, 'CREATE TABLE t(a)'], 1));
  pager.markSchemaChanged();
  await pager.commit();
  return { file, pager, root };
}

async function runOps(pageSize: number, ops: Op[], reservedBytes = 0): Promise<void> {
  const { file, pager, root } = await setup(pageSize, reservedBytes);
  const path = tmp.file();
  let committed = new Map<bigint, Uint8Array>();
  let model = new Map<bigint, Uint8Array>();
  await pager.beginWrite();
  let seq = 0;
  const check = async (): Promise<void> => {
    expect(await integrityCheck(pager, [{ name: 't', rootPgno: root }])).toEqual([]);
    const sorted = [...committed.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const scanned = await scanTable(pager, root);
    expect(scanned.map(([r]) => r)).toEqual(sorted.map(([r]) => r));
    expect(scanned.map(([, p]) => hex(p))).toEqual(sorted.map(([, p]) => hex(p)));
    const fresh = await reopen(file);
    expect((await scanTable(fresh, root)).map(([r, p]) => `${r}:${hex(p)}`)).toEqual(sorted.map(([r, p]) => `${r}:${hex(p)}`));
    expect(exportAndCheck(file, path)).toBe('ok');
    const rows = sqliteRead(path, 'SELECT rowid, hex(a) FROM t ORDER BY rowid;').split('\n').filter((l) => l.length > 0);
    expect(rows).toEqual(sorted.map(([r, p]) => `${r}|${hex(p.subarray(p.length - (p.length - recordHeaderLen(p))))}`));
  };
  for (const op of [...ops, { kind: 'commit' } as Op]) {
    seq++;
    if (op.kind === 'insert') {
      let rowid: bigint;
      if (op.rowid === 'append') {
        const max = [...model.keys()].reduce((m, k) => (k > m ? k : m), 0n);
        rowid = max + 1n;
        if (rowid >= 1n << 63n) rowid = 0n;
      } else rowid = op.rowid;
      const payload = encodeRecord([bytesOf(op.size, seq)], 1);
      await insertRow(pager, root, rowid, payload);
      model.set(rowid, payload);
    } else if (op.kind === 'delete') {
      const keys = [...model.keys()];
      if (keys.length === 0) {
        expect(await deleteRow(pager, root, 12345n)).toBe(false);
        continue;
      }
      const k = keys[op.pick % keys.length]!;
      expect(await deleteRow(pager, root, k)).toBe(true);
      model.delete(k);
    } else if (op.kind === 'commit') {
      await pager.commit();
      committed = new Map(model);
      await check();
      await pager.beginWrite();
    } else {
      pager.rollback();
      model = new Map(committed);
      await pager.beginWrite();
    }
  }
  pager.rollback();
}

/** Length of a record's header (the blob body follows it). */
function recordHeaderLen(p: Uint8Array): number {
  let v = 0;
  let i = 0;
  for (;;) {
    const b = p[i++]!;
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return v;
  }
}

describe('table b-tree writes against a model and sqlite3', () => {
  for (const [pageSize, runs, maxOps, reserved] of [
    [512, 25, 150, 0],
    [1024, 25, 150, 0],
    [1024, 8, 150, 100],
    [4096, 12, 120, 0],
    [65536, 4, 40, 0],
  ] as const) {
    it(`page size ${pageSize}${reserved === 0 ? '' : `, ${reserved} reserved bytes`}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(pageSize), { minLength: Math.floor(maxOps / 2), maxLength: maxOps }), (ops) => runOps(pageSize, ops, reserved)),
        { numRuns: runs },
      );
    }, 60_000);
  }

  it('a long random workload on 512-byte pages grows a deep tree and shrinks it again', async () => {
    const { file, pager, root } = await setup(512);
    const path = tmp.file();
    const rnd = prng(4242);
    const model = new Map<bigint, Uint8Array>();
    let maxDepth = 0;
    for (let round = 0; round < 10; round++) {
      await pager.beginWrite();
      const deleting = round >= 6;
      for (let i = 0; i < 400; i++) {
        const rowid = BigInt(Math.floor(rnd() * 3000));
        if (deleting || rnd() < 0.25) {
          expect(await deleteRow(pager, root, rowid)).toBe(model.delete(rowid));
        } else {
          const r = rnd();
          const size = r < 0.7 ? Math.floor(rnd() * 60) : r < 0.95 ? Math.floor(rnd() * 400) : 600 + Math.floor(rnd() * 2000);
          const payload = encodeRecord([bytesOf(size, round * 1000 + i)], 1);
          await insertRow(pager, root, rowid, payload);
          model.set(rowid, payload);
        }
      }
      await pager.commit();
      expect(await integrityCheck(pager, [{ name: 't', rootPgno: root }])).toEqual([]);
      const sorted = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      expect((await scanTable(pager, root)).map(([r, p]) => `${r}:${hex(p)}`)).toEqual(sorted.map(([r, p]) => `${r}:${hex(p)}`));
      expect(exportAndCheck(file, path)).toBe('ok');
      maxDepth = Math.max(maxDepth, Number(sqliteRead(path, "SELECT max(length(path)) FROM dbstat WHERE name='t' AND pagetype != 'overflow';").trim() || 0));
      expect(sqliteRead(path, 'SELECT count(*) FROM t;').trim()).toBe(String(model.size));
    }
    // dbstat paths are "/" for the root, "/000/" for a child, "/000/000/" below: 9 = depth 3.
    expect(maxDepth).toBeGreaterThanOrEqual(9);
  });

  it('append-only inserts fill pages (balance_quick) and stay valid', async () => {
    const { file, pager, root } = await setup(1024);
    await pager.beginWrite();
    for (let i = 1; i <= 5000; i++) await insertRow(pager, root, i, encodeRecord([bytesOf(20 + (i % 13), i)], 1));
    await pager.commit();
    expect(await integrityCheck(pager, [{ name: 't', rootPgno: root }])).toEqual([]);
    const path = tmp.file();
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'SELECT count(*), min(rowid), max(rowid) FROM t;').trim()).toBe('5000|1|5000');
    // balance_quick leaves full leaves behind: far fewer pages than half-full splitting would.
    const leaves = Number(sqliteRead(path, "SELECT count(*) FROM dbstat WHERE name='t' AND pagetype='leaf';").trim());
    const perLeaf = 5000 / leaves;
    expect(perLeaf).toBeGreaterThan(25);
  });

  for (const pageSize of [1024, 4096]) {
    it(`append-only inserts are byte-identical to sqlite3's file (page size ${pageSize}; header bytes 24-27 and 92-99 aside)`, async () => {
      const value = (r: number): string => (r % 97 === 0 ? 'w'.repeat(pageSize * 2 + r) : 'v'.repeat(r % 40));
      const theirsPath = tmp.file();
      const sql = [`PRAGMA page_size=${pageSize};`, 'CREATE TABLE t(a);', 'BEGIN;'];
      for (let r = 1; r <= 3000; r++) sql.push(`INSERT INTO t(rowid, a) VALUES (${r}, '${value(r)}');`);
      sql.push('COMMIT;');
      sqlite(theirsPath, sql.join('\n'));
      const theirs = new Uint8Array(readFileSync(theirsPath));
      const { file, pager, root } = await setup(pageSize);
      await pager.beginWrite();
      for (let r = 1; r <= 3000; r++) await insertRow(pager, root, r, encodeRecord([value(r)], 1));
      await pager.commit();
      const ours = file.bytes;
      expect(ours.length).toBe(theirs.length);
      for (const i of [24, 25, 26, 27, 92, 93, 94, 95, 96, 97, 98, 99]) ours[i] = theirs[i]!;
      let differing = 0;
      for (let p = 0; p < ours.length / pageSize; p++) {
        const a = ours.subarray(p * pageSize, (p + 1) * pageSize);
        const b = theirs.subarray(p * pageSize, (p + 1) * pageSize);
        if (!a.every((x, i) => x === b[i])) differing++;
      }
      expect(differing).toBe(0);
    });
  }

  it('deleting everything collapses the tree back to an empty root leaf and frees every page', async () => {
    const { file, pager, root } = await setup(512);
    await pager.beginWrite();
    for (let i = 0; i < 2000; i++) await insertRow(pager, root, (i * 7919) % 2003, encodeRecord([bytesOf(i % 5 === 0 ? 1500 : 30, i)], 1));
    await pager.commit();
    const pagesBefore = pager.pageCount;
    await pager.beginWrite();
    for (let i = 0; i < 2000; i++) expect(await deleteRow(pager, root, (i * 7919) % 2003)).toBe(true);
    await pager.commit();
    expect(await integrityCheck(pager, [{ name: 't', rootPgno: root }])).toEqual([]);
    expect(pager.pageCount).toBe(pagesBefore);
    expect(pager.header.freelistCount).toBe(pagesBefore - 2);
    const path = tmp.file();
    expect(exportAndCheck(file, path)).toBe('ok');
    expect(sqliteRead(path, 'SELECT count(*) FROM t;').trim()).toBe('0');
  });
});
