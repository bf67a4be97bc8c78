/**
 * Test support: run one SELECT on database bytes with our engine and with SQLite (sql.js),
 * and compare the outcomes — rows (values and storage classes, in order or as multisets) or
 * the error message.
 */
import { fromPublic, storageClassOf } from '../../../src/exec/value.js';
import type { SqlValue } from '../../../src/record/value.js';
import { sqljs } from '../../support/sqljs.js';
import { openBytes, rowText, runTyped, type TypedResult } from './support.js';

export type QueryOutcome = { ok: true; rows: TypedResult[] } | { ok: false; error: string };

export async function sqliteOutcome(bytes: Uint8Array, sql: string): Promise<QueryOutcome> {
  const SQL = await sqljs();
  const db = new SQL.Database(bytes);
  try {
    const stmt = db.prepare(sql);
    const rows: TypedResult[] = [];
    while (stmt.step()) {
      const raw = stmt.get(null, { useBigInt: true });
      const values = raw.map((v) => (typeof v === 'number' ? v : fromPublic(v)));
      rows.push({
        values: values.map((v) => (typeof v === 'bigint' && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v)) as SqlValue[],
        classes: raw.map((v) => (typeof v === 'number' ? 'real' : storageClassOf(fromPublic(v)))),
      });
    }
    stmt.free();
    return { ok: true, rows };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    db.close();
  }
}

export async function ourOutcome(bytes: Uint8Array, sql: string): Promise<QueryOutcome> {
  try {
    const ctx = await openBytes(bytes);
    return { ok: true, rows: await runTyped(ctx, sql) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function showOutcome(o: QueryOutcome): string {
  return o.ok ? o.rows.map(rowText).join('\n    ') || '(no rows)' : `error: ${o.error}`;
}

/** Equal outcomes: the same error message, or the same rows (in order when `ordered`, else as multisets). */
export function sameQueryOutcome(a: QueryOutcome, b: QueryOutcome, ordered: boolean): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.error === b.error;
  const x = a.rows.map(rowText);
  const y = b.rows.map(rowText);
  if (!ordered) {
    x.sort();
    y.sort();
  }
  return x.length === y.length && x.every((r, i) => r === y[i]);
}

/** Throws with both outcomes when ours differs from SQLite's. */
export async function expectSameAsSqlite(bytes: Uint8Array, sql: string, ordered = true): Promise<void> {
  const a = await ourOutcome(bytes, sql);
  const b = await sqliteOutcome(bytes, sql);
  if (!sameQueryOutcome(a, b, ordered)) {
    throw new Error(`${sql}\n  ours:\n    ${showOutcome(a)}\n  sqlite:\n    ${showOutcome(b)}`);
  }
}
