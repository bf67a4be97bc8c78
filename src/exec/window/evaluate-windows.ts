/**
 * Window functions over a buffered set of rows: the executor hands over, per row, the values
 * every window needs (PARTITION BY and ORDER BY values per distinct ordering, each call's
 * arguments and FILTER result) and gets back each call's value per row and the order the rows
 * leave in.
 *
 * Each distinct window (the caller decides which calls share one) is an "ordering" here. They
 * are processed last to first, each a stable sort of the order the previous one left (the first
 * of the scan), so the rows leave ordered by the first window, ties in the order of the next — as
 * SQLite's rewrite nests one sub-select per distinct window (window.c, "SELECT REWRITING"); that
 * order also decides row_number() and the like among peers.
 */
import { SqliteError } from '../../errors.js';
import { createAggregate } from '../functions/aggregate.js';
import type { Value } from '../value.js';
import { evaluateBuiltin, isBuiltinWindowFunction, usesFrame } from './builtin-window-functions.js';
import { aggregateOverFrames } from './frame-aggregate.js';
import { frameRanges, type FrameRanges } from './frame-bounds.js';
import { inverseAggregate } from './inverse-aggregates.js';
import { partitionsOf, sortForWindow, type Partition, type WindowKeys } from './window-order.js';
import type { Frame, WindowOrdering } from './window-spec.js';

export interface OrderingInput {
  readonly spec: WindowOrdering;
  readonly keys: WindowKeys;
}

export interface WindowCallInput {
  /** Lower-case function name. */
  readonly name: string;
  /** Index into the orderings. */
  readonly ordering: number;
  /** The frame, offsets evaluated and checked. */
  readonly frame: Frame;
  /** The argument values, one column per argument: `args[k][row]`. */
  readonly args: readonly (readonly Value[])[];
  /** Each row's FILTER result (by row number: 1 passes), undefined without FILTER. */
  readonly filter: Uint8Array | undefined;
  /** The collating sequence of the first argument (min/max). */
  readonly collation: string;
}

export interface WindowResults {
  /** `values[c][row]`: call c's value for input row `row`. */
  readonly values: Value[][];
  /** Row numbers in output order. */
  readonly order: Int32Array;
}

export function evaluateWindows(rowCount: number, orderings: readonly OrderingInput[], calls: readonly WindowCallInput[]): WindowResults {
  const values = calls.map(() => new Array<Value>(rowCount).fill(null));
  let order: Int32Array = new Int32Array(rowCount);
  for (let i = 0; i < rowCount; i++) order[i] = i;
  for (let o = orderings.length - 1; o >= 0; o--) {
    const { spec, keys } = orderings[o]!;
    order = sortForWindow(spec, keys, order);
    const mine = calls.map((c, i) => ({ c, i })).filter((x) => x.c.ordering === o);
    if (mine.length === 0) continue;
    for (const part of partitionsOf(spec, keys, order)) {
      const rangesByFrame = new Map<Frame, FrameRanges>();
      const rangesFor = (frame: Frame): FrameRanges => {
        let r = rangesByFrame.get(frame);
        if (r === undefined) {
          const orderKey = spec.order[0];
          const first = keys.order[0];
          r = frameRanges(frame, part, orderKey, (p) => first?.[part.rows[p]!] ?? null);
          rangesByFrame.set(frame, r);
        }
        return r;
      };
      for (const { c, i } of mine) evaluateCall(c, part, rangesFor, values[i]!);
    }
  }
  return { values, order };
}

function evaluateCall(c: WindowCallInput, part: Partition, rangesFor: (f: Frame) => FrameRanges, out: Value[]): void {
  const rows = part.rows;
  const argc = c.args.length;
  // One array refilled per call: every consumer reads the arguments before asking again.
  const scratch = new Array<Value>(argc);
  const args = (p: number): readonly Value[] => {
    const r = rows[p]!;
    for (let k = 0; k < argc; k++) scratch[k] = c.args[k]![r] ?? null;
    return scratch;
  };
  const write = (p: number, v: Value): void => {
    out[rows[p]!] = v;
  };
  if (isBuiltinWindowFunction(c.name)) {
    evaluateBuiltin({ name: c.name, frame: c.frame, args }, part, usesFrame(c.name) ? rangesFor(c.frame) : undefined, write);
    return;
  }
  const filter = c.filter;
  const plain = (): ReturnType<typeof createAggregate> & object => {
    const a = createAggregate(c.name, false, argc, c.collation);
    if (a === undefined) throw new SqliteError('SQLITE_ERROR', `no such function: ${c.name}`);
    return a;
  };
  aggregateOverFrames(
    {
      frame: c.frame,
      name: c.name,
      argc,
      collation: c.collation,
      args,
      included: filter === undefined ? () => true : (p) => filter[rows[p]!] === 1,
      // min/max accumulate with the plain aggregate when nothing ever leaves the frame.
      inverse: (c.name === 'min' || c.name === 'max') && c.frame.start.type === 'UNBOUNDED PRECEDING' ? undefined : inverseAggregate(c.name, argc, c.collation),
      plain,
    },
    part,
    rangesFor(c.frame),
    write,
  );
}
