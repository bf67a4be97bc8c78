/**
 * Running compiled expressions: the subqueries a term reads run first (scalar, EXISTS, IN
 * lists; an uncorrelated one once per execution), and a Promise is made only when a term has
 * a subquery to run.
 */
import type { Value } from '../value.js';
import type { Step } from './access-path.js';
import { RowSet, RowValue } from '../expr/row-set.js';
import { isTrue, ValueSet } from './expr-api.js';
import type { SubqueryRun, TrackedExpr } from './query-scope.js';
import type { CompiledQuery, RunContext } from './query-types.js';

/** A subquery's first row: CompiledQuery.first where the query has it (no generator per run), else its first batch's. */
async function firstRow(q: CompiledQuery, rt: RunContext, row: readonly Value[]): Promise<Value[] | undefined> {
  if (q.first !== undefined) return q.first(rt, row);
  for await (const b of q.batches(rt, row, 1)) if (b.length > 0) return b[0];
  return undefined;
}

async function subqueryValue(s: SubqueryRun, row: readonly Value[], rt: RunContext): Promise<Value> {
  if (!s.query.correlated && rt.cache.has(s)) return rt.cache.get(s) as Value;
  let v: unknown;
  if (s.mode === 'scalar') {
    v = (await firstRow(s.query, rt, row))?.[0] ?? null;
  } else if (s.mode === 'exists') {
    v = (await firstRow(s.query, rt, row)) === undefined ? 0n : 1n;
  } else if (s.mode === 'row') {
    v = new RowValue((await firstRow(s.query, rt, row)) ?? s.query.columns.map(() => null));
  } else if (s.rowIn !== undefined) {
    const set = new RowSet(s.rowIn.affinities, s.rowIn.collations);
    for await (const b of s.query.batches(rt, row)) for (const r of b) set.add(r);
    v = set;
  } else {
    const set = new ValueSet([], s.inAffinity, s.inCollation);
    for await (const b of s.query.batches(rt, row)) for (const r of b) set.add(r[0] ?? null);
    v = set;
  }
  if (!s.query.correlated) rt.cache.set(s, v);
  return v as Value;
}

async function fillSubqueries(subs: readonly SubqueryRun[], row: Value[], rt: RunContext): Promise<void> {
  for (const s of subs) row[s.slot] = await subqueryValue(s, row, rt);
}

/** Evaluates `t`, running its subqueries first (a Promise only when it has any). */
export function evaluate(t: TrackedExpr, row: Value[], rt: RunContext): Value | Promise<Value> {
  if (t.subqueries.length === 0) return t.fn(row, rt.eval);
  return fillSubqueries(t.subqueries, row, rt).then(() => t.fn(row, rt.eval));
}

/** Whether every term is true of `row`: answered at once unless a term runs a subquery (then `Later`). */
export function passesNow(terms: readonly TrackedExpr[], row: Value[], rt: RunContext): Step {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.subqueries.length > 0) return () => passesFrom(terms, i, row, rt);
    if (!isTrue(t.fn(row, rt.eval))) return false;
  }
  return true;
}

async function passesFrom(terms: readonly TrackedExpr[], from: number, row: Value[], rt: RunContext): Promise<boolean> {
  for (let i = from; i < terms.length; i++) {
    if (!isTrue(await evaluate(terms[i]!, row, rt))) return false;
  }
  return true;
}
