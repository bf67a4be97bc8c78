/**
 * Recursive common table expressions (https://www.sqlite.org/lang_with.html#recursive_common_table_expressions).
 *
 * A CTE that names itself is `initial-select UNION [ALL] recursive-select [UNION [ALL]
 * recursive-select …]`: the initial SELECTs (themselves any compound) fill a queue; then, one
 * row at a time, a row leaves the queue, goes to the output, and each recursive SELECT runs
 * with the CTE's name standing for that single row (the "working table"), its rows joining the
 * queue. With UNION a row already queued once is not queued again. The CTE's ORDER BY makes
 * the queue a priority queue (ties leave in the order they came); LIMIT stops the recursion
 * after that many output rows; OFFSET rows are not output but still recurse.
 *
 * As in SQLite, a recursive SELECT must name the CTE exactly once, directly in its FROM, and
 * may not aggregate; other uses are "circular reference: name".
 */
import type { CompoundOp, Expr, FromItem, SelectCore, SelectStatement, ValuesCore } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { columnNumber } from './ast-terms.js';
import { flattenBatches, limits, MAX_BATCH, wantOnly } from './batch-stream.js';
import { groupKey } from './group-key.js';
import { CoreScope, type CompileQuery } from './query-scope.js';
import type { CompiledQuery, CteEntry, PlanLine, RunContext } from './query-types.js';
import { err, ordinal } from './select-errors.js';
import { compareKeys, type SortKey } from './sort-rows.js';

const AGGREGATES = new Set(['count', 'sum', 'total', 'avg', 'min', 'max', 'group_concat', 'string_agg', 'json_group_array', 'json_group_object', 'jsonb_group_array', 'jsonb_group_object']);

/** Whether `select` names the table `name` anywhere (FROM, subqueries, `x IN name`). */
export function referencesTable(select: SelectStatement, name: string): boolean {
  return countReferences(select, name.toLowerCase()) > 0;
}

function countReferences(node: unknown, name: string): number {
  if (Array.isArray(node)) return node.reduce<number>((n, x) => n + countReferences(x, name), 0);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return 0;
  const o = node as Record<string, unknown>;
  let n = o.kind === 'table' && o.schema === undefined && typeof o.name === 'string' && o.name.toLowerCase() === name ? 1 : 0;
  for (const v of Object.values(o)) n += countReferences(v, name);
  return n;
}

/** The table items of a FROM clause at its top level (joins flattened, parentheses included). */
function directTables(from: FromItem | undefined, name: string): number {
  if (from === undefined) return 0;
  if (from.kind === 'join') return directTables(from.left, name) + directTables(from.right, name);
  if (from.kind === 'table') return from.schema === undefined && from.name.toLowerCase() === name ? 1 : 0;
  return 0;
}

function aggregates(e: unknown): boolean {
  if (Array.isArray(e)) return e.some(aggregates);
  if (e === null || typeof e !== 'object' || e instanceof Uint8Array) return false;
  const o = e as Record<string, unknown>;
  if (o.kind === 'select') return false;
  if (o.kind === 'function' && o.over === undefined && AGGREGATES.has(String(o.name).toLowerCase())) return true;
  return Object.values(o).some(aggregates);
}

/** Checks a recursive SELECT: it names the CTE once, in its own FROM, and does not aggregate. */
function checkRecursive(core: SelectCore | ValuesCore, name: string, display: string): void {
  const all = countReferences(core, name);
  const direct = core.kind === 'select-core' ? directTables(core.from, name) : 0;
  if (direct === 0 || direct !== all || core.kind !== 'select-core') throw err(`circular reference: ${display}`);
  if (direct > 1) throw err(`multiple references to recursive table: ${display}`);
  if (core.groupBy !== undefined || aggregates(core.columns) || aggregates(core.having)) {
    throw err('recursive aggregate queries not supported');
  }
}

