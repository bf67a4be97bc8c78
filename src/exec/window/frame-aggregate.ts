/**
 * An aggregate over every row's frame, for one partition.
 *
 * No EXCLUDE and an aggregate that has an inverse: the frame slides. Every row is
 * stepped once and taken out once, in row order, so a partition costs O(n) steps whatever the
 * frame's width. The order in which steps and inverses interleave is SQLite's (window.c's
 * sqlite3WindowCodeStep patterns), because it shows in results: a sum that saw a REAL stays a
 * REAL after the REAL left the frame, and group_concat forgets its separator when its text
 * becomes empty.
 *
 * Without an inverse: frames that all start at the partition's first row accumulate; other
 * frames are computed afresh per row. A written EXCLUDE (even NO OTHERS) is computed afresh per
 * row too, as SQLite does (windowFullScan) — O(frame) per row.
 */
import type { Aggregate } from '../functions/aggregate.js';
import type { Value } from '../value.js';
import type { FrameRanges } from './frame-bounds.js';
import type { InverseAggregate } from './inverse-aggregates.js';
import { composedAggregate } from './composed-aggregate.js';
import type { Partition } from './window-order.js';
import type { Frame } from './window-spec.js';

export interface AggregateCall {
  readonly frame: Frame;
  /** The arguments of position p's row. */
  args(p: number): readonly Value[];
  /** Whether position p's row passes the FILTER (WHERE …). */
  included(p: number): boolean;
  /** Lower-case function name and argument count (for composedAggregate). */
  readonly name: string;
  readonly argc: number;
  /** The collation of the first argument (min/max). */
  readonly collation: string;
  /** A state with an inverse, when the aggregate has one. */
  readonly inverse: (() => InverseAggregate) | undefined;
  readonly plain: () => Aggregate;
}

/** Calls `out(p, value)` for every position of the partition. */
export function aggregateOverFrames(call: AggregateCall, part: Partition, ranges: FrameRanges, out: (p: number, v: Value) => void): void {
  const size = part.rows.length;
  const { frame } = call;
  if (frame.exclude !== 'NONE') {
    // The same answers as afresh, from range summaries, for count/sum/total/avg/min/max.
    const composed = composedAggregate(call, part, ranges);
    for (let p = 0; p < size; p++) out(p, composed !== undefined ? composed(p) : fresh(call, part, ranges, p));
    return;
  }
  if (call.inverse !== undefined) {
    slide(call, call.inverse(), part, ranges, out);
    return;
  }
  if (frame.start.type === 'UNBOUNDED PRECEDING') {
    const agg = call.plain();
    let hi = 0;
    for (let p = 0; p < size; p++) {
      const e = ranges.end[p]!;
      for (; hi < e; hi++) if (call.included(hi)) agg.step([...call.args(hi)]);
      out(p, agg.final());
    }
    return;
  }
  for (let p = 0; p < size; p++) out(p, fresh(call, part, ranges, p));
}

/** How steps and inverses interleave between two rows' results (see the file comment). */
type Policy = { kind: 'inverse-first' } | { kind: 'step-first' } | { kind: 'delayed'; by: number };

function policyOf(frame: Frame): Policy {
  const { start, end, units } = frame;
  if (units === 'RANGE') {
    if (start.type === 'FOLLOWING' || (start.type === 'PRECEDING' && end.type === 'PRECEDING')) return { kind: 'step-first' };
    return { kind: 'inverse-first' };
  }
  if (start.type === 'FOLLOWING') {
    if (end.type === 'FOLLOWING') return { kind: 'delayed', by: Number(end.offset) - Number(start.offset) };
    return { kind: 'step-first' };
  }
  return { kind: 'inverse-first' };
}

