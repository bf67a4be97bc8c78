/**
 * The WHERE terms one table's read can use (access-path.ts plans with them): comparisons of a
 * column, the rowid or an index expression with values known before the table is read (`=`,
 * `<`, `<=`, `>`, `>=`, IN, IS, IS NULL, BETWEEN, equalities that chain through another column),
 * each with the affinity and collation its comparison takes — and whether the terms imply a
 * partial index's WHERE.
 */
import type { Affinity } from '../../schema/affinity.js';
import type { IndexColumnInfo } from '../../schema/schema-types.js';
import type { Expr, SelectStatement } from '../../sql/ast.js';
import { exprAffinity, exprCollation } from './expr-api.js';
import type { CoreScope, Source, SubqueryRun, TrackedExpr } from './query-scope.js';
import { matchingIndexTerms, sameExpression } from './index-expression-match.js';
import { columnsOnlyScope } from '../generated/generated-columns.js';
import { splitOn } from './or-path.js';

type Op = '=' | '<' | '<=' | '>' | '>=' | 'in';

export interface Constraint {
  /** Table column index, or -1 for the rowid, or -2 for an index expression term (`term`). */
  readonly column: number;
  /** The index expression term the operand is (column -2). */
  readonly term?: IndexColumnInfo;
  readonly op: Op;
  readonly keys: readonly TrackedExpr[];
  /** `col IN (SELECT …)`: the subquery whose first column lists the keys. */
  readonly list?: SubqueryRun;
  readonly collation: string;
  /** Affinity to apply to key values before seeking (undefined: none). */
  readonly convert: Affinity | undefined;
  /** The WHERE/ON term it came from (the cost model counts the terms a path consumes). */
  readonly from: Expr;
  /** `col IS x` / `col IS NULL` / `col ISNULL`: a NULL key matches the NULL entries instead of nothing. */
  readonly matchesNull?: boolean;
}

const NULL_LITERAL: Expr = { kind: 'literal', type: 'null', value: null, text: 'NULL' };
const FLIP: Record<string, Op> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
export const MIN_INT64 = -(2n ** 63n);
export const MAX_INT64 = 2n ** 63n - 1n;

function hasSubquery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasSubquery);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'subquery' || o.kind === 'exists' || o.kind === 'select') return true;
  return Object.values(o).some(hasSubquery);
}

function isNumericAffinity(a: Affinity): boolean {
  return a === 'INTEGER' || a === 'REAL' || a === 'NUMERIC';
}

/** The column of `source` that `expr` names, if it is a bare column reference to it. */
function columnOf(scope: CoreScope, source: Source, expr: Expr): number | undefined {
  if (expr.kind !== 'column') return undefined;
  const r = scope.resolveColumn(expr.table, expr.column);
  if (r === undefined) return undefined;
  if (r.slot === source.rowidSlot) return -1;
  const index = r.slot - source.offset;
  if (index < 0 || index >= source.columns.length) return undefined;
  const table = source.table!;
  return index === table.rowidAlias ? -1 : index;
}

