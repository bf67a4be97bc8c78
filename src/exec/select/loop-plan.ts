/**
 * The nested loops of a SELECT core: their order (loop-order.ts chooses it by cost), where each
 * WHERE term is tested (the innermost loop it reads, as early as its columns are known, but not
 * before a RIGHT/FULL JOIN), the access path of each loop (access-path.ts
 * chooses seeks and index scans; an ORDER BY on the first table's columns may come from its
 * scan order), the count(*) shortcut, and the EXPLAIN QUERY PLAN lines.
 */
import type { SelectCore } from '../../sql/ast.js';
import { planTableAccess, type AccessPath, type OrderTerm } from './access-path.js';
import type { CoreClauses } from './core-clauses.js';
import type { JoinTerms } from './from-clause.js';
import type { JoinLoops, ResultEntry } from './core-plan.js';
import { subqueryPath } from './from-clause.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';
import type { PlanLine } from './query-types.js';
import { tableFunctionPath } from './table-function-path.js';
import { chosenPath, orderLoops } from './loop-order.js';
import { transitiveTerms } from './transitive-terms.js';
import { minMaxPath } from './min-max-path.js';
import { statsOf } from '../../schema/stat1.js';

export interface PlannedLoops {
  readonly loops: JoinLoops;
  /** ORDER BY needs a sort (the scan does not yield that order). */
  readonly sorted: boolean;
  /** `SELECT count(*) FROM t`: the root page of the b-tree whose cells are counted. */
  readonly countRoot: number | undefined;
  readonly plan: PlanLine[];
}