function slide(call: AggregateCall, agg: InverseAggregate, part: Partition, ranges: FrameRanges, out: (p: number, v: Value) => void): void {
  const size = part.rows.length;
  const policy = policyOf(call.frame);
  // ROWS count rows, GROUPS count peer groups: the unit SQLite's countdowns use.
  const unit = call.frame.units === 'GROUPS' ? (p: number) => part.group[p]! : (p: number) => p;
  let lo = 0;
  let hi = 0;
  const step = (): void => {
    if (call.included(hi)) agg.step(call.args(hi));
    hi++;
  };
  const inverse = (): void => {
    if (call.included(lo)) agg.inverse(call.args(lo));
    lo++;
  };
  for (let p = 0; p < size; p++) {
    const s = ranges.start[p]!;
    const e = ranges.end[p]!;
    if (policy.kind === 'inverse-first') while (lo < s && lo < hi) inverse();
    while (hi < e) {
      if (policy.kind === 'delayed') while (lo < s && lo < hi && unit(lo) + policy.by < unit(hi)) inverse();
      step();
    }
    while (lo < s && lo < hi) inverse();
    out(p, agg.value());
  }
}

/** The aggregate of position p's frame, EXCLUDE applied, from a fresh state. */
function fresh(call: AggregateCall, part: Partition, ranges: FrameRanges, p: number): Value {
  const agg = call.plain();
  forEachFramePosition(call.frame, part, ranges, p, (q) => {
    if (call.included(q)) agg.step([...call.args(q)]);
  });
  return agg.final();
}

/**
 * Calls `each` for the positions of p's frame in order, without the rows EXCLUDE takes out:
 * CURRENT ROW → p; GROUP → p's peer group; TIES → p's peers but p.
 */
export function forEachFramePosition(frame: Frame, part: Partition, ranges: FrameRanges, p: number, each: (q: number) => void): void {
  const s = ranges.start[p]!;
  const e = ranges.end[p]!;
  if (frame.exclude === 'NONE' || frame.exclude === 'NO OTHERS') {
    for (let q = s; q < e; q++) each(q);
    return;
  }
  let xs = p;
  let xe = p + 1;
  if (frame.exclude !== 'CURRENT ROW') {
    const g = part.group[p]!;
    xs = part.groupStart[g]!;
    xe = part.groupStart[g + 1]!;
  }
  for (let q = s; q < e && q < xs; q++) each(q);
  if (frame.exclude === 'TIES' && p >= s && p < e) each(p);
  for (let q = Math.max(s, xe); q < e; q++) each(q);
}

/** The positions `forEachFramePosition` visits as at most three ranges [a, b), in order. */
export function framePieces(frame: Frame, part: Partition, ranges: FrameRanges, p: number): [number, number][] {
  const s = ranges.start[p]!;
  const e = ranges.end[p]!;
  const pieces: [number, number][] = [];
  if (s >= e) return pieces;
  if (frame.exclude === 'NONE' || frame.exclude === 'NO OTHERS') pieces.push([s, e]);
  else {
    let xs = p;
    let xe = p + 1;
    if (frame.exclude !== 'CURRENT ROW') {
      const g = part.group[p]!;
      xs = part.groupStart[g]!;
      xe = part.groupStart[g + 1]!;
    }
    pieces.push([s, Math.min(e, xs)]);
    if (frame.exclude === 'TIES' && p >= s && p < e) pieces.push([p, p + 1]);
    pieces.push([Math.max(s, xe), e]);
  }
  return pieces.filter(([a, b]) => b > a);
}

/** The k-th (0-based) position `forEachFramePosition` visits (from the end: the k-th last), in O(1). */
export function framePosition(frame: Frame, part: Partition, ranges: FrameRanges, p: number, k: number, fromEnd: boolean): number | undefined {
  const pieces = framePieces(frame, part, ranges, p);
  if (fromEnd) pieces.reverse();
  let left = k;
  for (const [a, b] of pieces) {
    const n = b - a;
    if (n <= 0) continue;
    if (left < n) return fromEnd ? b - 1 - left : a + left;
    left -= n;
  }
  return undefined;
}
