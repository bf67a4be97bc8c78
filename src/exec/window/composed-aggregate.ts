/**
 * A frame with EXCLUDE (CURRENT ROW, GROUP, TIES, or a written NO OTHERS) is at most three
 * ranges of positions (frame-aggregate.ts's framePieces). SQLite computes each such frame
 * afresh (windowFullScan), O(frame) per row; for the aggregates below the fresh value is
 * composed from range summaries instead, O(1) per row, with the same result:
 *
 *   count(*), count(x)   prefix counts
 *   min(x), max(x)       a sparse table of the best position per power-of-two range; of equal
 *                        values the earliest wins, as in a fresh min()/max()
 *   sum, total, avg      prefix sums, when every value is an INTEGER and no partial sum can
 *                        leave the 64-bit range (then a fresh sum is exact integer arithmetic);
 *                        with a REAL, text or a risk of overflow: undefined (computed afresh)
 *
 * Other aggregates answer undefined (computed afresh by the caller).
 */
import { compareForSort } from '../expr/compare.js';
import type { Value } from '../value.js';
import { framePieces, type AggregateCall } from './frame-aggregate.js';
import type { FrameRanges } from './frame-bounds.js';
import type { Partition } from './window-order.js';

export function composedAggregate(call: AggregateCall, part: Partition, ranges: FrameRanges): ((p: number) => Value) | undefined {
  const size = part.rows.length;
  const value = (q: number): Value => (call.argc === 0 ? 1n : (call.args(q)[0] ?? null));
  const pieces = (p: number): [number, number][] => framePieces(call.frame, part, ranges, p);
  switch (call.name) {
    case 'count': {
      const prefix = new Int32Array(size + 1);
      for (let q = 0; q < size; q++) prefix[q + 1] = prefix[q]! + (call.included(q) && value(q) !== null ? 1 : 0);
      return (p) => {
        let n = 0;
        for (const [a, b] of pieces(p)) n += prefix[b]! - prefix[a]!;
        return BigInt(n);
      };
    }
    case 'sum':
    case 'total':
    case 'avg': {
      if (call.argc !== 1) return undefined;
      const sums = new Array<bigint>(size + 1);
      const counts = new Int32Array(size + 1);
      sums[0] = 0n;
      let bound = 0n;
      for (let q = 0; q < size; q++) {
        const v = call.included(q) ? value(q) : null;
        if (v !== null && typeof v !== 'bigint') return undefined;
        sums[q + 1] = sums[q]! + (v ?? 0n);
        counts[q + 1] = counts[q]! + (v === null ? 0 : 1);
        if (v !== null) bound += v < 0n ? -v : v;
      }
      // No partial sum of any frame can overflow: a fresh sum stays exact integer arithmetic.
      if (bound >= 2n ** 63n) return undefined;
      return (p) => {
        let s = 0n;
        let n = 0;
        for (const [a, b] of pieces(p)) {
          s += sums[b]! - sums[a]!;
          n += counts[b]! - counts[a]!;
        }
        if (call.name === 'total') return Number(s);
        if (n === 0) return null;
        return call.name === 'sum' ? s : Number(s) / n;
      };
    }
    case 'min':
    case 'max': {
      if (call.argc !== 1) return undefined;
      const sign = call.name === 'min' ? 1 : -1;
      const vals = new Array<Value>(size);
      for (let q = 0; q < size; q++) vals[q] = call.included(q) ? value(q) : null;
      // The better of two candidate positions (-1: none); on a tie the earlier one.
      const better = (i: number, j: number): number => {
        if (i < 0) return j;
        if (j < 0) return i;
        const c = sign * compareForSort(vals[i]!, vals[j]!, call.collation);
        return c < 0 || (c === 0 && i < j) ? i : j;
      };
      const levels: Int32Array[] = [Int32Array.from({ length: size }, (_, q) => (vals[q] === null ? -1 : q))];
      for (let w = 1; 2 * w <= size; w *= 2) {
        const prev = levels[levels.length - 1]!;
        const next = new Int32Array(size - 2 * w + 1);
        for (let q = 0; q < next.length; q++) next[q] = better(prev[q]!, prev[q + w]!);
        levels.push(next);
      }
      const best = (a: number, b: number): number => {
        const k = 31 - Math.clz32(b - a);
        const t = levels[k]!;
        return better(t[a]!, t[b - (1 << k)]!);
      };
      return (p) => {
        let at = -1;
        for (const [a, b] of pieces(p)) at = better(at, best(a, b));
        return at < 0 ? null : vals[at]!;
      };
    }
    default:
      return undefined;
  }
}