export function planLoops(
  scope: CoreScope,
  core: SelectCore,
  clauses: CoreClauses,
  join: JoinTerms,
  results: readonly ResultEntry[],
  aggregate: boolean,
): PlannedLoops {
  const { innerCount, leftOn, groupBy, having, order } = clauses;
  // `a = b AND b = c` also gives `a = c` to seek on (transitive-terms.ts); not with a RIGHT/FULL
  // JOIN, whose WHERE terms must wait for its no-match pass.
  const derived = join.rightJoins.length === 0 ? transitiveTerms(scope, clauses.whereTerms) : [];
  const whereTerms = derived.length === 0 ? clauses.whereTerms : [...clauses.whereTerms, ...derived];
  // A WHERE term is tested after the last RIGHT/FULL JOIN (it filters the joined rows, and
  // the rows that join added have their left side NULL); inner joins' ON terms stay early.
  const lastRight = join.rightJoins[join.rightJoins.length - 1] ?? -1;
  const planLines: PlanLine[] = [];
  const n = scope.sources.length;
  // The order of the loops: loop p reads FROM item loopOrder.order[p] (its level).
  const stats = statsOf(scope.env.schema);
  const loopOrder = orderLoops(scope, join, whereTerms, leftOn, new Set(derived), stats);
  const levels = loopOrder.order;
  const loopOf: number[] = [];
  levels.forEach((level, p) => (loopOf[level] = p));
  // Where each WHERE term is tested: the innermost loop it reads (-1: before any loop).
  const whereAt: TrackedExpr[][] = scope.sources.map(() => []);
  const constant: TrackedExpr[] = [];
  whereTerms.forEach((t, k) => {
    let max = -1;
    for (const l of t.levels) max = Math.max(max, loopOf[l] ?? l);
    if (k >= innerCount && lastRight >= 0) max = Math.max(max, loopOf[lastRight] ?? lastRight);
    if (max < 0 && t.subqueries.length === 0) constant.push(t);
    else whereAt[Math.max(max, 0)]?.push(t) ?? constant.push(t);
  });
  if (n === 0) for (const ts of whereAt) constant.push(...ts);

  // ORDER BY on columns of the outermost table may come for free from its scan order.
  let orderHint: OrderTerm[] | undefined;
  if (!aggregate && !core.distinct && order.length > 0 && n > 0 && scope.sources[levels[0]!]!.table !== undefined && lastRight < 0) {
    const s0 = scope.sources[levels[0]!]!;
    const hint: OrderTerm[] = [];
    for (const o of order) {
      const e = o.expr.kind === 'collate' ? o.expr.expr : o.expr;
      if (e.kind !== 'column') break;
      const r = scope.resolveColumn(e.table, e.column);
      if (r === undefined) break;
      let column: number;
      if (r.slot === s0.rowidSlot) column = -1;
      else if (r.slot >= s0.offset && r.slot < s0.offset + s0.columns.length) column = r.slot - s0.offset;
      else break;
      if (column === s0.table!.rowidAlias) column = -1;
      hint.push({ column, desc: o.key.desc, nulls: o.key.nulls, collation: o.key.collation });
    }
    if (hint.length === order.length) orderHint = hint;
  }

  // Access paths, loop by loop.
  const reordered = levels.some((l, p) => l !== p);
  const paths: AccessPath[] = levels.map((i, p) => {
    const s = scope.sources[i]!;
    if (s.table !== undefined) {
      const usable = (s.leftJoin || join.rightJoins.includes(i) ? leftOn[i]! : whereAt[p]!).map((t) => t.expr);
      const outer = reordered || loopOrder.autoIndex[p] === true ? { outer: new Set(levels.slice(0, p)) } : {};
      const path = planTableAccess(scope, s, usable, p === 0 ? orderHint : undefined, {
        ...outer,
        autoIndex: loopOrder.autoIndex[p] === true,
        ...(stats !== undefined && { stats }),
      });
      return chosenPath(path, loopOrder.autoIndex[p] === true);
    }
    const planner = s.tableFunction?.fn.plan;
    if (planner !== undefined) {
      // A virtual table (rtree) decides the WHERE terms it uses; they leave the executor's tests.
      const usable = s.leftJoin || join.rightJoins.length > 0 ? [] : whereAt[p]!;
      const { path, consumed } = planner(scope, s, usable);
      if (consumed.size > 0) whereAt[p] = whereAt[p]!.filter((t) => !consumed.has(t));
      return path;
    }
    if (s.tableFunction !== undefined) return tableFunctionPath(s, scope.env.schema, scope.env.file);
    return subqueryPath(s, p === 0);
  });
  // min(col) / max(col) alone: one row from an end of an index (min-max-path.ts).
  if (n === 1 && core.where === undefined && groupBy.length === 0 && !core.distinct) {
    const mm = minMaxPath(scope, scope.sources[0]!);
    if (mm !== undefined) paths[0] = mm;
  }
  const sorted = order.length > 0 && !(orderHint !== undefined && paths[0]?.providesOrder === true);

  // count(*) of a whole table: count the b-tree's cells, decode nothing.
  const countOnly =
    n === 1 &&
    scope.sources[0]!.table !== undefined &&
    core.where === undefined &&
    groupBy.length === 0 &&
    having === undefined &&
    !core.distinct &&
    results.length === 1 &&
    scope.aggregates.length === 1 &&
    (() => {
      const e = results[0]!.expr;
      return e.kind === 'function' && e.star && e.name.toLowerCase() === 'count' && e.filter === undefined;
    })();

  // count(*) walks the smallest b-tree holding one entry per row: a full (not partial) index
  // with narrower entries than the table's rows, as SQLite's covering-index count does.
  let countRoot = 0;
  if (countOnly) {
    const t = scope.sources[0]!.table!;
    countRoot = t.rootPage;
    let narrowest: { rootPage: number; name: string; width: number } | undefined;
    for (const ix of t.indexes) {
      if (ix.partial !== undefined || ix.rootPage <= 0 || ix === t.primaryKeyIndex) continue;
      if (narrowest === undefined || ix.recordColumns.length < narrowest.width) {
        narrowest = { rootPage: ix.rootPage, name: ix.name, width: ix.recordColumns.length };
      }
    }
    if (narrowest !== undefined && narrowest.width < t.columns.length + (t.withoutRowid ? 0 : 1)) {
      countRoot = narrowest.rootPage;
      const label = scope.sources[0]!.name.toLowerCase() === t.name.toLowerCase() ? t.name : `${t.name} AS ${scope.sources[0]!.name}`;
      paths[0] = { ...paths[0]!, description: `SCAN ${label} USING COVERING INDEX ${narrowest.name}` };
    }
  }

  for (const [p, path] of paths.entries()) {
    planLines.push({ depth: 0, text: path.description });
    for (const l of path.subPlan ?? []) planLines.push({ depth: l.depth + 1, text: l.text });
    const q = scope.sources[levels[p]!]!.query;
    if (q !== undefined) for (const l of q.plan) planLines.push({ depth: l.depth + 1, text: l.text });
  }
  // The second pass of a RIGHT/FULL JOIN reads its item whole.
  const rightJoins = join.rightJoins.map((level) => {
    const s = scope.sources[level]!;
    const planner = s.tableFunction?.fn.plan;
    const scan =
      s.table !== undefined
        ? planTableAccess(scope, s, [], undefined)
        : planner !== undefined
          ? planner(scope, s, []).path
          : s.tableFunction !== undefined
            ? tableFunctionPath(s, scope.env.schema)
            : subqueryPath(s, false);
    planLines.push({ depth: 0, text: `RIGHT-JOIN ${s.name}` });
    planLines.push({ depth: 1, text: scan.description });
    return { level, scan };
  });

  for (const s of scope.subqueries) {
    const kind = s.mode === 'in' ? 'LIST SUBQUERY' : s.mode === 'exists' ? 'EXISTS SUBQUERY' : 'SCALAR SUBQUERY';
    planLines.push({ depth: 0, text: `${s.query.correlated ? 'CORRELATED ' : ''}${kind}` });
    for (const l of s.query.plan) planLines.push({ depth: l.depth + 1, text: l.text });
  }
  if (groupBy.length > 0) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR GROUP BY' });
  if (core.distinct) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR DISTINCT' });
  if (sorted) planLines.push({ depth: 0, text: 'USE TEMP B-TREE FOR ORDER BY' });

  return {
    loops: { order: levels, paths, leftOn: levels.map((i) => leftOn[i]!), whereAt, constant, rightJoins, merges: join.merges },
    sorted, countRoot: countOnly ? countRoot : undefined, plan: planLines };
}
