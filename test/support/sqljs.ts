/**
 * sql.js (SQLite compiled to WebAssembly; a dev dependency only) as an in-process oracle:
 * opens database bytes and returns rows with exact 64-bit integers and storage classes.
 */
import { createRequire } from 'node:module';
import type { SqlValue, StorageClass } from '../../src/record/value.js';

/** The parts of sql.js's API the tests and benchmarks use. */
export interface SqlJsStatement {
  bind(values?: unknown[]): boolean;
  step(): boolean;
  get(params?: null, config?: { useBigInt: boolean }): unknown[];
  getColumnNames(): string[];
  run(values?: unknown[]): void;
  reset(): void;
  free(): void;
}
export interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement;
  run(sql: string, params?: unknown[]): void;
  exec(sql: string): Array<{ columns: string[]; values: unknown[][] }>;
  export(): Uint8Array;
  close(): void;
}
export interface SqlJs {
  Database: new (bytes?: Uint8Array) => SqlJsDatabase;
}

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js') as () => Promise<SqlJs>;
let loaded: Promise<SqlJs> | undefined;

export async function sqljs(): Promise<SqlJs> {
  loaded ??= initSqlJs();
  return loaded;
}

/**
 * The storage class of a value sql.js returned with `{ useBigInt: true }` (integers come back as
 * bigint, reals as number).
 */
export function sqljsClass(v: unknown): StorageClass {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'real';
  if (typeof v === 'string') return 'text';
  return 'blob';
}

/** A value sql.js returned (`useBigInt: true`) as our public API gives it (safe integers as numbers). */
export function normalize(v: unknown): SqlValue {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v === null || typeof v === 'number' || typeof v === 'string' || v instanceof Uint8Array) return v;
  throw new Error(`unexpected sql.js value ${String(v)}`);
}

/**
 * Runs `sql` on a copy of `bytes`. Each result column `c` is expected to be followed by a
 * column `typeof(c)`; returns rows of values with their storage classes.
 */
export async function typedQuery(bytes: Uint8Array, sql: string): Promise<Array<{ values: SqlValue[]; classes: StorageClass[] }>> {
  const SQL = await sqljs();
  const db = new SQL.Database(bytes);
  try {
    const stmt = db.prepare(sql);
    const out: Array<{ values: SqlValue[]; classes: StorageClass[] }> = [];
    while (stmt.step()) {
      const raw = stmt.get(null, { useBigInt: true });
      const half = raw.length / 2;
      out.push({
        values: raw.slice(0, half).map(normalize),
        classes: raw.slice(half).map((t) => t as StorageClass),
      });
    }
    stmt.free();
    return out;
  } finally {
    db.close();
  }
}

/**
 * Builds a database with sql.js. Each statement may carry values for its `?` placeholders.
 * (Text and blobs are bound, never spliced into SQL, so any byte — NUL included — survives;
 * exact integers and reals should be spliced as literals with `exactLiteral`, because sql.js
 * binds bigints as text and integral doubles as integers.)
 */
export async function buildWithSqlJs(statements: ReadonlyArray<{ sql: string; params?: SqlValue[] }>): Promise<Uint8Array> {
  const SQL = await sqljs();
  const db = new SQL.Database();
  try {
    for (const { sql, params } of statements) db.run(sql, params);
    return db.export();
  } finally {
    db.close();
  }
}

/** An INSERT value: exact numeric literal, or a `?` with the value to bind for text/blob. */
export function exactLiteral(value: SqlValue): { text: string; bind?: SqlValue } {
  if (value === null) return { text: 'NULL' };
  if (typeof value === 'bigint') return { text: value.toString() };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { text: 'NULL' };
    if (value === Infinity) return { text: '9e999' };
    if (value === -Infinity) return { text: '-9e999' };
    if (Object.is(value, -0)) return { text: '-0.0' };
    if (Number.isSafeInteger(value)) return { text: String(value) };
    const text = value.toExponential(17);
    return { text: text.includes('e') ? text.replace('e+', 'e') : text };
  }
  return { text: '?', bind: value };
}