export function extract(scope: CoreScope, source: Source, terms: readonly Expr[], outer: ReadonlySet<number> | undefined): Constraint[] {
  const out: Constraint[] = [];
  const table = source.table!;
  // A key may read only the items whose loops are outside this one.
  const isOuter = (l: number): boolean => (outer === undefined ? l < source.level : outer.has(l));
  let current: Expr = terms[0]!;
  const usableKey = (other: Expr): TrackedExpr | undefined => {
    if (hasSubquery(other)) return undefined;
    const t = scope.compile(other);
    for (const l of t.levels) if (!isOuter(l)) return undefined;
    return t;
  };
  let matchesNull = false;
  const add = (column: number, op: Op, others: readonly Expr[], colIsLeft: boolean, term?: IndexColumnInfo, side?: Expr): void => {
    // An index expression compares with its own affinity (none is BLOB) and its index collation.
    const colAffinity: Affinity =
      term !== undefined ? (exprAffinity(term.expr!, exprScope) ?? 'BLOB') : column === -1 ? 'INTEGER' : table.columns[column]!.affinity;
    const colCollation = term !== undefined ? term.collation : column === -1 ? 'BINARY' : table.columns[column]!.collation;
    let convert: Affinity | undefined;
    // The comparison's collation starts from the operand's own (a column's; an expression's is
    // BINARY unless it carries one), whatever the index term's.
    let collation = side !== undefined ? exprCollation(side, scope) : colCollation;
    for (const other of others) {
      const oa = exprAffinity(other, scope);
      const none = oa === undefined || oa === 'BLOB';
      if (isNumericAffinity(colAffinity)) convert = 'NUMERIC';
      else if (colAffinity === 'TEXT') {
        if (!none && oa !== 'TEXT') return;
        if (none) convert = 'TEXT';
      } else if (!none) return;
      if (other.kind === 'collate') collation = other.collation;
      else if (!colIsLeft && other.kind === 'column') collation = exprCollation(other, scope);
      if (column !== -1 && collation.toUpperCase() !== colCollation.toUpperCase()) return;
    }
    const keys: TrackedExpr[] = [];
    for (const other of others) {
      const k = usableKey(other);
      if (k === undefined) return;
      keys.push(k);
    }
    out.push({ column, op, keys, collation, convert, from: current, ...(term !== undefined && { term }), ...(matchesNull && { matchesNull }) });
  };
  // Index expression terms: names resolve to the table's columns (the rowid is never in one).
  const exprScope = columnsOnlyScope(table);
  const resolveHere = (e: Expr & { kind: 'column' }): number | undefined => {
    const c = columnOf(scope, source, e);
    return c === -1 ? (table.rowidAlias >= 0 ? table.rowidAlias : undefined) : c;
  };
  const addTerms = (side: Expr, op: Op, others: readonly Expr[], colIsLeft: boolean): void => {
    if (!table.indexes.some((ix) => ix.columns.some((c) => c.column === -2))) return;
    for (const t of matchingIndexTerms(table, side, resolveHere)) add(-2, op, others, colIsLeft, t, side);
  };
  const addList = (column: number, select: SelectStatement): void => {
    // Compiled again as a private copy (it runs once per seek, not per row).
    const before = scope.subqueries.length;
    const t = scope.compile({ kind: 'exists', select });
    const run = t.subqueries[0];
    scope.subqueries.splice(before);
    if (run === undefined || run.query.columns.length !== 1) return;
    for (const l of t.levels) if (!isOuter(l)) return;
    const colAffinity: Affinity = column === -1 ? 'INTEGER' : table.columns[column]!.affinity;
    const colCollation = column === -1 ? 'BINARY' : table.columns[column]!.collation;
    const oa = run.query.columns[0]!.affinity;
    const none = oa === undefined || oa === 'BLOB';
    let convert: Affinity | undefined;
    if (isNumericAffinity(colAffinity)) convert = 'NUMERIC';
    else if (colAffinity === 'TEXT') {
      if (!none && oa !== 'TEXT') return;
      if (none) convert = 'TEXT';
    } else if (!none) return;
    out.push({ column, op: 'in', keys: [], list: run, collation: colCollation, convert, from: current });
  };
  for (const term of terms) {
    current = term;
    matchesNull = false;
    if (term.kind === 'binary' && term.op === 'IS') {
      // `x IS y` seeks as `x = y` whose NULL key finds the NULL entries (SQLite's WO_IS / WO_ISNULL).
      // A rowid is never NULL: `rowid IS NULL` is left to the scan, as SQLite leaves it.
      matchesNull = true;
      const isNull = (e: Expr): boolean => e.kind === 'literal' && e.type === 'null';
      const l = columnOf(scope, source, term.left);
      if (l !== undefined && !(l === -1 && isNull(term.right))) add(l, '=', [term.right], true);
      const r = columnOf(scope, source, term.right);
      if (r !== undefined && !(r === -1 && isNull(term.left))) add(r, '=', [term.left], false);
    } else if (term.kind === 'null-test' && !term.not) {
      matchesNull = true;
      const c = columnOf(scope, source, term.expr);
      if (c !== undefined && c !== -1) add(c, '=', [NULL_LITERAL], true);
    } else if (term.kind === 'binary' && term.op in FLIP) {
      const l = columnOf(scope, source, term.left);
      if (l !== undefined) add(l, term.op as Op, [term.right], true);
      else addTerms(term.left, term.op as Op, [term.right], true);
      const r = columnOf(scope, source, term.right);
      if (r !== undefined) add(r, FLIP[term.op]!, [term.left], false);
      else addTerms(term.right, FLIP[term.op]!, [term.left], false);
    } else if (term.kind === 'binary' && term.op === 'OR') {
      // `a = x OR a = y OR …` seeks as `a IN (x, y, …)`, as SQLite rewrites it (whereCombineDisjuncts).
      const same = sameColumnEqualities(scope, source, term);
      if (same !== undefined) add(same.column, 'in', same.others, same.colIsLeft);
    } else if (term.kind === 'between' && !term.not) {
      const c = columnOf(scope, source, term.expr);
      if (c !== undefined) {
        add(c, '>=', [term.low], true);
        add(c, '<=', [term.high], true);
      }
    } else if (term.kind === 'in' && !term.not && term.target.kind === 'list' && term.target.items.length > 0) {
      const c = columnOf(scope, source, term.expr);
      if (c !== undefined) add(c, 'in', term.target.items, true);
    } else if (term.kind === 'in' && !term.not && term.target.kind === 'select') {
      const c = columnOf(scope, source, term.expr);
      if (c !== undefined) addList(c, term.target.select);
    }
  }
  return out;
}

