/**
 * The window stage of a SELECT core: after WHERE, GROUP BY and HAVING, before the result
 * columns, DISTINCT, ORDER BY and LIMIT (https://www.sqlite.org/windowfunctions.html). The rows
 * that reached it are buffered; this evaluates each window call's terms on every row, runs the
 * window evaluator (src/exec/window/), writes each call's value into its slot of the row and
 * answers the order the rows leave in.
 */
import type { Value } from '../value.js';
import { evaluateWindows, type OrderingInput, type WindowCallInput } from '../window/evaluate-windows.js';
import { frameOffset, type Frame, type FrameBound } from '../window/window-spec.js';
import { isTrue } from './expr-api.js';
import type { TrackedExpr } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';
import type { WindowBinding, WindowBoundBinding } from './window-binding.js';

/** Fills the window slots of `rows` (each a private copy); returns the rows' output order. */
export async function computeWindows(windows: readonly WindowBinding[], rows: readonly Value[][], rt: RunContext): Promise<Int32Array> {
  if (rows.length === 0) return new Int32Array(0);
  const scratch = rows[0]!.slice();
  const frames: Frame[] = [];
  for (const w of windows) {
    const f = w.frame;
    frames.push({ units: f.units, start: await bound(f.start, f.units, 'starting'), end: await bound(f.end, f.units, 'ending'), exclude: f.exclude });
  }
  async function bound(b: WindowBoundBinding, units: Frame['units'], which: 'starting' | 'ending'): Promise<FrameBound> {
    if (b.offset === undefined) return { type: b.type, offset: 0 };
    return { type: b.type, offset: frameOffset(await evaluate(b.offset, scratch, rt), units, which) };
  }

  /** Each term's value on every row: one column per term. */
  const each = async (terms: readonly TrackedExpr[]): Promise<Value[][]> => {
    const out: Value[][] = [];
    for (const t of terms) {
      const col = new Array<Value>(rows.length);
      if (t.subqueries.length === 0) for (let r = 0; r < rows.length; r++) col[r] = t.fn(rows[r]!, rt.eval);
      else for (let r = 0; r < rows.length; r++) col[r] = await evaluate(t, rows[r]!, rt);
      out.push(col);
    }
    return out;
  };

  const orderings: OrderingInput[] = [];
  const orderingOf = new Map<string, number>();
  const calls: WindowCallInput[] = [];
  for (const [i, w] of windows.entries()) {
    let o = orderingOf.get(w.windowKey);
    if (o === undefined) {
      o = orderings.length;
      orderingOf.set(w.windowKey, o);
      orderings.push({
        spec: { partition: w.partitionCollations, order: w.orderKeys },
        keys: { partition: await each(w.partition), order: await each(w.order) },
      });
    }
    let filter: Uint8Array | undefined;
    if (w.filter !== undefined) {
      filter = new Uint8Array(rows.length);
      const f = w.filter;
      for (let r = 0; r < rows.length; r++) filter[r] = isTrue(f.subqueries.length === 0 ? f.fn(rows[r]!, rt.eval) : await evaluate(f, rows[r]!, rt)) ? 1 : 0;
    }
    calls.push({ name: w.name, ordering: o, frame: frames[i]!, args: await each(w.args), filter, collation: w.collation });
  }
  const { values, order } = evaluateWindows(rows.length, orderings, calls);
  windows.forEach((w, i) => {
    const v = values[i]!;
    for (let r = 0; r < rows.length; r++) rows[r]![w.slot] = v[r]!;
  });
  return order;
}
