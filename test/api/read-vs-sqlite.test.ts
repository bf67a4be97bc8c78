/**
 * The read engine against real SQLite: random schemas and random values, written by the sqlite3
 * shell with random page sizes, text encodings and auto_vacuum modes, after random deletes —
 * every row `Database.rows` reads equals the row SQLite returns, in the same order, through each
 * store (memory, block directory, S3) and from the plain file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { IndexCursor } from '../../src/btree/index-cursor.js';
import { Pager } from '../../src/pager/pager.js';
import { BytesPageFile } from '../../src/pager/page-file.js';
import { decodeRecord } from '../../src/record/record.js';
import type { TextEncoding } from '../../src/record/text-encoding.js';
import type { SqlValue } from '../../src/record/value.js';
import { BlockStore } from '../../src/store/block-store.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { newTestBucket } from '../support/s3.js';
import { buildWithSqlJs, exactLiteral, typedQuery } from '../support/sqljs.js';
import { tempDir } from '../support/sqlite3.js';

const TYPES = ['INTEGER', 'INT', 'BIGINT', 'TEXT', 'VARCHAR(20)', 'CLOB', 'BLOB', '', 'REAL', 'DOUBLE', 'FLOAT', 'NUMERIC', 'DECIMAL(10,5)', 'BOOLEAN', 'DATE'];
const COLLATIONS = ['', ' COLLATE NOCASE', ' COLLATE RTRIM', ' COLLATE BINARY'];

const INT_EDGES = [0, 1, -1, 127, 128, -128, -129, 32767, 32768, -32769, 8388607, 8388608, 2147483647, 2147483648, -2147483649, 140737488355327, 140737488355328, 2 ** 53 - 1];
const value: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.constantFrom(...INT_EDGES).chain((n) => fc.constantFrom(n, -n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n),
  fc.double({ noNaN: true }),
  fc.constantFrom(-0, 0.5, 1e-300, 1e300, 5e-324, 1.7976931348623157e308, Infinity, -Infinity, 2.0, 100.0),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('', ' ', 'abc  ', 'ABC', '123', '12.5', '1e5', ' 42 ', '0x10', '9223372036854775808'),
  fc.string({ unit: 'binary', minLength: 2000, maxLength: 12000 }),
  fc.uint8Array({ maxLength: 30 }),
  fc.uint8Array({ minLength: 3000, maxLength: 20000 }),
);

interface TableSpec {
  name: string;
  columns: Array<{ name: string; type: string; collate: string }>;
  rowidAlias: boolean;
  withoutRowid: boolean;
  pkColumns: number;
  pkDesc: boolean;
  indexes: Array<{ cols: number[]; desc: boolean[]; unique: boolean }>;
  rows: SqlValue[][];
  deleteEvery: number;
}

const tableSpec = (name: string): fc.Arbitrary<TableSpec> =>
  fc
    .record({
      columns: fc.array(fc.record({ type: fc.constantFrom(...TYPES), collate: fc.constantFrom(...COLLATIONS) }), {
        minLength: 1,
        maxLength: 5,
      }),
      layout: fc.constantFrom('rowid', 'alias', 'without'),
      pkDesc: fc.boolean(),
      indexSeeds: fc.array(fc.record({ cols: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), desc: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), unique: fc.constant(false) }), { maxLength: 2 }),
      rowSeeds: fc.array(fc.array(value, { minLength: 5, maxLength: 5 }), { maxLength: 25 }),
      deleteEvery: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ columns, layout, pkDesc, indexSeeds, rowSeeds, deleteEvery }) => {
      const cols = columns.map((c, i) => ({ name: `c${i}`, type: c.type, collate: c.collate }));
      const withoutRowid = layout === 'without';
      const rowidAlias = layout === 'alias';
      if (rowidAlias) cols[0] = { name: 'c0', type: 'INTEGER', collate: '' };
      const width = cols.length;
      let rows = rowSeeds.map((r) => r.slice(0, width));
      if (rowidAlias) {
        // INTEGER PRIMARY KEY values must be distinct integers (or NULL for "pick one").
        rows = rows.map((r, i) => [typeof r[0] === 'number' && Number.isSafeInteger(r[0]) ? r[0] : i + 1000, ...r.slice(1)]);
        const seen = new Set<string>();
        rows = rows.filter((r) => !seen.has(String(r[0])) && seen.add(String(r[0])) !== undefined);
      }
      if (withoutRowid) {
        // The PRIMARY KEY (first column) must be unique and NOT NULL under its collation.
        const seen = new Set<string>();
        rows = rows.filter((r) => {
          if (r[0] === null || r[0] === undefined) return false;
          const k = keyOf(r[0], cols[0]!.collate, cols[0]!.type);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      }
      return {
        name,
        columns: cols,
        rowidAlias,
        withoutRowid,
        pkColumns: withoutRowid ? 1 : 0,
        pkDesc,
        indexes: indexSeeds.map((s) => ({ cols: [...new Set(s.cols.map((c) => c % width))], desc: s.desc, unique: s.unique })),
        rows,
        deleteEvery,
      };
    });

/** A stand-in for SQLite's notion of equal keys, good enough to keep PRIMARY KEY values distinct. */
function keyOf(v: SqlValue, collate: string, type: string): string {
  // A column of numeric affinity stores numeric-looking text as a number (so '9223372036854775808'
  // and 9223372036854775807 collide as REALs); treating more text as numeric only drops more rows.
  if (typeof v === 'string' && /INT|REAL|FLOA|DOUB|NUM|DEC|BOOL|DATE/.test(type) && v.trim() !== '' && Number.isFinite(Number(v))) return `n:${Number(v)}`;
  if (typeof v === 'string') {
    let s = v;
    if (collate.includes('NOCASE')) s = s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (collate.includes('RTRIM')) s = s.replace(/ +$/, '');
    return `t:${s}`;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return `n:${Number(v)}`;
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  return 'null';
}

type Statement = { sql: string; params?: SqlValue[] };

function createSql(t: TableSpec): Statement[] {
  const defs = t.columns.map((c, i) => {
    let def = `${c.name} ${c.type}${c.collate}`;
    if (i === 0 && t.rowidAlias) def += ' PRIMARY KEY';
    return def;
  });
  if (t.withoutRowid) defs.push(`PRIMARY KEY (c0${t.pkDesc ? ' DESC' : ''})`);
  const stmts: Statement[] = [{ sql: `CREATE TABLE ${t.name} (${defs.join(', ')})${t.withoutRowid ? ' WITHOUT ROWID' : ''};` }];
  t.indexes.forEach((ix, n) => {
    const cols = ix.cols.map((c, k) => `c${c}${ix.desc[k] === true ? ' DESC' : ''}`);
    stmts.push({ sql: `CREATE INDEX ${t.name}_i${n} ON ${t.name} (${cols.join(', ')});` });
  });
  stmts.push({ sql: 'BEGIN;' });
  for (const r of t.rows) {
    const lits = r.map((v) => exactLiteral(v));
    stmts.push({
      sql: `INSERT INTO ${t.name} VALUES (${lits.map((l) => l.text).join(', ')});`,
      params: lits.filter((l) => l.bind !== undefined).map((l) => l.bind!),
    });
  }
  stmts.push({ sql: 'COMMIT;' });
  if (t.deleteEvery > 0 && !t.withoutRowid) stmts.push({ sql: `DELETE FROM ${t.name} WHERE rowid % ${t.deleteEvery + 1} = 0;` });
  if (t.deleteEvery > 0 && t.withoutRowid) stmts.push({ sql: `DELETE FROM ${t.name} WHERE length(c0) % ${t.deleteEvery + 1} = 0;` });
  return stmts;
}

const database = fc.record({
  pageSize: fc.constantFrom(512, 1024, 4096, 8192, 65536),
  encoding: fc.constantFrom('UTF-8', 'UTF-16le', 'UTF-16be'),
  autoVacuum: fc.constantFrom('NONE', 'FULL', 'INCREMENTAL'),
  tables: fc.tuple(tableSpec('t1'), tableSpec('t2')),
  alter: fc.boolean(),
});

/** Builds the database with sql.js (SQLite compiled to WebAssembly). */
function build(db: { pageSize: number; encoding: string; autoVacuum: string; tables: TableSpec[]; alter: boolean }): Promise<Uint8Array> {
  const parts: Statement[] = [
    { sql: `PRAGMA page_size=${db.pageSize};` },
    { sql: `PRAGMA encoding='${db.encoding}';` },
    { sql: `PRAGMA auto_vacuum=${db.autoVacuum};` },
  ];
  for (const t of db.tables) parts.push(...createSql(t));
  if (db.alter) {
    // Rows written before ADD COLUMN have fewer fields: readers must fill in the DEFAULT.
    parts.push({ sql: `ALTER TABLE t1 ADD COLUMN added INTEGER DEFAULT '42';` }, { sql: `ALTER TABLE t1 ADD COLUMN added2 TEXT DEFAULT 7;` });
    if (!db.tables[0]!.withoutRowid) parts.push({ sql: `INSERT INTO t1 (added) VALUES (1);` });
  }
  return buildWithSqlJs(parts);
}

/** The order of the table's own b-tree: rowid, or the PRIMARY KEY with its collation and DESC. */
function btreeOrder(name: string, tables: readonly TableSpec[]): string {
  const t = tables.find((x) => x.name === name);
  if (t === undefined || !t.withoutRowid) return 'rowid';
  return `c0${t.columns[0]!.collate}${t.pkDesc ? ' DESC' : ''}`;
}

async function expectSameRows(db: Database, bytes: Uint8Array, tables: string[], specs: readonly TableSpec[]): Promise<void> {
  for (const name of tables) {
    const columns = await db.columns(name);
    const select = `SELECT ${[...columns, ...columns.map((c) => `typeof(${c})`)].join(', ')} FROM ${name} ORDER BY ${btreeOrder(name, specs)}`;
    const expected = await typedQuery(bytes, select);
    const actual: Array<{ values: SqlValue[]; classes: string[] }> = [];
    for await (const row of db.typedRows(name)) actual.push({ values: row.values, classes: row.classes });
    expect(actual).toEqual(expected);
  }
}

const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function storeFor(kind: 'memory' | 'directory' | 's3'): Promise<ObjectStore> {
  if (kind === 'memory') return new MemoryObjectStore();
  if (kind === 'directory') {
    const { dir, cleanup } = tempDir('s3lite-read');
    cleanups.push(cleanup);
    return new DirectoryObjectStore(dir, { sync: false });
  }
  const { store, client } = await newTestBucket();
  cleanups.push(() => client.destroy());
  return store;
}

describe.each([
  { kind: 'memory' as const, runs: 40 },
  { kind: 'directory' as const, runs: 8 },
  { kind: 's3' as const, runs: 4 },
])('rows read through the $kind store equal SQLite’s', ({ kind, runs }) => {
  it('for random schemas, values, page sizes, encodings and auto_vacuum modes', async () => {
    const objects = await storeFor(kind);
    cleanups.push(() => objects.close());
    let n = 0;
    await fc.assert(
      fc.asyncProperty(database, async (spec) => {
        const bytes = await build(spec);
        const prefix = `db${n++}`;
        // Over S3 mostly large blocks: a scan costs a GET per block, and the test server is slow.
        const sizes = kind === 's3' ? [65536, 65536, 4096] : [512, 4096, 65536];
        await deserialize(new BlockStore(objects, prefix), [bytes], { blockSize: sizes[n % 3]! });
        const db = await Database.open({ objects, prefix });
        try {
          await expectSameRows(db, bytes, ['t1', 't2', 'sqlite_schema'], spec.tables);
          // limit/offset cut the same sequence.
          const all: SqlValue[][] = [];
          for await (const r of db.rows('t1')) all.push(r);
          const slice: SqlValue[][] = [];
          for await (const r of db.rows('t1', { offset: 2, limit: 3 })) slice.push(r);
          expect(slice).toEqual(all.slice(2, 5));
        } finally {
          await db.close();
        }
      }),
      { numRuns: runs },
    );
  }, 240_000);
});

describe('plain files and index order', () => {
  it('reads a plain file and walks every index in SQLite’s index order', async () => {
    const { dir, cleanup } = tempDir('s3lite-plain');
    cleanups.push(cleanup);
    await fc.assert(
      fc.asyncProperty(database, async (spec) => {
        const bytes = await build(spec);
        const path = join(dir, 'db.sqlite');
        writeFileSync(path, bytes);
        const db = await Database.open(path);
        try {
          await expectSameRows(db, bytes, ['t1', 't2'], spec.tables);
        } finally {
          await db.close();
        }
        // Index entries in b-tree order equal SQLite's SELECT ordered by the index columns
        // (with their collations and DESC), ties broken by rowid as the index does.
        const pager = await Pager.open(new BytesPageFile(bytes));
        const encoding = pager.header.textEncoding as TextEncoding;
        for (const t of spec.tables) {
          for (let k = 0; k < t.indexes.length; k++) {
            const ix = t.indexes[k]!;
            const name = `${t.name}_i${k}`;
            const root = (await typedQuery(bytes, `SELECT rootpage, typeof(rootpage) FROM sqlite_schema WHERE name='${name}'`))[0]!.values[0] as number;
            const ours: SqlValue[][] = [];
            const cursor = new IndexCursor(pager, root);
            for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
              ours.push(decodeRecord(await cursor.payload(), encoding).values.slice(0, ix.cols.length));
            }
            const order = ix.cols.map((c, j) => `c${c}${t.columns[c]!.collate}${ix.desc[j] === true ? ' DESC' : ''}`);
            const tail = t.withoutRowid ? `, c0${t.columns[0]!.collate}${t.pkDesc ? ' DESC' : ''}` : ', rowid';
            const cols = ix.cols.map((c) => `c${c}`);
            const theirs = await typedQuery(
              bytes,
              `SELECT ${[...cols, ...cols.map((c) => `typeof(${c})`)].join(', ')} FROM ${t.name} ORDER BY ${order.join(', ')}${tail}`,
            );
            expect(ours).toEqual(theirs.map((r) => r.values));
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
