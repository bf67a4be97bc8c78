/**
 * Which expression terms of a table's indexes a WHERE operand is (for `lower(name) = ?` to seek
 * `CREATE INDEX i ON t(lower(name))`), by structure as sqlite3ExprCompare judges it: the same
 * operators, functions (names case-insensitively), literals as written and columns — a column
 * of the query resolved to this FROM item, a column of the index expression resolved by name in
 * the table, the same column either way.
 */
import { asciiLower } from '../../schema/affinity.js';
import type { IndexColumnInfo, TableInfo } from '../../schema/schema-types.js';
import type { Expr } from '../../sql/ast.js';

/** How a query column reference resolves: the table column index, or undefined (another table). */
export type ColumnResolver = (e: Expr & { kind: 'column' }) => number | undefined;

/** The index terms (column -2 with an expression) of `table` that `expr` is. */
export function matchingIndexTerms(table: TableInfo, expr: Expr, resolve: ColumnResolver): IndexColumnInfo[] {
  if (expr.kind === 'column' || expr.kind === 'literal' || expr.kind === 'parameter') return [];
  const out: IndexColumnInfo[] = [];
  for (const index of table.indexes) {
    for (const c of index.columns) {
      if (c.column === -2 && c.expr !== undefined && same(expr, c.expr, resolve, table)) out.push(c);
    }
  }
  return out;
}

/** Whether the query expression `q` is the schema expression `ix` of `table` (an index expression or a partial-index WHERE term). */
export function sameExpression(q: Expr, ix: Expr, resolve: ColumnResolver, table: TableInfo): boolean {
  return same(q, ix, resolve, table);
}

function tableColumn(table: TableInfo, e: Expr & { kind: 'column' }): number | undefined {
  if (e.table !== undefined && asciiLower(e.table) !== asciiLower(table.name)) return undefined;
  const key = asciiLower(e.column);
  const i = table.columns.findIndex((c) => asciiLower(c.name) === key);
  return i < 0 ? undefined : i;
}

function same(q: unknown, ix: unknown, resolve: ColumnResolver, table: TableInfo): boolean {
  if (q === ix) return true;
  if (q === null || ix === null || typeof q !== 'object' || typeof ix !== 'object') return q === ix;
  if (q instanceof Uint8Array || ix instanceof Uint8Array) {
    return q instanceof Uint8Array && ix instanceof Uint8Array && q.length === ix.length && q.every((b, i) => b === ix[i]);
  }
  if (Array.isArray(q) || Array.isArray(ix)) {
    return Array.isArray(q) && Array.isArray(ix) && q.length === ix.length && q.every((x, i) => same(x, ix[i], resolve, table));
  }
  const a = q as Record<string, unknown>;
  const b = ix as Record<string, unknown>;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'column') {
    const i = resolve(a as unknown as Expr & { kind: 'column' });
    return i !== undefined && i === tableColumn(table, b as unknown as Expr & { kind: 'column' });
  }
  if (a.kind === 'function' && asciiLower(String(a.name)) !== asciiLower(String(b.name))) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'name' && a.kind === 'function') continue;
    if (a.kind === 'literal' && k === 'value') continue; // literals compare by their text
    if (!same(a[k], b[k], resolve, table)) return false;
  }
  return true;
}