/** Compiles the recursive CTE of `entry` (its `recursive` flag set). */
export function compileRecursiveCte(entry: CteEntry, compile: CompileQuery): CompiledQuery {
  const { cte, env } = entry;
  const name = cte.name.toLowerCase();
  const select = cte.select;
  const parts: { op: CompoundOp | undefined; core: SelectCore | ValuesCore }[] = [
    { op: undefined, core: select.first },
    ...select.compounds.map((c) => ({ op: c.op as CompoundOp | undefined, core: c.core })),
  ];
  const firstRecursive = parts.findIndex((p) => countReferences(p.core, name) > 0);
  if (firstRecursive <= 0) throw err(`circular reference: ${cte.name}`);
  let distinct = false;
  for (const p of parts.slice(firstRecursive)) {
    if (p.op !== 'UNION' && p.op !== 'UNION ALL') throw err(`circular reference: ${cte.name}`);
    if (p.op === 'UNION') distinct = true;
    checkRecursive(p.core, name, cte.name);
  }

  // The initial SELECTs: any compound, without the CTE's ORDER BY / LIMIT.
  const initialSelect: SelectStatement = {
    kind: 'select',
    first: select.first,
    compounds: select.compounds.slice(0, firstRecursive - 1),
  };
  const initial = compile(initialSelect, env, undefined);
  const names = cte.columns;
  if (names !== undefined && names.length !== initial.columns.length) {
    throw err(`table ${cte.name} has ${initial.columns.length} values for ${names.length} columns`);
  }
  const token = {};
  const working: CteEntry = {
    cte,
    env,
    working: { token, columns: initial.columns.map((c, i) => ({ ...c, name: names?.[i] ?? c.name })) },
  };
  const recursiveEnv = { ...env, ctes: new Map(env.ctes).set(name, working) };
  const steps = parts.slice(firstRecursive).map((p) => {
    const q = compile({ kind: 'select', first: p.core, compounds: [] }, recursiveEnv, undefined);
    if (q.columns.length !== initial.columns.length) {
      throw err(`SELECTs to the left and right of ${p.op!} do not have the same number of result columns`);
    }
    return q;
  });

  // ORDER BY terms name the initial SELECT's result columns (by number or name).
  const keys: SortKey[] = [];
  const index: number[] = [];
  (select.orderBy ?? []).forEach((t, i) => {
    const e: Expr = t.expr.kind === 'collate' ? t.expr.expr : t.expr;
    const num = columnNumber(e);
    let k = num === undefined ? -1 : num - 1;
    if (num !== undefined && (k < 0 || k >= initial.columns.length)) {
      throw err(`${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${initial.columns.length}`);
    }
    if (num === undefined && e.kind === 'column' && e.table === undefined) {
      k = initial.columns.findIndex((c) => c.name.toLowerCase() === e.column.toLowerCase());
    }
    if (k < 0) throw err(`${ordinal(i + 1)} ORDER BY term does not match any column in the result set`);
    index.push(k);
    keys.push({ desc: t.desc, nulls: t.nulls, collation: t.expr.kind === 'collate' ? t.expr.collation : initial.columns[k]!.collation });
  });
  const limitScope = new CoreScope(env, undefined, compile);
  const limit = select.limit === undefined ? undefined : limitScope.compile(select.limit);
  const offset = select.offset === undefined ? undefined : limitScope.compile(select.offset);
  const collations = initial.columns.map((c) => c.collation);

  const plan: PlanLine[] = [{ depth: 0, text: 'SETUP' }];
  for (const l of initial.plan) plan.push({ depth: l.depth + 1, text: l.text });
  plan.push({ depth: 0, text: 'RECURSIVE STEP' });
  for (const q of steps) for (const l of q.plan) plan.push({ depth: l.depth + 1, text: l.text });

  async function* batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]> {
    const { max, skip: skip0 } = limit === undefined && offset === undefined ? wantOnly(want) : await limits(rt, outer, limit, offset, want);
    if (max === 0n) return;
    let skip = skip0;
    const queue = keys.length === 0 ? new FifoQueue() : new PriorityQueue((a, b) => compareKeys(keys, pick(a), pick(b)));
    const pick = (r: readonly Value[]): Value[] => index.map((k) => r[k] ?? null);
    const seen = distinct ? new Set<string>() : undefined;
    const add = (r: Value[]): void => {
      if (seen !== undefined) {
        const k = groupKey(r, collations);
        if (seen.has(k)) return;
        seen.add(k);
      }
      queue.push(r);
    };
    for await (const b of initial.batches(rt, undefined)) for (const r of b) add(r);
    let out: Value[][] = [];
    let produced = 0n;
    const previous = rt.cache.get(token);
    try {
      for (let row = queue.pop(); row !== undefined; row = queue.pop()) {
        if (skip > 0n) skip--;
        else {
          out.push(row);
          if (max > 0n && ++produced >= max) break;
          if (out.length >= MAX_BATCH) {
            yield out;
            out = [];
          }
        }
        rt.cache.set(token, [row]);
        for (const q of steps) for await (const b of q.batches(rt, undefined)) for (const r of b) add(r);
      }
    } finally {
      if (previous === undefined) rt.cache.delete(token);
      else rt.cache.set(token, previous);
    }
    if (out.length > 0) yield out;
  }

  return {
    columns: initial.columns,
    correlated: false,
    plan,
    batches,
    run: (rt, outer) => flattenBatches(batches(rt, outer)),
  };
}

/** The working table's rows at this point of the run (one row). */
export function workingRows(rt: RunContext, token: object): Value[][] {
  return (rt.cache.get(token) as Value[][] | undefined) ?? [];
}

interface Queue {
  push(r: Value[]): void;
  pop(): Value[] | undefined;
}

class FifoQueue implements Queue {
  private items: Value[][] = [];
  private head = 0;
  push(r: Value[]): void {
    this.items.push(r);
  }
  pop(): Value[] | undefined {
    if (this.head >= this.items.length) return undefined;
    const r = this.items[this.head++]!;
    // Drop what has left, now and then, so a long recursion does not keep every row.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }
}

/** A binary heap; equal keys leave in the order they came (a sequence number breaks ties). */
class PriorityQueue implements Queue {
  private readonly heap: { row: Value[]; seq: number }[] = [];
  private seq = 0;
  constructor(private readonly cmp: (a: Value[], b: Value[]) => number) {}

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    const c = this.cmp(a.row, b.row);
    return c < 0 || (c === 0 && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  push(row: Value[]): void {
    this.heap.push({ row, seq: this.seq++ });
    let i = this.heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): Value[] | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top.row;
  }
}
