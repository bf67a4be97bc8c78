/** Compound SELECTs (https://www.sqlite.org/lang_select.html#compound): UNION [ALL], INTERSECT, EXCEPT. */
import type { CompoundOp, SelectStatement } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { flattenBatches, limitBatches } from './batch-stream.js';
import { groupKey } from './group-key.js';
import { orderAndLimit } from './order-limit.js';
import type { CompileQuery, CoreScope } from './query-scope.js';
import type { CompileEnv, CompiledQuery, PlanLine, RunContext } from './query-types.js';
import { err } from './select-errors.js';
import { compareKeys, type SortKey } from './sort-rows.js';

/**
 * A compound SELECT of compiled parts: `first`, then each part combined with its operator.
 * UNION ALL streams; UNION, INTERSECT and EXCEPT keep the distinct rows so far (as SQLite's
 * temporary index does) and output them in key order.
 */
export function compoundQuery(
  select: SelectStatement,
  first: CompiledQuery,
  parts: readonly { readonly op: CompoundOp; readonly q: CompiledQuery }[],
  env: CompileEnv,
  parent: CoreScope | undefined,
  compile: CompileQuery,
): CompiledQuery {
  for (const p of parts) {
    if (p.q.columns.length !== first.columns.length) {
      throw err(`SELECTs to the left and right of ${p.op} do not have the same number of result columns`);
    }
  }
  // Each column's collation is that of the left-most SELECT whose column has one
  // (multiSelectCollSeq): `SELECT ipk … UNION SELECT nocase_col …` compares with NOCASE.
  const collations = first.columns.map((c, i) => {
    for (const q of [first, ...parts.map((p) => p.q)]) {
      const col = q.columns[i];
      if (col !== undefined && col.collated !== false) return col.collation;
    }
    return c.collation;
  });
  const allKeys: SortKey[] = collations.map((collation) => ({ desc: false, nulls: undefined, collation }));
  const plan: PlanLine[] = [{ depth: 0, text: 'COMPOUND QUERY' }, { depth: 1, text: 'LEFT-MOST SUBQUERY' }];
  for (const l of first.plan) plan.push({ depth: l.depth + 2, text: l.text });
  for (const p of parts) {
    plan.push({ depth: 1, text: p.op === 'UNION ALL' ? 'UNION ALL' : `${p.op} USING TEMP B-TREE` });
    for (const l of p.q.plan) plan.push({ depth: l.depth + 2, text: l.text });
  }
  const streaming = parts.every((p) => p.op === 'UNION ALL');
  const compound: CompiledQuery = {
    // The compound's columns compare (ORDER BY, an enclosing query) with those collations too.
    columns: first.columns.map((c, i) => ({
      ...c,
      collation: collations[i] ?? c.collation,
      collated: [first, ...parts.map((p) => p.q)].some((q) => q.columns[i]?.collated !== false),
    })),
    get correlated() {
      return first.correlated || parts.some((p) => p.q.correlated);
    },
    plan,
    batches: (rt, outer, want) => limitBatches(rt, outer, undefined, undefined, want, () => compoundBatches(rt, outer)),
    run: (rt, outer) => flattenBatches(compoundBatches(rt, outer)),
  };
  async function* compoundBatches(rt: RunContext, outer: readonly Value[] | undefined): AsyncGenerator<Value[][]> {
    if (streaming) {
      yield* first.batches(rt, outer);
      for (const p of parts) yield* p.q.batches(rt, outer);
      return;
    }
    let acc = new Map<string, Value[]>();
    let all: Value[][] | undefined = [];
    for await (const b of first.batches(rt, outer)) for (const r of b) all.push(r);
    for (const p of parts) {
      if (p.op === 'UNION ALL') {
        if (all === undefined) all = [...acc.values()];
        for await (const b of p.q.batches(rt, outer)) for (const r of b) all.push(r);
        continue;
      }
      if (all !== undefined) {
        acc = new Map();
        // Equal rows replace each other in SQLite's temporary index: the last one stays.
        for (const r of all) acc.set(groupKey(r, collations), r);
        all = undefined;
      }
      if (p.op === 'UNION') {
        for await (const b of p.q.batches(rt, outer)) for (const r of b) acc.set(groupKey(r, collations), r);
      } else {
        const right = new Set<string>();
        for await (const b of p.q.batches(rt, outer)) for (const r of b) right.add(groupKey(r, collations));
        for (const k of [...acc.keys()]) if (right.has(k) === (p.op === 'EXCEPT')) acc.delete(k);
      }
    }
    if (all !== undefined) {
      if (all.length > 0) yield all;
      return;
    }
    const out = [...acc.values()];
    out.sort((a, b) => compareKeys(allKeys, a, b));
    if (out.length > 0) yield out;
  }
  if (select.orderBy === undefined && select.limit === undefined) return compound;
  return orderAndLimit(compound, select, env, parent, compile);
}
