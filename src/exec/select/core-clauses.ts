/**
 * The clauses of a SELECT core that read its rows: WHERE (with the inner joins' ON terms),
 * the LEFT JOIN ON terms, GROUP BY, HAVING and ORDER BY. Result aliases may be used in them
 * where no FROM column has that name (SQLite substitutes the aliased expression); GROUP BY and
 * ORDER BY terms may also name a result column by number.
 */
import { SqliteError } from '../../errors.js';
import type { Expr, OrderingTerm, SelectStatement } from '../../sql/ast.js';
import { columnNumber, splitAnd } from './ast-terms.js';
import type { GroupTerm, OrderEntry, ResultEntry } from './core-plan.js';
import { exprCollation } from './expr-api.js';
import type { JoinTerms } from './from-clause.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';
import { err, ordinal } from './select-errors.js';

export interface CoreClauses {
  /** The inner joins' ON/USING terms, then the WHERE terms. */
  readonly whereTerms: readonly TrackedExpr[];
  /** How many of `whereTerms` come from inner joins' ON/USING. */
  readonly innerCount: number;
  readonly leftOn: readonly (readonly TrackedExpr[])[];
  readonly groupBy: readonly GroupTerm[];
  readonly having: TrackedExpr | undefined;
  readonly order: readonly OrderEntry[];
}

/** Compiles the clauses, in SQLite's order (WHERE, ON, GROUP BY, HAVING, ORDER BY): the slot order matters. */
export function compileClauses(
  scope: CoreScope,
  where: Expr | undefined,
  groupByTerms: readonly Expr[] | undefined,
  havingTerm: Expr | undefined,
  stmt: SelectStatement | undefined,
  results: readonly ResultEntry[],
  join: JoinTerms,
): CoreClauses {
  const { onTerms, innerTerms } = join;
  const columns = results.map((r) => r.info);
  const aliases = new Map<string, Expr>();
  for (const r of results) if (r.alias !== undefined && !aliases.has(r.alias.toLowerCase())) aliases.set(r.alias.toLowerCase(), r.expr);
  const withAliases = (e: Expr): Expr => substituteAliases(e, aliases, scope);
  const whereTerms = [...innerTerms, ...splitAnd(where).map(withAliases)].map((e) => scope.compile(e));
  const leftOn = onTerms.map((ts) => ts.map((e) => scope.compile(e)));
  const resolveResultRef = (e: Expr, clause: string, i: number, n: number): number | undefined => {
    const inner = e.kind === 'collate' ? e.expr : e;
    const k = columnNumber(inner);
    if (k !== undefined) {
      if (k < 1 || k > n) throw err(`${ordinal(i + 1)} ${clause} term out of range - should be between 1 and ${n}`);
      return k - 1;
    }
    // ORDER BY prefers an alias to a column of that name; GROUP BY the column.
    if (inner.kind === 'column' && inner.table === undefined && (clause === 'ORDER BY' || !namesLocalColumn(scope, inner.column))) {
      const k = results.findIndex((r) => r.alias !== undefined && r.alias.toLowerCase() === inner.column.toLowerCase());
      if (k >= 0) return k;
    }
    return undefined;
  };
  const groupBy: GroupTerm[] = (groupByTerms ?? []).map((e, i) => {
    const k = resolveResultRef(e, 'GROUP BY', i, results.length);
    const expr = k === undefined ? withAliases(e) : e.kind === 'collate' ? { ...e, expr: results[k]!.expr } : results[k]!.expr;
    try {
      return { tracked: scope.compile(expr, false), collation: exprCollation(expr, scope) };
    } catch (e2) {
      if (e2 instanceof SqliteError && e2.message.startsWith('misuse of aggregate')) {
        throw err('aggregate functions are not allowed in the GROUP BY clause');
      }
      throw e2;
    }
  });
  const having = havingTerm === undefined ? undefined : scope.compile(withAliases(havingTerm), true);

  // ORDER BY (a lone core owns the statement's ORDER BY); it may hold window functions.
  scope.windowsAllowed = true;
  const order: OrderEntry[] = (stmt?.orderBy ?? []).map((t: OrderingTerm, i) => {
    const k = resolveResultRef(t.expr, 'ORDER BY', i, results.length);
    const explicit = t.expr.kind === 'collate' ? t.expr.collation : undefined;
    if (k !== undefined) {
      return { result: k, tracked: undefined, key: { desc: t.desc, nulls: t.nulls, collation: explicit ?? columns[k]!.collation }, expr: results[k]!.expr };
    }
    const e = withAliases(t.expr);
    const tracked = scope.compile(e, true);
    return { result: undefined, tracked, key: { desc: t.desc, nulls: t.nulls, collation: exprCollation(e, scope) }, expr: e };
  });
  return { whereTerms, innerCount: innerTerms.length, leftOn, groupBy, having, order };
}

/** True when `name` is a column (or the rowid) of one of the core's own FROM items. */
function namesLocalColumn(scope: CoreScope, name: string): boolean {
  const n = name.toLowerCase();
  if (n === 'rowid' || n === 'oid' || n === '_rowid_') return scope.sources.some((s) => s.rowidSlot !== undefined);
  return scope.sources.some((s) => s.columns.some((c) => c.name.toLowerCase() === n));
}

/** Replaces bare names that are result aliases (and not FROM columns) by the aliased expression. */
function substituteAliases(e: Expr, aliases: ReadonlyMap<string, Expr>, scope: CoreScope): Expr {
  if (aliases.size === 0) return e;
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object' || n instanceof Uint8Array) return n;
    const o = n as Record<string, unknown>;
    if (o.kind === 'select') return n;
    if (o.kind === 'column' && o.table === undefined) {
      const column = o.column as string;
      const a = aliases.get(column.toLowerCase());
      return a !== undefined && !namesLocalColumn(scope, column) ? a : n;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = walk(v);
    return out;
  };
  return walk(e) as Expr;
}
