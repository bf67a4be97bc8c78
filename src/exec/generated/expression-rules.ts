/**
 * What SQLite forbids in the expressions a schema stores and evaluates per row — generated
 * columns, index expressions and partial-index WHERE clauses (resolve.c's NC_GenCol,
 * NC_IdxExpr, NC_PartIdx): subqueries, parameters, functions that are not deterministic, and
 * (generated columns) names qualified by a schema. Column names must resolve in the table.
 * The walk is pre-order, so the first offence met is the one reported, as SQLite's resolver
 * does. Aggregates, window functions and unknown functions are left to the expression
 * compiler, which reports them with SQLite's messages.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { Expr } from '../../sql/ast.js';

/** Where the expression sits: the tail of SQLite's "… prohibited in <where>" messages. */
export type ExpressionSite = 'generated columns' | 'index expressions' | 'partial index WHERE clauses';

/** Functions SQLite registers without SQLITE_DETERMINISTIC (VFUNCTION in func.c). */
const NON_DETERMINISTIC = new Set(['random', 'randomblob', 'changes', 'total_changes', 'last_insert_rowid']);

/** Date and time functions: deterministic unless they read 'now' (SQLITE_FUNC_SLOCHNG). */
export const DATE_FUNCTIONS = new Set(['date', 'time', 'datetime', 'julianday', 'unixepoch', 'strftime', 'timediff']);

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

function prohibited(what: string, site: ExpressionSite): SqliteError {
  return new SqliteError('SQLITE_ERROR', `${what} prohibited in ${site}`);
}

/**
 * Throws SQLite's error for the first thing `expr` may not contain at `site`, or for a column
 * that `table` (its column list as `columns`) does not have.
 */
export function checkStoredExpression(
  expr: Expr,
  site: ExpressionSite,
  table: { readonly name: string; readonly withoutRowid: boolean; readonly columns: readonly { readonly name: string }[] },
): void {
  const names = new Set(table.columns.map((c) => asciiLower(c.name)));
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    const e = node as Expr;
    switch (e.kind) {
      case 'subquery':
      case 'exists':
        throw prohibited('subqueries', site);
      case 'in':
        visit(e.expr);
        if (e.target.kind === 'select') throw prohibited('subqueries', site);
        visit(e.target.items);
        return;
      case 'parameter':
        throw prohibited('parameters', site);
      case 'current-time':
        throw prohibited('non-deterministic functions', site);
      case 'function':
        if (NON_DETERMINISTIC.has(asciiLower(e.name))) throw prohibited('non-deterministic functions', site);
        break;
      case 'column': {
        const qualifiedElsewhere = e.table !== undefined && asciiLower(e.table) !== asciiLower(table.name);
        // A schema name is refused outright; a table name where it is not this table's is no
        // such column; this table's name is allowed in generated columns and partial-index
        // WHERE clauses but not in index expressions.
        if (e.schema !== undefined && site !== 'partial index WHERE clauses') throw prohibited('the "." operator', site);
        if (e.table !== undefined && !qualifiedElsewhere && site === 'index expressions') throw prohibited('the "." operator', site);
        const rowid = site === 'partial index WHERE clauses' && !table.withoutRowid && ROWID_NAMES.has(asciiLower(e.column));
        if (qualifiedElsewhere || (!names.has(asciiLower(e.column)) && !rowid)) {
          // A lone "name" that is no column is a string literal, as everywhere.
          if (e.doubleQuoted && e.table === undefined) return;
          throw new SqliteError('SQLITE_ERROR', `no such column: ${e.table === undefined ? e.column : `${e.table}.${e.column}`}`);
        }
        return;
      }
      default:
        break;
    }
    for (const v of Object.values(e)) if (typeof v === 'object') visit(v);
  };
  visit(expr);
}

/** The name of the first date/time function `expr` calls (for the 'now' error), if any. */
export function firstDateFunction(expr: Expr): string | undefined {
  let found: string | undefined;
  const visit = (node: unknown): void => {
    if (found !== undefined || node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const e = node as Expr;
    if (e.kind === 'function' && DATE_FUNCTIONS.has(asciiLower(e.name))) {
      found = asciiLower(e.name);
      return;
    }
    for (const v of Object.values(e)) if (typeof v === 'object') visit(v);
  };
  visit(expr);
  return found;
}

/** Columns of `table` an expression names (declared indices, each once). */
export function referencedColumns(expr: Expr, table: TableInfo): number[] {
  const out = new Set<number>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const e = node as Expr;
    if (e.kind === 'column') {
      const key = asciiLower(e.column);
      const i = table.columns.findIndex((c) => asciiLower(c.name) === key);
      if (i >= 0) out.add(i);
      return;
    }
    for (const v of Object.values(e)) if (typeof v === 'object') visit(v);
  };
  visit(expr);
  return [...out];
}
