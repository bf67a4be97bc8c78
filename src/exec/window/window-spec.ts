/**
 * A window as the evaluator sees it (https://www.sqlite.org/windowfunctions.html): how rows are
 * partitioned and ordered, and which rows of its partition each row's frame holds.
 *
 * Frame offsets (`n PRECEDING`, `n FOLLOWING`) arrive as the values their expressions gave; they
 * are checked here with SQLite's messages (window.c's windowCheckValue): ROWS and GROUPS want a
 * non-negative integer (2.0 and '2' are 2), RANGE a non-negative number.
 */
import { SqliteError } from '../../errors.js';
import { applyAffinityValue } from '../expr/value-ops.js';
import type { Value } from '../value.js';

export type FrameUnits = 'ROWS' | 'RANGE' | 'GROUPS';
export type BoundType = 'UNBOUNDED PRECEDING' | 'PRECEDING' | 'CURRENT ROW' | 'FOLLOWING' | 'UNBOUNDED FOLLOWING';
/**
 * 'NONE': no EXCLUDE written. A written EXCLUDE NO OTHERS excludes nothing either, but SQLite
 * then computes every frame afresh (windowFullScan) instead of sliding, which shows in results
 * (a sum that saw a REAL earlier in the partition stays INTEGER), so it is kept apart.
 */
export type FrameExclude = 'NONE' | 'NO OTHERS' | 'CURRENT ROW' | 'GROUP' | 'TIES';

export interface FrameBound {
  readonly type: BoundType;
  /**
   * `n PRECEDING` / `n FOLLOWING`: the checked offset (a row or group count for ROWS and
   * GROUPS; an INTEGER or REAL distance for RANGE). 0 for the other bound types.
   */
  readonly offset: number | bigint;
}

export interface Frame {
  readonly units: FrameUnits;
  readonly start: FrameBound;
  readonly end: FrameBound;
  readonly exclude: FrameExclude;
}

/** One ORDER BY term of a window. */
export interface OrderKey {
  readonly desc: boolean;
  readonly nulls: 'FIRST' | 'LAST' | undefined;
  readonly collation: string;
}

/** What decides the rows' order and partitions: equal specs sort the same way. */
export interface WindowOrdering {
  /** The collation of each PARTITION BY term. */
  readonly partition: readonly string[];
  readonly order: readonly OrderKey[];
}

/** `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`, the frame of a window without one. */
export const DEFAULT_FRAME: Frame = Object.freeze({
  units: 'RANGE',
  start: Object.freeze({ type: 'UNBOUNDED PRECEDING', offset: 0 }),
  end: Object.freeze({ type: 'CURRENT ROW', offset: 0 }),
  exclude: 'NONE',
});

/**
 * sqlite3WindowAlloc's check: a frame may not start after it ends in the bound order
 * UNBOUNDED PRECEDING < n PRECEDING < CURRENT ROW < n FOLLOWING < UNBOUNDED FOLLOWING.
 */
export function checkFrameShape(start: BoundType, end: BoundType): void {
  if ((start === 'CURRENT ROW' && end === 'PRECEDING') || (start === 'FOLLOWING' && (end === 'PRECEDING' || end === 'CURRENT ROW'))) {
    throw new SqliteError('SQLITE_ERROR', 'unsupported frame specification');
  }
}

/**
 * The offset of a `n PRECEDING|FOLLOWING` bound, checked: NULL, text that is not a number,
 * a negative value (and, for ROWS/GROUPS, a non-integer) are errors.
 */
export function frameOffset(v: Value, units: FrameUnits, which: 'starting' | 'ending'): number | bigint {
  const n = applyAffinityValue(v, 'NUMERIC');
  if (units === 'RANGE') {
    if ((typeof n === 'bigint' || typeof n === 'number') && n >= 0) return n;
    throw new SqliteError('SQLITE_ERROR', `frame ${which} offset must be a non-negative number`);
  }
  // OP_MustBeInt: an integral REAL is that integer.
  const i = typeof n === 'number' && Number.isInteger(n) ? BigInt(n) : n;
  if (typeof i === 'bigint' && i >= 0n) return i > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(i);
  throw new SqliteError('SQLITE_ERROR', `frame ${which} offset must be a non-negative integer`);
}
