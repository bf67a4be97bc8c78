/**
 * Test support: evaluate a SQL expression with compileExpr (empty scope, or a scope over one
 * row) and with sql.js, in the same shape, so tests can compare value, storage class and
 * error message.
 */
import { sqljs } from '../../support/sqljs.js';
import { compileExpr } from '../../../src/exec/expr/compile.js';
import type { EvalContext, Scope } from '../../../src/exec/expr-contract.js';
import { storageClassOf, type Value } from '../../../src/exec/value.js';
import { parseExpression } from '../../../src/sql/index.js';
import { encodeUtf8, isWellFormedText } from '../../../src/record/text-encoding.js';

export type Outcome = { ok: true; value: Value; cls: string } | { ok: false; error: string };

export const FIXED_NOW = new Date(Date.UTC(2024, 1, 29, 13, 45, 30, 250));

export const emptyScope: Scope = { resolveColumn: () => undefined };

export function ctx(positional: Value[] = [], named: Map<string, Value> = new Map()): EvalContext {
  return { params: { positional, named }, now: FIXED_NOW };
}

export function ours(sql: string, scope: Scope = emptyScope, row: Value[] = [], c: EvalContext = ctx()): Outcome {
  try {
    const f = compileExpr(parseExpression(sql), scope);
    const value = f(row, c);
    return { ok: true, value, cls: storageClassOf(value) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

interface OracleDb {
  prepare(sql: string): {
    step(): boolean;
    get(params: null, config: { useBigInt: boolean }): unknown[];
    bind(values: unknown[]): boolean;
    free(): void;
  };
  close(): void;
}

let shared: OracleDb | undefined;

async function db(): Promise<OracleDb> {
  if (shared) return shared;
  const SQL = await sqljs();
  shared = new (SQL.Database as unknown as new () => OracleDb)();
  return shared;
}

function fromSqlJs(v: unknown, cls: string): Value {
  if (v === null || v === undefined) return null;
  if (cls === 'integer') return typeof v === 'bigint' ? v : BigInt(v as number);
  if (cls === 'real') return Number(v);
  if (v instanceof Uint8Array) return v;
  return v as string;
}

/** SQLite's answer for `SELECT expr` (its value and typeof), or its error message. */
export async function theirs(sql: string, params: Value[] = []): Promise<Outcome> {
  const d = await db();
  try {
    const stmt = d.prepare(`SELECT ${sql}, typeof(${sql})`);
    try {
      if (params.length > 0) stmt.bind(params.map((p) => (typeof p === 'bigint' ? p : p)));
      stmt.step();
      const [v, t] = stmt.get(null, { useBigInt: true });
      return { ok: true, value: fromSqlJs(v, t as string), cls: t as string };
    } finally {
      stmt.free();
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Equality of outcomes: same class and identical value (reals by Object.is), or the same error message. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.error === b.error;
  if (a.cls !== b.cls) return false;
  return sameValue(a.value, b.value);
}

export function sameValue(a: Value, b: Value): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (a === 0 && b === 0);
  if (typeof a === 'string' && typeof b === 'string') return asSqlJsShows(a) === asSqlJsShows(b);
  return a === b;
}

/**
 * Text as sql.js hands it to JavaScript: its bytes decoded with U+FFFD for what is not UTF-8.
 * s3lite keeps such bytes (escaped as U+DC00 + byte, src/record/text-encoding.ts), so a value
 * of ours is compared through the same lossy decoding.
 */
export function asSqlJsShows(s: string): string {
  return isWellFormedText(s) ? s : new TextDecoder().decode(encodeUtf8(s));
}

export function show(o: Outcome): string {
  if (!o.ok) return `error(${o.error})`;
  const v = o.value;
  const text = v instanceof Uint8Array ? `x'${[...v].map((x) => x.toString(16).padStart(2, '0')).join('')}'` : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v);
  return `${o.cls}:${text}`;
}
