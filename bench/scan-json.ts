/**
 * CPU benchmark shared by bench/cpu.ts (and meant for bench/s3-read.ts): a full scan of table t
 * of a local file printed as JSON lines, by s3lite and by sql.js (SQLite compiled to WebAssembly)
 * on the same bytes. Each side's time includes opening the database; the best of `reps` runs
 * counts (the first run of each also warms the JIT). Output goes to a length counter, not to a
 * terminal, so that the terminal's speed does not decide the race.
 *
 * Values are written as the CLI writes JSON: blobs as their length here (both sides alike),
 * integers beyond 2^53 as strings.
 */
import { clock } from './clock.js';
import { loadEngine } from './engine.js';
import { sqljs } from '../test/support/sqljs.js';

export interface ScanComparison {
  /** `Database.rows('t')` (the table reader, no SQL). */
  readonly oursRowsMs: number;
  /** `db.prepare('SELECT * FROM t').iterate()` (the query engine). */
  readonly oursQueryMs: number;
  readonly sqljsMs: number;
  readonly rows: number;
  /** Characters of JSON produced by each side (must agree). */
  readonly chars: { readonly ours: number; readonly query: number; readonly sqljs: number };
}

const toJson = (v: unknown): unknown =>
  v instanceof Uint8Array ? v.length : typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;

export async function compareScanToJson(path: string, bytes: Uint8Array, reps = 3): Promise<ScanComparison> {
  let oursRowsMs = Infinity;
  let oursQueryMs = Infinity;
  let sqljsMs = Infinity;
  let rows = 0;
  const chars = { ours: 0, query: 0, sqljs: 0 };
  const SQL = await sqljs();
  const { Database } = await loadEngine();
  for (let rep = 0; rep < reps; rep++) {
    let t0 = clock();
    {
      const db = await Database.open(path);
      let len = 0;
      let n = 0;
      for await (const row of db.rows('t')) {
        len += JSON.stringify(row.map(toJson)).length + 1;
        n++;
      }
      await db.close();
      oursRowsMs = Math.min(oursRowsMs, clock() - t0);
      chars.ours = len;
      rows = n;
    }
    t0 = clock();
    {
      const db = await Database.open(path);
      const stmt = await db.prepare('SELECT * FROM t');
      const names = stmt.columns();
      let len = 0;
      for await (const row of stmt.iterate()) {
        len += JSON.stringify(names.map((c) => toJson(row[c]))).length + 1;
      }
      await db.close();
      oursQueryMs = Math.min(oursQueryMs, clock() - t0);
      chars.query = len;
    }
    t0 = clock();
    {
      const sdb = new SQL.Database(bytes);
      const stmt = sdb.prepare('SELECT * FROM t');
      let len = 0;
      while (stmt.step()) len += JSON.stringify(stmt.get(null, { useBigInt: true }).map(toJson)).length + 1;
      stmt.free();
      sdb.close();
      sqljsMs = Math.min(sqljsMs, clock() - t0);
      chars.sqljs = len;
    }
  }
  return { oursRowsMs, oursQueryMs, sqljsMs, rows, chars };
}
