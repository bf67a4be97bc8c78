/**
 * The affinity and the collating sequence of an expression, as SQLite derives them
 * (datatype3.html, "Affinity of expressions" and "Collating sequences"): used by comparisons,
 * IN, ORDER BY and index choice. Split from compile.ts.
 */
import { affinityOfType, type Affinity } from '../../schema/affinity.js';
import { resolveCollation } from '../../record/collation.js';
import type { Expr, FunctionExpr } from '../../sql/ast.js';
import type { Scope } from '../expr-contract.js';
import type { ScopeExtras } from './compile.js';
// ── Affinity and collation of expressions ──────────────────────────────────────────────────

/** sqlite3ExprAffinity (https://www.sqlite.org/datatype3.html#affinity_of_expressions); undefined = none. */
export function exprAffinity(expr: Expr, scope: Scope): Affinity | undefined {
  switch (expr.kind) {
    case 'column': {
      const r = scope.resolveColumn(expr.table, expr.column);
      return r?.affinity;
    }
    case 'cast':
      return expr.type.trim() === '' ? 'NUMERIC' : affinityOfType(expr.type);
    case 'collate':
      return exprAffinity(expr.expr, scope);
    case 'vector':
      return expr.items[0] === undefined ? undefined : exprAffinity(expr.items[0], scope);
    case 'subquery':
      return (scope as Scope & ScopeExtras).subqueryAffinity?.(expr.select);
    default:
      return undefined;
  }
}

interface FoundCollation {
  readonly name: string;
  /** From an explicit COLLATE (EP_Collate) rather than a column's default. */
  readonly explicit: boolean;
}

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'collate':
    case 'cast':
      return [e.expr];
    case 'case':
      return [
        ...(e.operand ? [e.operand] : []),
        ...e.whens.flatMap((w) => [w.when, w.then]),
        ...(e.else ? [e.else] : []),
      ];
    case 'function':
      return [...e.args];
    case 'in':
      return [e.expr, ...(e.target.kind === 'list' ? e.target.items : [])];
    case 'between':
      return [e.expr, e.low, e.high];
    case 'like':
      return [e.expr, e.pattern, ...(e.escape ? [e.escape] : [])];
    case 'null-test':
      return [e.expr];
    case 'vector':
      return [...e.items];
    default:
      return [];
  }
}

export function hasExplicitCollate(e: Expr): boolean {
  if (e.kind === 'collate') return true;
  return children(e).some(hasExplicitCollate);
}

/** sqlite3ExprCollSeq: the collation an expression carries, or undefined for none. */
export function collationOf(e: Expr, scope: Scope): FoundCollation | undefined {
  let p: Expr | undefined = e;
  while (p !== undefined) {
    if (p.kind === 'collate') return { name: resolveCollation(p.collation), explicit: true };
    if (p.kind === 'column') {
      const r = scope.resolveColumn(p.table, p.column);
      // The rowid has no collating sequence (sqlite3ExprCollSeq: a column with iColumn < 0).
      return r === undefined || r.rowid === true ? undefined : { name: r.collation.toUpperCase(), explicit: false };
    }
    if (p.kind === 'cast' || (p.kind === 'unary' && p.op === '+')) {
      p = p.kind === 'cast' ? p.expr : p.operand;
      continue;
    }
    p = children(p).find(hasExplicitCollate);
  }
  return undefined;
}

/** Whether an expression has a collating sequence at all (a column other than the rowid, or COLLATE). */
export function hasCollation(expr: Expr, scope: Scope): boolean {
  return collationOf(expr, scope) !== undefined;
}

/** The collating sequence of an expression (§7.1); BINARY when it has none. */
export function exprCollation(expr: Expr, scope: Scope): string {
  return collationOf(expr, scope)?.name ?? 'BINARY';
}

/** sqlite3BinaryCompareCollSeq: explicit COLLATE on the left, then on the right, then the left's column, then the right's. */
export function binaryCollation(left: Expr, right: Expr, scope: Scope): string {
  const l = collationOf(left, scope);
  if (l?.explicit) return l.name;
  const r = collationOf(right, scope);
  if (r?.explicit) return r.name;
  return l?.name ?? r?.name ?? 'BINARY';
}

/** SQLITE_FUNC_NEEDCOLL: the first argument carrying a collation. */
export function functionCollation(e: FunctionExpr, scope: Scope): string {
  for (const a of e.args) {
    const found = collationOf(a, scope);
    if (found !== undefined) return found.name;
  }
  return 'BINARY';
}
