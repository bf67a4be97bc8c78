/**
 * sql.js (SQLite compiled to WebAssembly; a dev dependency only) as an in-process oracle:
 * opens database bytes and returns rows with exact 64-bit integers and storage classes.
 */
import { createRequire } from 'node:module';
import type { SqlValue, StorageClass } from '../../src/record/value.js';

interface SqlJsStatement {
  step(): boolean;
  get(params: null, config: { useBigInt: boolean }): unknown[];
  getColumnNames(): string[];
  free(): void;
}
interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement;
  close(): void;
}
interface SqlJs {
  Database: new (bytes?: Uint8Array) => SqlJsDatabase;
}

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js') as () => Promise<SqlJs>;
let loaded: Promise<SqlJs> | undefined;

export async function sqljs(): Promise<SqlJs> {
  loaded ??= initSqlJs();
  return loaded;
}

function normalize(v: unknown): SqlValue {
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
