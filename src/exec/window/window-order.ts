/**
 * Ordering rows for a window: a stable sort by PARTITION BY (ascending, in each term's
 * collation) then ORDER BY, then the partitions and, inside each, the peer groups (runs of
 * rows whose ORDER BY values are equal; without ORDER BY a whole partition is one group).
 *
 * Stable, because SQLite's output order for rows a window does not tell apart is the order they
 * had before (the scan's, or the previous window's): a query with several windows sorts once per
 * window, the last one first, and its rows leave in the order of the first window.
 */
import { compareForSort } from '../expr/compare.js';
import type { Value } from '../value.js';
import type { OrderKey, WindowOrdering } from './window-spec.js';

/**
 * The rows' keys, one column per term: `partition[k][row]` is row's value of the k-th
 * PARTITION BY term, `order[k][row]` of the k-th ORDER BY term.
 */
export interface WindowKeys {
  readonly partition: readonly (readonly Value[])[];
  readonly order: readonly (readonly Value[])[];
}

const MAX_EXACT = 2n ** 53n;

interface KeyColumn {
  readonly col: readonly Value[];
  /** -1 for DESC. */
  readonly sign: number;
}

function keyColumns(spec: WindowOrdering, keys: WindowKeys, partition: boolean, order: boolean): KeyColumn[] {
  const cols: KeyColumn[] = [];
  if (partition) for (const col of keys.partition) cols.push({ col, sign: 1 });
  if (order) keys.order.forEach((col, i) => cols.push({ col, sign: spec.order[i]!.desc ? -1 : 1 }));
  return cols;
}

/** One partition: its rows in window order and their peer groups. */
export interface Partition {
  /** Row numbers (indexes into the input) in window order. */
  readonly rows: Int32Array;
  /** Peer group of each position. */
  readonly group: Int32Array;
  /** First position of each peer group, then the partition size (length groups + 1). */
  readonly groupStart: Int32Array;
}

/** Compares two values as ORDER BY term `k` sorts them (NULLS FIRST/LAST, DESC, collation). */
export function compareOrderValue(k: OrderKey, x: Value, y: Value): number {
  if (k.nulls !== undefined && (x === null) !== (y === null)) {
    return (x === null) === (k.nulls === 'FIRST') ? -1 : 1;
  }
  const c = compareForSort(x, y, k.collation);
  return k.desc ? -c : c;
}

function compareRows(spec: WindowOrdering, keys: WindowKeys, a: number, b: number): number {
  for (let i = 0; i < spec.partition.length; i++) {
    const col = keys.partition[i]!;
    const c = compareForSort(col[a] ?? null, col[b] ?? null, spec.partition[i]!);
    if (c !== 0) return c;
  }
  return compareOrder(spec, keys, a, b);
}

function compareOrder(spec: WindowOrdering, keys: WindowKeys, a: number, b: number): number {
  for (let i = 0; i < spec.order.length; i++) {
    const col = keys.order[i]!;
    const c = compareOrderValue(spec.order[i]!, col[a] ?? null, col[b] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * `sequence` (row numbers) stably sorted for `spec`. Input already in that order (a scan in
 * ORDER BY order, or a second window sorting like the first) is recognised in one pass.
 */
export function sortForWindow(spec: WindowOrdering, keys: WindowKeys, sequence: Int32Array): Int32Array {
  if (spec.partition.length === 0 && spec.order.length === 0) return sequence;
  const cmp = numericComparator(keyColumns(spec, keys, true, true)) ?? ((a: number, b: number) => compareRows(spec, keys, a, b));
  let sorted = true;
  for (let i = 1; i < sequence.length && sorted; i++) {
    if (cmp(sequence[i - 1]!, sequence[i]!) > 0) sorted = false;
  }
  if (sorted) return sequence;
  // Array.prototype.sort is stable.
  const out = Array.from(sequence).sort(cmp);
  return Int32Array.from(out);
}

/**
 * When every key column holds only INTEGERs and REALs (no NULL, text or blob — the common
 * case), rows compare by plain `<` on the values: no collation, no storage-class ranking.
 */
function numericComparator(cols: readonly KeyColumn[]): ((a: number, b: number) => number) | undefined {
  if (cols.length === 0) return undefined;
  for (const { col } of cols) {
    for (const v of col) if (typeof v !== 'bigint' && typeof v !== 'number') return undefined;
  }
  if (cols.length === 1) {
    const { col, sign } = cols[0]!;
    // Doubles compare faster than BigInts: exact while every INTEGER is within ±2^53.
    const f = new Float64Array(col.length);
    let exact = true;
    for (let i = 0; i < col.length && exact; i++) {
      const v = col[i]!;
      if (typeof v === 'bigint' && (v > MAX_EXACT || v < -MAX_EXACT)) exact = false;
      else f[i] = Number(v);
    }
    if (exact) {
      return (a, b) => {
        const x = f[a]!;
        const y = f[b]!;
        return x < y ? -sign : x > y ? sign : 0;
      };
    }
    return (a, b) => {
      const x = col[a]!;
      const y = col[b]!;
      return x < y ? -sign : x > y ? sign : 0;
    };
  }
  return (a, b) => {
    for (const { col, sign } of cols) {
      const x = col[a]!;
      const y = col[b]!;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  };
}

/** Splits rows sorted by `sortForWindow` into partitions, with their peer groups. */
export function partitionsOf(spec: WindowOrdering, keys: WindowKeys, sorted: Int32Array): Partition[] {
  const out: Partition[] = [];
  const n = sorted.length;
  const partCmp = numericComparator(keyColumns(spec, keys, true, false));
  const same = partCmp === undefined ? (a: number, b: number) => samePartition(spec, keys, a, b) : (a: number, b: number) => partCmp(a, b) === 0;
  const peerCmp = numericComparator(keyColumns(spec, keys, false, true)) ?? ((a: number, b: number) => compareOrder(spec, keys, a, b));
  let start = 0;
  while (start < n) {
    let end = start + 1;
    if (spec.partition.length > 0) {
      const first = sorted[start]!;
      while (end < n && same(first, sorted[end]!)) end++;
    } else end = n;
    out.push(peerGroups(spec, peerCmp, sorted.subarray(start, end)));
    start = end;
  }
  return out;
}

function samePartition(spec: WindowOrdering, keys: WindowKeys, a: number, b: number): boolean {
  for (let i = 0; i < spec.partition.length; i++) {
    const col = keys.partition[i]!;
    if (compareForSort(col[a] ?? null, col[b] ?? null, spec.partition[i]!) !== 0) return false;
  }
  return true;
}

function peerGroups(spec: WindowOrdering, cmp: (a: number, b: number) => number, rows: Int32Array): Partition {
  const size = rows.length;
  const group = new Int32Array(size);
  const starts = new Int32Array(size + 1);
  let groups = 1;
  if (spec.order.length > 0) {
    for (let p = 1; p < size; p++) {
      if (cmp(rows[p - 1]!, rows[p]!) !== 0) starts[groups++] = p;
      group[p] = groups - 1;
    }
  }
  starts[groups] = size;
  return { rows, group, groupStart: starts.subarray(0, groups + 1) };
}