/**
 * The disjuncts of `term` when each is `col = x` or `x = col` on one column of `source`. Written
 * both ways round only when no `x` is a column (whose collation would then depend on the side).
 */
function sameColumnEqualities(scope: CoreScope, source: Source, term: Expr): { column: number; others: Expr[]; colIsLeft: boolean } | undefined {
  let column: number | undefined;
  const sides = new Set<boolean>();
  const others: Expr[] = [];
  for (const d of splitOn(term, 'OR')) {
    if (d.kind !== 'binary' || d.op !== '=') return undefined;
    const l = columnOf(scope, source, d.left);
    const left = l !== undefined && (column === undefined || l === column);
    const c = left ? l : columnOf(scope, source, d.right);
    if (c === undefined || (column !== undefined && c !== column)) return undefined;
    column = c;
    sides.add(left);
    others.push(left ? d.right : d.left);
  }
  if (column === undefined) return undefined;
  if (sides.size > 1 && others.some((o) => o.kind === 'column')) return undefined;
  return { column, others, colIsLeft: sides.has(true) };
}

/**
 * Whether the WHERE terms imply a partial index's condition (sqlite3ExprImpliesExpr, in its
 * plain cases), so that every row the query can return is in the index: each AND term of the
 * condition is one of the query's terms, or is `x IS NOT NULL` / `x NOTNULL` while a term
 * compares x with `=`, `<`, `<=`, `>` or `>=` (which no NULL satisfies).
 */
export function partialImplied(scope: CoreScope, source: Source, terms: readonly Expr[], partial: Expr): boolean {
  const table = source.table!;
  const resolve = (e: Expr & { kind: 'column' }): number | undefined => {
    const c = columnOf(scope, source, e);
    return c === -1 ? (table.rowidAlias >= 0 ? table.rowidAlias : undefined) : c;
  };
  const conjuncts: Expr[] = [];
  const split = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'AND') {
      split(e.left);
      split(e.right);
    } else conjuncts.push(e);
  };
  split(partial);
  const notNullOf = (e: Expr): Expr | undefined => {
    if (e.kind === 'null-test' && e.not) return e.expr;
    if (e.kind === 'binary' && e.op === 'IS NOT' && e.right.kind === 'literal' && e.right.type === 'null') return e.left;
    return undefined;
  };
  const compared = (x: Expr): boolean =>
    x.kind === 'column' &&
    terms.some(
      (t) =>
        t.kind === 'binary' &&
        (t.op === '=' || t.op === '<' || t.op === '<=' || t.op === '>' || t.op === '>=') &&
        [t.left, t.right].some((side) => side.kind === 'column' && sameExpression(side, x, resolve, table)),
    );
  return conjuncts.every((c) => {
    if (terms.some((t) => sameExpression(t, c, resolve, table))) return true;
    const x = notNullOf(c);
    return x !== undefined && compared(x);
  });
}
