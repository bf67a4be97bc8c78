/**
 * SQLite's "MULTI-INDEX OR" (where.c, whereLoopAddOr): a WHERE term `A OR B OR …` whose every
 * disjunct can seek on an index (or on the rowid) reads the table as the union of those seeks,
 * one after the other, each row once — a row found by an earlier seek is skipped by its rowid
 * (SQLite's RowSet). As every access path, it only narrows what is read: the executor still
 * tests the whole WHERE clause on each row, and no matching row can be missed because a row
 * that satisfies the OR satisfies one of its disjuncts, whose seek finds it.
 *
 *   MULTI-INDEX OR
 *     INDEX 1
 *       SEARCH t USING INDEX ta (a=?)
 *     INDEX 2
 *       SEARCH t USING INDEX tc (c=?)
 */
import type { Expr } from '../../sql/ast.js';
import type { Value } from '../value.js';
import type { AccessPath } from './access-path.js';
import type { Estimate } from './cost-model.js';
import type { Source } from './query-scope.js';
import type { PlanLine } from './query-types.js';
import { stepperSource, type Stepper } from './stepper-source.js';

/** Plans one disjunct's AND terms as a single access path of the table. */
export type PlanDisjunct = (terms: readonly Expr[]) => AccessPath;

/** `e` split at its top-level `op` (AND or OR) operators. */
export function splitOn(e: Expr, op: 'AND' | 'OR'): Expr[] {
  if (e.kind === 'binary' && e.op === op) return [...splitOn(e.left, op), ...splitOn(e.right, op)];
  return [e];
}

/**
 * The cheapest union-of-seeks path over the OR terms of `terms`, or undefined when no OR term has
 * a seek for each of its disjuncts (the table must have rowids, which de-duplicate the rows).
 */
export function multiIndexOrPath(source: Source, terms: readonly Expr[], planDisjunct: PlanDisjunct): AccessPath | undefined {
  const rowidSlot = source.rowidSlot;
  if (rowidSlot === undefined || source.table === undefined || source.table.withoutRowid) return undefined;
  let best: AccessPath | undefined;
  for (const term of terms) {
    if (term.kind !== 'binary' || term.op !== 'OR') continue;
    const subs: AccessPath[] = [];
    for (const d of splitOn(term, 'OR')) {
      const p = planDisjunct(splitOn(d, 'AND'));
      // Every disjunct must narrow the read; one full scan makes the union pointless.
      if (!p.description.startsWith('SEARCH ') || p.estimate === undefined) break;
      subs.push(p);
    }
    if (subs.length < 2 || subs.length !== splitOn(term, 'OR').length) continue;
    const path = unionPath(subs, term, rowidSlot);
    if (best === undefined || path.estimate!.cost < best.estimate!.cost) best = path;
  }
  return best;
}

function unionPath(subs: readonly AccessPath[], term: Expr, rowidSlot: number): AccessPath {
  let cost = 0;
  let rows = 0;
  for (const s of subs) {
    cost += s.estimate!.cost;
    rows += s.estimate!.rows;
  }
  // Remembering and testing each rowid costs a little per row (SQLite's RowSet).
  const estimate: Estimate = { cost: cost + rows, rows, setup: 0, consumed: new Set([term]) };
  const subPlan: PlanLine[] = [];
  subs.forEach((s, i) => {
    subPlan.push({ depth: 0, text: `INDEX ${i + 1}` });
    subPlan.push({ depth: 1, text: s.description });
  });
  return {
    description: 'MULTI-INDEX OR',
    subPlan,
    estimate,
    providesOrder: false,
    open: (row, rt) => stepperSource(union(row, rt)),
  };

  function* union(row: Value[], rt: Parameters<AccessPath['open']>[1]): Stepper {
    const seen = new Set<unknown>();
    for (const sub of subs) {
      const source = sub.open(row, rt);
      try {
        for (;;) {
          const step = source.next();
          const ok = typeof step === 'function' ? ((yield step) as boolean) : step;
          if (!ok) break;
          const r = row[rowidSlot];
          const key = typeof r === 'number' && Number.isInteger(r) ? BigInt(r) : r;
          if (seen.has(key)) continue;
          seen.add(key);
          yield;
        }
      } finally {
        source.close();
      }
    }
  }
}
