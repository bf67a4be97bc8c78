/**
 * R*Tree cells and the arithmetic rtree.c does on them while writing, reproduced operation for
 * operation so that a tree built here has the bytes SQLite's would have:
 *
 *   cell on disk   8-byte big-endian id, then per dimension a min and a max (4 bytes each,
 *                  big-endian IEEE float32 for rtree, int32 for rtree_i32)
 *
 * In memory a cell's coordinates are JavaScript numbers holding the exact float32 (or int32)
 * values. Where rtree.c computes in C `float` (a float32 `max - min` in cellArea) the result is
 * rounded with Math.fround — rounding the double difference of two floats to float gives the
 * correctly rounded float difference (53 ≥ 2·24 + 2 bits) — everything else is in double, as
 * RtreeDValue is. Loops run in rtree.c's order, because floating-point sums and products
 * depend on it.
 */

export interface RtreeShape {
  /** Number of dimensions, 1…5. */
  readonly dims: number;
  /** rtree_i32: int32 coordinates; rtree: float32. */
  readonly int32: boolean;
}

export interface Cell {
  /** A rowid in a leaf, a child node number above. */
  id: bigint;
  /** 2·dims coordinates: min0, max0, min1, max1, … */
  readonly c: number[];
}

export function copyCell(cell: Cell): Cell {
  return { id: cell.id, c: cell.c.slice() };
}

/** cellArea: the product of the extents, from the last dimension to the first. */
export function cellArea(shape: RtreeShape, p: Cell): number {
  return coordsArea(shape, p.c);
}

/** cellArea of bare coordinates. */
export function coordsArea(shape: RtreeShape, c: readonly number[]): number {
  let area = 1;
  for (let d = shape.dims - 1; d >= 0; d--) {
    const extent = c[2 * d + 1]! - c[2 * d]!;
    area *= shape.int32 ? extent : Math.fround(extent);
  }
  return area;
}

/** cellArea of the union of `c` and `cell` (cellUnion's MIN/MAX, then cellArea), without a copy. */
export function unionArea(shape: RtreeShape, c: readonly number[], cell: Cell): number {
  let area = 1;
  for (let d = shape.dims - 1; d >= 0; d--) {
    const lo1 = c[2 * d]!;
    const lo2 = cell.c[2 * d]!;
    const hi1 = c[2 * d + 1]!;
    const hi2 = cell.c[2 * d + 1]!;
    const extent = (hi1 < hi2 ? hi2 : hi1) - (lo1 > lo2 ? lo2 : lo1);
    area *= shape.int32 ? extent : Math.fround(extent);
  }
  return area;
}

/** cellMargin: the sum of the extents (in double), from the last dimension to the first. */
export function cellMargin(shape: RtreeShape, p: Cell): number {
  let margin = 0;
  for (let d = shape.dims - 1; d >= 0; d--) margin += p.c[2 * d + 1]! - p.c[2 * d]!;
  return margin;
}

/** cellUnion: `p1` grows to hold `p2` (C's MIN and MAX macros: ties keep the first operand). */
export function cellUnion(shape: RtreeShape, p1: Cell, p2: Cell): void {
  const n = 2 * shape.dims;
  for (let i = 0; i < n; i += 2) {
    const lo1 = p1.c[i]!;
    const lo2 = p2.c[i]!;
    const hi1 = p1.c[i + 1]!;
    const hi2 = p2.c[i + 1]!;
    p1.c[i] = lo1 > lo2 ? lo2 : lo1;
    p1.c[i + 1] = hi1 < hi2 ? hi2 : hi1;
  }
}

/** cellContains: `p2` lies within `p1`. */
export function cellContains(shape: RtreeShape, p1: Cell, p2: Cell): boolean {
  const n = 2 * shape.dims;
  for (let i = 0; i < n; i += 2) {
    if (p2.c[i]! < p1.c[i]! || p2.c[i + 1]! > p1.c[i + 1]!) return false;
  }
  return true;
}

/** cellOverlap of `p` with one other cell (the only use rtree.c makes of it now). */
export function cellOverlap(shape: RtreeShape, p: Cell, other: Cell): number {
  let o = 1;
  const n = 2 * shape.dims;
  for (let j = 0; j < n; j += 2) {
    const x1 = Math.max(p.c[j]!, other.c[j]!);
    const x2 = Math.min(p.c[j + 1]!, other.c[j + 1]!);
    if (x2 < x1) return 0;
    o = o * (x2 - x1);
  }
  return 0 + o;
}

/**
 * rtree.c's merge sort of index arrays (SortByDistance, SortByDimension): halves of
 * ⌊n/2⌋ and the rest sorted recursively, then merged taking the left element only when
 * `leftFirst(left, right)` — so equal keys go right first, exactly as there.
 */
export function rtreeMergeSort(idx: number[], leftFirst: (a: number, b: number) => boolean): void {
  const sort = (from: number, n: number): void => {
    if (n <= 1) return;
    const nLeft = n >> 1;
    const nRight = n - nLeft;
    sort(from, nLeft);
    sort(from + nLeft, nRight);
    const left = idx.slice(from, from + nLeft);
    let i = 0;
    let j = 0;
    while (i < nLeft || j < nRight) {
      if (i < nLeft && (j === nRight || leftFirst(left[i]!, idx[from + nLeft + j]!))) {
        idx[from + i + j] = left[i]!;
        i++;
      } else {
        idx[from + i + j] = idx[from + nLeft + j]!;
        j++;
      }
    }
  };
  sort(0, idx.length);
}

/** RNDTOWARDS and RNDAWAY: 1 ∓ 2⁻²³. */
const RND_TOWARDS = 1 - 1 / 8388608;
const RND_AWAY = 1 + 1 / 8388608;

/** rtreeValueDown: a float32 at or below `d` (the min of a box never grows past its value). */
export function float32Down(d: number): number {
  let f = Math.fround(d);
  if (f > d) f = Math.fround(d * (d < 0 ? RND_AWAY : RND_TOWARDS));
  return f;
}

/** rtreeValueUp: a float32 at or above `d`. */
export function float32Up(d: number): number {
  let f = Math.fround(d);
  if (f < d) f = Math.fround(d * (d < 0 ? RND_TOWARDS : RND_AWAY));
  return f;
}
