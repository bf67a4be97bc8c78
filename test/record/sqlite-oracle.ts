/**
 * Test support: real SQLite (sql.js, SQLite compiled to WebAssembly) as the oracle for the
 * record codec and the comparison functions. Loaded through createRequire because sql.js
 * ships CommonJS without type declarations; the few methods used are typed here.
 */
import { createRequire } from 'node:module';
import { readVarintNumber, readVarint } from '../../src/format/varint.js';
import type { TextEncoding } from '../../src/record/text-encoding.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';

export interface SqlJsStatement {
  bind(params: readonly unknown[]): boolean;
  step(): boolean;
  get(): unknown[];
  run(params?: readonly unknown[]): void;
  reset(): void;
  free(): void;
}

export interface SqlJsDatabase {
  run(sql: string, params?: readonly unknown[]): void;
  prepare(sql: string): SqlJsStatement;
  export(): Uint8Array;
  close(): void;
}

export interface SqlJs {
  Database: new (data?: Uint8Array) => SqlJsDatabase;
}

let loaded: Promise<SqlJs> | undefined;

export function loadSqlJs(): Promise<SqlJs> {
  const require = createRequire(import.meta.url);
  const init = require('sql.js') as () => Promise<SqlJs>;
  loaded ??= init();
  return loaded;
}

export const ENCODING_NAMES: Record<TextEncoding, string> = { 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' };

/**
 * The SQL expression and bound parameter that make SQLite store `value` with storage class
 * `cls` exactly (sql.js binds numbers that fit 32 bits as integers and other numbers as
 * doubles, and bigints as text, so integers and reals go through CAST). −0.0 cannot be bound
 * (sql.js binds it as the integer 0), so it is written as the literal `-0.0`.
 */
export function sqlFor(value: SqlValue, cls: StorageClass): { expr: string; params: unknown[] } {
  switch (cls) {
    case 'null':
      return { expr: 'NULL', params: [] };
    case 'integer':
      return { expr: 'CAST(? AS INTEGER)', params: [String(value)] };
    case 'real':
      if (Object.is(value, -0)) return { expr: '-0.0', params: [] };
      return { expr: 'CAST(? AS REAL)', params: [value] };
    default:
      return { expr: '?', params: [value] };
  }
}

/**
 * Creates a database with `encoding` and page size 65536, inserts each row into table `t`
 * (as many columns as the widest row; shorter rows are padded with NULL), and returns the
 * record payloads SQLite wrote, in rowid order, read straight from the table's root leaf.
 */
export function sqliteRecords(
  SQL: SqlJs,
  encoding: TextEncoding,
  rows: readonly (readonly { v: SqlValue; c: StorageClass }[])[],
): Uint8Array[] {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const db = new SQL.Database();
  try {
    db.run(`PRAGMA page_size = 65536; PRAGMA encoding = '${ENCODING_NAMES[encoding]}'`);
    const cols = Array.from({ length: width }, (_, i) => `c${i}`);
    db.run(`CREATE TABLE t(${cols.join(', ')})`);
    for (const row of rows) {
      const exprs: string[] = [];
      const params: unknown[] = [];
      for (const { v, c } of row) {
        const s = sqlFor(v, c);
        exprs.push(s.expr);
        params.push(...s.params);
      }
      const names = cols.slice(0, row.length);
      if (names.length === 0) db.run('INSERT INTO t DEFAULT VALUES');
      else db.run(`INSERT INTO t(${names.join(', ')}) VALUES (${exprs.join(', ')})`, params);
    }
    return leafPayloads(db.export(), 2);
  } finally {
    db.close();
  }
}

/** Payloads of the cells of table leaf page `pgno` (which must be a leaf, with no overflow). */
export function leafPayloads(file: Uint8Array, pgno: number): Uint8Array[] {
  const pageSize = ((file[16]! << 8) | file[17]!) === 1 ? 65536 : (file[16]! << 8) | file[17]!;
  const page = file.subarray((pgno - 1) * pageSize, pgno * pageSize);
  if (page[0] !== 0x0d) throw new Error(`page ${pgno} is not a table leaf (type ${page[0]})`);
  const count = (page[3]! << 8) | page[4]!;
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const ptr = (page[8 + 2 * i]! << 8) | page[9 + 2 * i]!;
    const pos = { offset: ptr };
    const len = readVarintNumber(page, pos);
    readVarint(page, pos); // rowid
    if (len > pageSize - 35) throw new Error('payload spills to overflow pages; keep test rows small');
    out.push(page.slice(pos.offset, pos.offset + len));
  }
  return out;
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
