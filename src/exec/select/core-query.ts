/**
 * Running a compiled SELECT core. Rows go through, in SQLite's order:
 *
 *   aggregate (GROUP BY groups, or one group)  →  HAVING  →  window functions (every row
 *   buffered; window-rows.ts)  →  result columns  →  DISTINCT  →  ORDER BY (a sort, unless the
 *   scan already yields that order)  →  OFFSET / LIMIT
 *
 * Rows stream: nothing is buffered unless a step needs the whole input (a sort, grouping,
 * DISTINCT keeps only its keys), and LIMIT stops the scan. The common shape — no sort, no
 * grouping — goes out in batches: every row computed without waiting joins the batch, which
 * goes out before the scan waits for a page.
 */
import { countEntries } from '../../btree/count-entries.js';
import type { Value } from '../value.js';
import { aggregateRows } from './aggregate-rows.js';
import { flattenBatches, limits, MAX_BATCH, wantOnly } from './batch-stream.js';
import type { CorePlan, Produced } from './core-plan.js';
import { isTrue } from './expr-api.js';
import { groupKey } from './group-key.js';
import { joinRows } from './join-loop.js';
import type { CompiledQuery, RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';
import { compareKeys, TopRows } from './sort-rows.js';
import { computeWindows } from './window-rows.js';
import { pagerOf } from '../../schema/connection-schema.js';

/** The CompiledQuery of a planned SELECT core. */
export function coreQuery(plan: CorePlan): CompiledQuery {
  const { scope, limitScope, distinct, results, columns, groupBy, having, order, aggregate, sorted, limit, offset, loops, countRoot, fromQueries } = plan;
  const countOnly = countRoot !== undefined;
  const windows = scope.windows;

  // A result column that is a GROUP BY term shows the group's key as SQLite stores it: the
  // value from the group's first row.
  const groupTexts = groupBy.map((g) => JSON.stringify(g.tracked.expr));
  const fromGroup = results.map((r) => (groupBy.length === 0 ? -1 : groupTexts.indexOf(JSON.stringify(r.expr))));

  /** The result columns of `row`: without a Promise unless a column runs a subquery. */
  function project(row: Value[], rt: RunContext, groupKeyValues?: readonly Value[]): Value[] | Promise<Value[]> {
    const out = new Array<Value>(results.length);
    for (let i = 0; i < results.length; i++) {
      const j = fromGroup[i]!;
      if (j >= 0 && groupKeyValues !== undefined) {
        out[i] = groupKeyValues[j] ?? null;
        continue;
      }
      const t = results[i]!.tracked;
      if (t.subqueries.length > 0) return projectFrom(i, out, row, rt, groupKeyValues);
      out[i] = t.fn(row, rt.eval);
    }
    return out;
  }

  async function projectFrom(from: number, out: Value[], row: Value[], rt: RunContext, groupKeyValues?: readonly Value[]): Promise<Value[]> {
    for (let i = from; i < results.length; i++) {
      const j = fromGroup[i]!;
      if (j >= 0 && groupKeyValues !== undefined) {
        out[i] = groupKeyValues[j] ?? null;
        continue;
      }
      out[i] = await evaluate(results[i]!.tracked, row, rt);
    }
    return out;
  }

  /** True when no ORDER BY term runs a subquery: sort keys are computed without a Promise. */
  const plainSortKeys = order.every((o) => o.result !== undefined || o.tracked!.subqueries.length === 0);

  function sortKeys(row: Value[], out: readonly Value[], rt: RunContext): Value[] | Promise<Value[]> {
    if (!plainSortKeys) return Promise.all(order.map((o) => (o.result !== undefined ? out[o.result]! : evaluate(o.tracked!, row, rt))));
    const keys = new Array<Value>(order.length);
    for (let k = 0; k < order.length; k++) {
      const o = order[k]!;
      keys[k] = o.result !== undefined ? out[o.result]! : o.tracked!.fn(row, rt.eval);
    }
    return keys;
  }

  /**
   * Output rows (with their sort keys when sorting), before ORDER BY / LIMIT, handed to `sink`
   * (which answers false to stop).
   */
  async function produce(rt: RunContext, outer: readonly Value[] | undefined, sink: (r: Produced) => boolean): Promise<void> {
    const seen = distinct ? new Set<string>() : undefined;
    const distinctColl = columns.map((c) => c.collation);
    // HAVING → result columns → DISTINCT → sort keys; a Promise only when a subquery runs.
    const finish = (row: Value[], out: Value[]): Produced | undefined | Promise<Produced> => {
      if (seen !== undefined) {
        const k = groupKey(out, distinctColl);
        if (seen.has(k)) return undefined;
        seen.add(k);
      }
      if (!sorted) return { out, keys: undefined };
      const keys = sortKeys(row, out, rt);
      return keys instanceof Promise ? keys.then((k) => ({ out, keys: k })) : { out, keys };
    };
    // Window functions need every row first: the rows past HAVING wait here (window-rows.ts).
    const windowed: { row: Value[]; groupKeyValues: readonly Value[] | undefined }[] | undefined = windows.length > 0 ? [] : undefined;
    const pass = (row: Value[], groupKeyValues?: readonly Value[]): Produced | undefined | Promise<Produced | undefined> => {
      if (windowed !== undefined) {
        windowed.push({ row: row.slice(), groupKeyValues });
        return undefined;
      }
      const out = project(row, rt, groupKeyValues);
      return out instanceof Promise ? out.then((o) => finish(row, o)) : finish(row, out);
    };
    const emitHaving = async (row: Value[], groupKeyValues?: readonly Value[]): Promise<Produced | undefined> => {
      if (!isTrue(await evaluate(having!, row, rt))) return undefined;
      return pass(row, groupKeyValues);
    };
    const emit = (row: Value[], groupKeyValues?: readonly Value[]): Produced | undefined | Promise<Produced | undefined> => {
      if (having !== undefined) return emitHaving(row, groupKeyValues);
      return pass(row, groupKeyValues);
    };
    if (countOnly) {
      const row = new Array<Value>(scope.width).fill(null);
      row[scope.aggregates[0]!.slot] = BigInt(await countEntries(pagerOf(scope.sources[0]!.table!, rt.pager), countRoot!));
      const r = await emit(row);
      if (r !== undefined) sink(r);
      return;
    }
    const joinedRows = joinRows(scope, loops, rt, outer);
    try {
      if (!aggregate) {
        for (;;) {
          const ok = joinedRows.step();
          if (!(typeof ok === 'function' ? await ok() : ok)) break;
          let r = emit(joinedRows.row);
          if (r instanceof Promise) r = await r;
          if (r !== undefined && !sink(r)) return;
        }
      } else await aggregateRows(scope, groupBy, joinedRows, rt, outer, emit, sink);
    } finally {
      joinedRows.close();
    }
    if (windowed === undefined) return;
    const order = await computeWindows(windows, windowed.map((w) => w.row), rt);
    for (const i of order) {
      const { row, groupKeyValues } = windowed[i]!;
      let out = project(row, rt, groupKeyValues);
      if (out instanceof Promise) out = await out;
      let r = finish(row, out);
      if (r instanceof Promise) r = await r;
      if (r !== undefined && !sink(r)) return;
    }
  }

  /**
   * The common shape — no sort, no grouping — streamed in batches: the rows read without
   * waiting go out together, a batch ends before the scan waits for a page. LIMIT/OFFSET are
   * applied here, so no row past the LIMIT is computed. An error on a row goes out after the
   * rows before it (as SQLite's step returns them first).
   */
  async function* streamBatches(rt: RunContext, outer: readonly Value[] | undefined, max: bigint, skip: bigint): AsyncGenerator<Value[][]> {
    const joinedRows = joinRows(scope, loops, rt, outer);
    const seen = distinct ? new Set<string>() : undefined;
    const distinctColl = seen === undefined ? [] : columns.map((c) => c.collation);
    let batch: Value[][] = [];
    let produced = 0n;
    try {
      for (;;) {
        let ok = joinedRows.step();
        if (typeof ok === 'function') {
          // The scan must wait: what is ready goes out first (and if the consumer stops
          // there, nothing more is fetched).
          if (batch.length > 0) {
            yield batch;
            batch = [];
          }
          ok = await ok();
        }
        if (!ok) break;
        let out = project(joinedRows.row, rt, undefined);
        if (out instanceof Promise) out = await out;
        if (seen !== undefined) {
          const k = groupKey(out, distinctColl);
          if (seen.has(k)) continue;
          seen.add(k);
        }
        if (skip > 0n) {
          skip--;
          continue;
        }
        batch.push(out);
        if (max > 0n && ++produced >= max) break;
        if (batch.length >= MAX_BATCH) {
          yield batch;
          batch = [];
        }
      }
    } catch (e) {
      if (batch.length > 0) {
        const ready = batch;
        batch = [];
        yield ready;
      }
      throw e;
    } finally {
      joinedRows.close();
    }
    if (batch.length > 0) yield batch;
  }

  /** CompiledQuery.first: the first joined row's result columns, as streamBatches makes them. */
  function first(rt: RunContext, outer: readonly Value[] | undefined): Value[] | undefined | Promise<Value[] | undefined> {
    const joinedRows = joinRows(scope, loops, rt, outer);
    let later = false;
    try {
      const ok = joinedRows.step();
      if (typeof ok === 'function') {
        later = true;
        return firstLater(joinedRows, ok, rt);
      }
      if (!ok) return undefined;
      const out = project(joinedRows.row, rt, undefined);
      if (out instanceof Promise) {
        later = true;
        return out.finally(() => joinedRows.close());
      }
      return out;
    } finally {
      if (!later) joinedRows.close();
    }
  }

  async function firstLater(joinedRows: ReturnType<typeof joinRows>, ok: () => Promise<boolean>, rt: RunContext): Promise<Value[] | undefined> {
    try {
      if (!(await ok())) return undefined;
      return await project(joinedRows.row, rt, undefined);
    } finally {
      joinedRows.close();
    }
  }
  /** CompiledQuery.collect: every row, as streamBatches makes them, in one array. */
  function collect(rt: RunContext, outer: readonly Value[] | undefined): Value[][] | Promise<Value[][]> {
    const joinedRows = joinRows(scope, loops, rt, outer);
    const seen = distinct ? new Set<string>() : undefined;
    const distinctColl = seen === undefined ? [] : columns.map((c) => c.collation);
    const out: Value[][] = [];
    const keep = (r: Value[]): void => {
      if (seen !== undefined) {
        const k = groupKey(r, distinctColl);
        if (seen.has(k)) return;
        seen.add(k);
      }
      out.push(r);
    };
    let later = false;
    try {
      for (;;) {
        const ok = joinedRows.step();
        if (typeof ok === 'function') {
          later = true;
          return collectLater(joinedRows, ok, undefined, rt, keep, out);
        }
        if (!ok) return out;
        const r = project(joinedRows.row, rt, undefined);
        if (r instanceof Promise) {
          later = true;
          return collectLater(joinedRows, undefined, r, rt, keep, out);
        }
        keep(r);
      }
    } finally {
      if (!later) joinedRows.close();
    }
  }

  /** collect's rest, once a page must be read (`step`) or a result column runs a subquery (`pending`). */
  async function collectLater(
    joinedRows: ReturnType<typeof joinRows>,
    step: (() => Promise<boolean>) | undefined,
    pending: Promise<Value[]> | undefined,
    rt: RunContext,
    keep: (r: Value[]) => void,
    out: Value[][],
  ): Promise<Value[][]> {
    try {
      if (pending !== undefined) keep(await pending);
      else if (step !== undefined) {
        if (!(await step())) return out;
        keep(await project(joinedRows.row, rt, undefined));
      }
      for (;;) {
        let ok = joinedRows.step();
        if (typeof ok === 'function') ok = await ok();
        if (!ok) return out;
        let r = project(joinedRows.row, rt, undefined);
        if (r instanceof Promise) r = await r;
        keep(r);
      }
    } finally {
      joinedRows.close();
    }
  }

  const streams = !sorted && !aggregate && !countOnly && windows.length === 0 && limit === undefined && offset === undefined;

  const keys = order.map((o) => o.key);
  const correlated = () => scope.usesOuter || limitScope.usesOuter || fromQueries.some((q) => q.correlated);
  async function* batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]> {
    const { max, skip: skip0, cap } = limit === undefined && offset === undefined ? wantOnly(want) : await limits(rt, outer, limit, offset, want);
    if (max === 0n) return;
    let skip = skip0;
    if (!sorted && !aggregate && !countOnly && windows.length === 0) {
      yield* streamBatches(rt, outer, max, skip);
      return;
    }
    const out: Value[][] = [];
    let taken = 0n;
    const take = (r: Value[]): boolean => {
      if (skip > 0n) {
        skip--;
        return true;
      }
      out.push(r);
      return !(max > 0n && ++taken >= max);
    };
    try {
      if (!sorted) await produce(rt, outer, (r) => take(r.out));
      else {
        const top = new TopRows<Produced>((a, b) => compareKeys(keys, a.keys!, b.keys!), cap);
        await produce(rt, outer, (r) => top.add(r));
        for (const r of top.rows()) if (!take(r.out)) break;
      }
    } catch (e) {
      if (out.length > 0) yield out.splice(0);
      throw e;
    }
    if (out.length > 0) yield out;
  }
  return {
    columns,
    get correlated() {
      return correlated();
    },
    plan: plan.plan,
    batches,
    run: (rt, outer) => flattenBatches(batches(rt, outer)),
    ...(streams && { first, collect }),
  };
}
