/**
 * Walking an R*Tree as SQLite's rtree.c does, on the node blobs of x_node:
 *
 *   offset 0   2 bytes  tree depth, big-endian (root node 1 only; 0 = the root is a leaf)
 *   offset 2   2 bytes  number of cells
 *   offset 4   cells, each 8 + 8·dims bytes:
 *                8 bytes  big-endian id: the entry's rowid in a leaf, a child's nodeno above
 *                then per dimension a min and a max, 4 bytes big-endian each: IEEE float32
 *                (rtree) or two's-complement int32 (rtree_i32)
 *
 * Rows come out in SQLite's order: with every score equal, its priority queue visits the tree
 * depth-first, cells in node order. A cell of an interior node is entered when its box may
 * hold a match (rtreeNonleafConstraint), a leaf cell is a row when every constraint holds
 * (rtreeLeafConstraint). The walk reads each node at most once: a node reached twice (a
 * cycle or a shared child), a depth over 40 or a leaf id missing from its node is a
 * CorruptError, so hostile bytes cannot make it loop or blow up.
 */
import { CorruptError } from '../../errors.js';
import type { RtreeStore } from './rtree-store.js';

/** SQLite's RTREE_MAX_DEPTH: nodes hold ≥ 3 cells, and 3^40 > 2^64. */
const MAX_DEPTH = 40;

/**
 * A constraint on coordinate `coord` (0-based: 2k is dimension k's min, 2k+1 its max) against
 * `value`. TRUE and FALSE stand for comparisons with a non-numeric value, as in rtree.c
 * (NULL never matches; text or a blob is above every number).
 */
export interface RtreeConstraint {
  readonly coord: number;
  readonly op: 'EQ' | 'LE' | 'LT' | 'GE' | 'GT' | 'TRUE' | 'FALSE';
  readonly value: number;
}

/** A leaf cell: `data` is its node's blob and `at` the cell's offset in it. */
export interface RtreeHit {
  readonly data: Uint8Array;
  readonly at: number;
}

export function cellCount(data: Uint8Array): number {
  return (data[2]! << 8) | data[3]!;
}

export function cellId(data: Uint8Array, at: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigInt64(at, false);
}

/** Coordinate `k` of the cell at `at`, as a double (what rtree.c compares). */
export function coordAt(view: DataView, at: number, k: number, int32: boolean): number {
  const o = at + 8 + 4 * k;
  return int32 ? view.getInt32(o, false) : view.getFloat32(o, false);
}

function leafPasses(view: DataView, at: number, cons: readonly RtreeConstraint[], int32: boolean): boolean {
  for (const c of cons) {
    if (c.op === 'TRUE') continue;
    if (c.op === 'FALSE') return false;
    const x = coordAt(view, at, c.coord, int32);
    const v = c.value;
    const ok = c.op === 'LE' ? x <= v : c.op === 'LT' ? x < v : c.op === 'GE' ? x >= v : c.op === 'GT' ? x > v : x === v;
    if (!ok) return false;
  }
  return true;
}

function boxMayMatch(view: DataView, at: number, cons: readonly RtreeConstraint[], int32: boolean): boolean {
  for (const c of cons) {
    if (c.op === 'TRUE') continue;
    if (c.op === 'FALSE') return false;
    const lo = coordAt(view, at, c.coord & ~1, int32);
    const hi = coordAt(view, at, (c.coord & ~1) + 1, int32);
    const v = c.value;
    const ok = c.op === 'EQ' ? v >= lo && v <= hi : c.op === 'LE' || c.op === 'LT' ? v >= lo : v <= hi;
    if (!ok) return false;
  }
  return true;
}

interface Frame {
  readonly data: Uint8Array;
  readonly view: DataView;
  /** 1 for a leaf node, more above. */
  readonly level: number;
  cell: number;
}

/** The leaf cells matching every constraint, depth-first in cell order. */
export async function* rtreeSearch(store: RtreeStore, cons: readonly RtreeConstraint[]): AsyncGenerator<RtreeHit> {
  const int32 = store.def.int32;
  const size = store.cellSize;
  const root = await store.node(1n);
  const depth = (root[0]! << 8) | root[1]!;
  if (depth > MAX_DEPTH) throw new CorruptError(`rtree ${store.def.name}: depth ${depth} exceeds ${MAX_DEPTH}`);
  const frame = (data: Uint8Array, level: number): Frame => ({ data, view: new DataView(data.buffer, data.byteOffset, data.byteLength), level, cell: 0 });
  const seen = new Set<bigint>([1n]);
  const stack: Frame[] = [frame(root, depth + 1)];
  /**
   * Before an interior node's children are walked, the ones that may match are fetched together
   * (their x_node leaves in parallel): a search costs a round of requests per interior node
   * visited, not one per node. A hint only; `store.node` checks what it reads.
   */
  const warm = async (f: Frame): Promise<void> => {
    if (f.level === 1) return;
    const children: bigint[] = [];
    const n = cellCount(f.data);
    for (let i = 0; i < n; i++) {
      const at = 4 + size * i;
      if (boxMayMatch(f.view, at, cons, int32)) children.push(f.view.getBigInt64(at, false));
    }
    await store.prefetch(children);
  };
  await warm(stack[0]!);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.cell >= cellCount(f.data)) {
      stack.pop();
      continue;
    }
    const at = 4 + size * f.cell++;
    if (f.level === 1) {
      if (leafPasses(f.view, at, cons, int32)) yield { data: f.data, at };
      continue;
    }
    if (!boxMayMatch(f.view, at, cons, int32)) continue;
    const child = f.view.getBigInt64(at, false);
    if (seen.has(child)) throw new CorruptError(`rtree ${store.def.name}: node ${child} is reached twice`);
    seen.add(child);
    const next = frame(await store.node(child), f.level - 1);
    stack.push(next);
    await warm(next);
  }
}

/** The entry with id `rowid` (found through x_rowid), if there is one. */
export async function rtreeLookup(store: RtreeStore, rowid: bigint): Promise<RtreeHit | undefined> {
  const entry = await store.entry(rowid);
  if (entry === undefined) return undefined;
  const nodeno = entry.nodeno;
  if (typeof nodeno !== 'bigint') throw new CorruptError(`rtree ${store.def.name}: x_rowid names no node for ${rowid}`);
  const data = await store.node(nodeno);
  const n = cellCount(data);
  for (let i = 0; i < n; i++) {
    const at = 4 + store.cellSize * i;
    if (cellId(data, at) === rowid) return { data, at };
  }
  throw new CorruptError(`rtree ${store.def.name}: entry ${rowid} is not in node ${nodeno}`);
}
