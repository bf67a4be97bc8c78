/**
 * The frame of every row of a partition, as a half-open range of positions [start, end)
 * (before EXCLUDE, which frame-rows.ts applies). A range with start ≥ end is an empty frame.
 *
 *   ROWS    n PRECEDING / FOLLOWING count rows from the current one;
 *   GROUPS  they count peer groups from the current row's group;
 *   RANGE   they compare the single ORDER BY value: `n PRECEDING` starts at the first row whose
 *           value is not before (value − n) in the window's order (+ n when DESC); a NULL value's
 *           bounds are its peers (NULL ± n is NULL); for TEXT and BLOB values the offset is not
 *           applied (window.c's windowCodeRangeTest skips the arithmetic for them).
 *
 * Both ends are nondecreasing in the position, which is what lets aggregates slide (add the
 * rows entering at the end, remove those leaving at the start) instead of recomputing.
 */
import { arith } from '../expr/arith.js';
import type { Value } from '../value.js';
import { compareOrderValue, type Partition } from './window-order.js';
import type { Frame, FrameBound, OrderKey } from './window-spec.js';

export interface FrameRanges {
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/**
 * `orderValue(p)` is the first ORDER BY value of position p (RANGE with an offset only; the
 * compiler has checked there is exactly one ORDER BY term then).
 */
export function frameRanges(frame: Frame, part: Partition, orderKey: OrderKey | undefined, orderValue: (p: number) => Value): FrameRanges {
  const size = part.rows.length;
  const start = new Int32Array(size);
  const end = new Int32Array(size);
  for (let p = 0; p < size; p++) {
    start[p] = clamp(bound(frame, frame.start, true, part, p, orderKey, orderValue), size);
    end[p] = clamp(bound(frame, frame.end, false, part, p, orderKey, orderValue), size);
  }
  return { start, end };
}

function clamp(x: number, size: number): number {
  return x < 0 ? 0 : x > size ? size : x;
}

/** The position where the frame starts (`isStart`) or ends (exclusive) for row p. */
function bound(
  frame: Frame,
  b: FrameBound,
  isStart: boolean,
  part: Partition,
  p: number,
  orderKey: OrderKey | undefined,
  orderValue: (p: number) => Value,
): number {
  const size = part.rows.length;
  switch (b.type) {
    case 'UNBOUNDED PRECEDING':
      return 0;
    case 'UNBOUNDED FOLLOWING':
      return size;
    case 'CURRENT ROW':
      if (frame.units === 'ROWS') return isStart ? p : p + 1;
      return part.groupStart[part.group[p]! + (isStart ? 0 : 1)]!;
    default:
      break;
  }
  const following = b.type === 'FOLLOWING';
  if (frame.units === 'ROWS') {
    const n = Number(b.offset);
    const at = following ? p + n : p - n;
    return isStart ? at : at + 1;
  }
  if (frame.units === 'GROUPS') {
    const groups = part.groupStart.length - 1;
    const n = Number(b.offset);
    const g = following ? part.group[p]! + n : part.group[p]! - n;
    if (g < 0) return 0;
    if (g >= groups) return size;
    return part.groupStart[isStart ? g : g + 1]!;
  }
  return rangeBound(b, isStart, following, part, p, orderKey!, orderValue);
}

/**
 * RANGE with an offset: binary search over the partition, which is sorted by this very order,
 * for the first position whose value is at/after (start) or after (end) the target.
 */
function rangeBound(
  b: FrameBound,
  isStart: boolean,
  following: boolean,
  part: Partition,
  p: number,
  key: OrderKey,
  orderValue: (p: number) => Value,
): number {
  const v = orderValue(p);
  let target: Value = v;
  if (typeof v === 'bigint' || typeof v === 'number') {
    // Towards later rows: + n ascending, − n descending.
    const later = following !== key.desc;
    target = arith(later ? '+' : '-', v, b.offset);
  }
  let lo = 0;
  let hi = part.rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareOrderValue(key, orderValue(mid), target);
    if (isStart ? c < 0 : c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
