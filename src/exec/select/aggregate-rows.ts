/**
 * GROUP BY and aggregate functions: the joined rows grouped by their key (GROUP BY's
 * collations), each aggregate stepped with the rows its FILTER lets through, the groups output
 * in key order. Bare columns show the group's first row — or, with a lone min()/max(), the
 * row it chose (as SQLite's aggregate loop does).
 */
import type { Value } from '../value.js';
import type { GroupTerm, Produced } from './core-plan.js';
import { compareForSort, isTrue } from './expr-api.js';
import { groupKey } from './group-key.js';
import type { Joined } from './join-loop.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';
import { compareKeys } from './sort-rows.js';

/** Groups the joined rows and hands each group's row (aggregates filled in) to `emit`. */
export async function aggregateRows(
  scope: CoreScope,
  groupBy: readonly GroupTerm[],
  joinedRows: Joined,
  rt: RunContext,
  outer: readonly Value[] | undefined,
  emit: (row: Value[], groupKeyValues?: readonly Value[]) => Produced | undefined | Promise<Produced | undefined>,
  sink: (r: Produced) => boolean,
): Promise<void> {
  const groups = new Map<string, { row: Value[]; aggs: ReturnType<(typeof scope.aggregates)[number]['make']>[]; key: Value[]; best: Value }>();
  const bareFrom = scope.aggregates.length === 1 && scope.aggregates[0]!.minMax !== undefined ? scope.aggregates[0] : undefined;
  const groupColl = groupBy.map((g) => g.collation);
  const value = (t: TrackedExpr, row: Value[]): Value | Promise<Value> => (t.subqueries.length === 0 ? t.fn(row, rt.eval) : evaluate(t, row, rt));
  for (;;) {
    const ok = joinedRows.step();
    if (!(typeof ok === 'function' ? await ok() : ok)) break;
    const row = joinedRows.row;
    const keyVals: Value[] = [];
    for (const g of groupBy) {
      const v = value(g.tracked, row);
      keyVals.push(v instanceof Promise ? await v : v);
    }
    const key = groupKey(keyVals, groupColl);
    let g = groups.get(key);
    if (g === undefined) {
      g = { row: row.slice(), aggs: scope.aggregates.map((a) => a.make()), key: keyVals, best: null };
      groups.set(key, g);
    }
    // Bare columns otherwise show the group's first row (as SQLite's aggregate loop does).
    for (let k = 0; k < scope.aggregates.length; k++) {
      const a = scope.aggregates[k]!;
      if (a.filter !== undefined) {
        const f = value(a.filter, row);
        if (!isTrue(f instanceof Promise ? await f : f)) continue;
      }
      const args: Value[] = [];
      for (const t of a.args) {
        const v = value(t, row);
        args.push(v instanceof Promise ? await v : v);
      }
      g.aggs[k]!.step(args);
      if (a === bareFrom) {
        // The lone min()/max(): bare columns come from the row it chose (the first such row).
        const v = args[0] ?? null;
        if (v !== null) {
          const c = g.best === null ? 1 : compareForSort(v, g.best, a.minMax!.collation) * (a.minMax!.max ? 1 : -1);
          if (c > 0) {
            g.best = v;
            for (let i = 0; i < row.length; i++) g.row[i] = row[i]!;
          }
        }
      }
    }
  }
  if (groups.size === 0 && groupBy.length === 0) {
    const row = new Array<Value>(scope.width).fill(null);
    if (outer !== undefined) for (let i = 0; i < scope.base; i++) row[i] = outer[i] ?? null;
    groups.set('', { row, aggs: scope.aggregates.map((a) => a.make()), key: [], best: null });
  }
  const list = [...groups.values()];
  if (groupBy.length > 0) {
    const keys = groupBy.map((g) => ({ desc: false, nulls: undefined, collation: g.collation }));
    list.sort((a, b) => compareKeys(keys, a.key, b.key));
  }
  for (const g of list) {
    scope.aggregates.forEach((a, k) => (g.row[a.slot] = g.aggs[k]!.final()));
    // With a lone min()/max(), even the GROUP BY columns show the row it chose.
    const r = await emit(g.row, bareFrom === undefined ? g.key : undefined);
    if (r !== undefined && !sink(r)) return;
  }
}
