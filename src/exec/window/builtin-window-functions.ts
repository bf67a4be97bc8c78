/**
 * SQLite's built-in window functions (https://www.sqlite.org/windowfunctions.html#builtins),
 * evaluated over one whole partition at a time:
 *
 *   row_number rank dense_rank percent_rank cume_dist ntile   the position and peer groups
 *   lag lead                                                   another row of the partition
 *   first_value last_value nth_value                           a row of the frame (EXCLUDE applied)
 *
 * The ranking functions and lag/lead ignore the frame, as in SQLite.
 */
import { SqliteError } from '../../errors.js';
import { arith } from '../expr/arith.js';
import { applyAffinityValue, toInt } from '../expr/value-ops.js';
import type { Value } from '../value.js';
import { framePosition } from './frame-aggregate.js';
import type { FrameRanges } from './frame-bounds.js';
import type { Partition } from './window-order.js';
import type { Frame } from './window-spec.js';

/** Argument counts of the built-in window functions. */
const BUILTINS: Record<string, { readonly min: number; readonly max: number }> = {
  row_number: { min: 0, max: 0 },
  rank: { min: 0, max: 0 },
  dense_rank: { min: 0, max: 0 },
  percent_rank: { min: 0, max: 0 },
  cume_dist: { min: 0, max: 0 },
  ntile: { min: 1, max: 1 },
  lag: { min: 1, max: 3 },
  lead: { min: 1, max: 3 },
  first_value: { min: 1, max: 1 },
  last_value: { min: 1, max: 1 },
  nth_value: { min: 2, max: 2 },
};

/** Whether `name` is one of the built-in window functions (any argument count). */
export function isBuiltinWindowFunction(name: string): boolean {
  return Object.hasOwn(BUILTINS, name.toLowerCase());
}

/** Throws SQLite's error when a built-in window function gets the wrong number of arguments. */
export function checkBuiltinArity(name: string, argc: number): void {
  const spec = BUILTINS[name.toLowerCase()];
  if (spec !== undefined && (argc < spec.min || argc > spec.max)) {
    throw new SqliteError('SQLITE_ERROR', `wrong number of arguments to function ${name}()`);
  }
}

/** Whether the function's value depends on the frame (the others ignore it). */
export function usesFrame(name: string): boolean {
  return name === 'first_value' || name === 'last_value' || name === 'nth_value';
}

export interface BuiltinCall {
  readonly name: string;
  readonly frame: Frame;
  /** The arguments of position p's row (an array the next call may refill: read it first). */
  args(p: number): readonly Value[];
}

/** Calls `out(p, value)` for every position of the partition. */
export function evaluateBuiltin(call: BuiltinCall, part: Partition, ranges: FrameRanges | undefined, out: (p: number, v: Value) => void): void {
  const size = part.rows.length;
  const { group, groupStart } = part;
  switch (call.name) {
    case 'row_number':
      for (let p = 0; p < size; p++) out(p, BigInt(p + 1));
      return;
    case 'rank':
      for (let p = 0; p < size; p++) out(p, BigInt(groupStart[group[p]!]! + 1));
      return;
    case 'dense_rank':
      for (let p = 0; p < size; p++) out(p, BigInt(group[p]! + 1));
      return;
    case 'percent_rank':
      for (let p = 0; p < size; p++) out(p, size > 1 ? groupStart[group[p]!]! / (size - 1) : 0);
      return;
    case 'cume_dist':
      for (let p = 0; p < size; p++) out(p, groupStart[group[p]! + 1]! / size);
      return;
    case 'ntile':
      ntile(call, size, out);
      return;
    case 'lag':
    case 'lead':
      lagLead(call, size, out);
      return;
    case 'first_value':
    case 'last_value':
    case 'nth_value':
      for (let p = 0; p < size; p++) {
        let k = 0;
        if (call.name === 'nth_value') k = nthArgument(call.args(p)[1] ?? null) - 1;
        const q = framePosition(call.frame, part, ranges!, p, k, call.name === 'last_value');
        out(p, q === undefined ? null : (call.args(q)[0] ?? null));
      }
      return;
    default:
      throw new Error(`internal: ${call.name} is not a built-in window function`);
  }
}

/** ntileStepFunc/ntileValueFunc: N is read from the partition's first row. */
function ntile(call: BuiltinCall, size: number, out: (p: number, v: Value) => void): void {
  if (size === 0) return;
  const n = toInt(call.args(0)[0] ?? null);
  if (n <= 0n) throw new SqliteError('SQLITE_ERROR', 'argument of ntile must be a positive integer');
  const total = BigInt(size);
  const per = total / n;
  for (let p = 0; p < size; p++) {
    const row = BigInt(p);
    if (per === 0n) {
      out(p, row + 1n);
      continue;
    }
    const large = total - n * per;
    const small = large * (per + 1n);
    out(p, row < small ? 1n + row / (per + 1n) : 1n + large + (row - small) / per);
  }
}

/**
 * lag(x, offset, default) / lead(…): x at the row `offset` before / after, else the default
 * (both evaluated on the current row). As SQLite computes the other row's number with OP_Add /
 * OP_Subtract and seeks it: a NULL or non-integral offset finds no row, text counts as its
 * numeric prefix, a negative offset looks the other way.
 */
function lagLead(call: BuiltinCall, size: number, out: (p: number, v: Value) => void): void {
  const lead = call.name === 'lead';
  for (let p = 0; p < size; p++) {
    const a = call.args(p);
    let target: Value;
    if (a.length < 2) target = BigInt(lead ? p + 1 : p - 1);
    else target = arith(lead ? '+' : '-', BigInt(p), a[1] ?? null);
    const fallback = a.length >= 3 ? (a[2] ?? null) : null;
    if (typeof target === 'bigint' && target >= 0n && target < BigInt(size)) out(p, call.args(Number(target))[0] ?? null);
    else out(p, fallback);
  }
}

/** nth_value's N: a positive integer (2.0 and '2' are 2), else SQLite's error. */
function nthArgument(v: Value): number {
  const n = applyAffinityValue(v, 'NUMERIC');
  if (typeof n === 'bigint' && n > 0n) return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  throw new SqliteError('SQLITE_ERROR', 'second argument to nth_value must be a positive integer');
}
