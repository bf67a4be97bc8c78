/**
 * The one access path DML plans for itself: `WHERE rowid = expr` (or the INTEGER PRIMARY KEY
 * alias, either side) with an expression that reads no column seeks that one row instead of
 * scanning the table. The value is compared as SQLite would: INTEGER affinity first, and only
 * an integral number can equal a rowid.
 */
import type { Expr } from '../../sql/ast.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { Scope } from '../expr-contract.js';
import type { Value } from '../value.js';
import type { ExecEnv } from './exec-env.js';
import { withAffinity } from './row-codec.js';

function readsNoColumn(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return true;
  const node = e as Record<string, unknown>;
  if (node['kind'] === 'column' || node['kind'] === 'subquery' || node['kind'] === 'exists' || node['kind'] === 'function') return false;
  return Object.values(node).every((v) => (Array.isArray(v) ? v.every(readsNoColumn) : readsNoColumn(v)));
}

/** The expression `WHERE` compares the rowid with, when it has the shape above; else undefined. */
export function rowidLookupExpr(table: TableInfo, where: Expr | undefined, scope: Scope): Expr | undefined {
  if (table.withoutRowid || where === undefined || where.kind !== 'binary' || where.op !== '=') return undefined;
  const isRowid = (e: Expr): boolean => {
    if (e.kind !== 'column') return false;
    const r = scope.resolveColumn(e.table, e.column);
    return r !== undefined && (r.slot === table.columns.length || r.slot === table.rowidAlias);
  };
  if (isRowid(where.left) && readsNoColumn(where.right)) return where.right;
  if (isRowid(where.right) && readsNoColumn(where.left)) return where.left;
  return undefined;
}

/** The rowid a value compared with the rowid can match: null when none can. */
export function rowidOfValue(v: Value): bigint | null {
  if (v === null || v instanceof Uint8Array) return null;
  const n = withAffinity(v, 'INTEGER');
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n);
  return null;
}

/**
 * undefined: no fast path; null: no row can match; a bigint: the only rowid that can match.
 */
export function rowidLookup(table: TableInfo, where: Expr | undefined, scope: Scope, env: ExecEnv): bigint | null | undefined {
  const other = rowidLookupExpr(table, where, scope);
  if (other === undefined) return undefined;
  return rowidOfValue(env.compile(other, scope)([], env.ctx));
}
