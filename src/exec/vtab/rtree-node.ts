/**
 * One R*Tree node in memory, edited in place as rtree.c edits its node buffer, so the bytes
 * written back are SQLite's to the last one — including what SQLite leaves behind:
 *
 *   offset 0   2 bytes  tree depth (root, node 1, only; other nodes keep 0 here)
 *   offset 2   2 bytes  number of cells
 *   offset 4   cells of 8 + 8·dims bytes (see rtree-cell.ts)
 *
 * Deleting a cell moves the following cells down and leaves the old last cell's bytes where
 * they were past the new end (nodeDeleteCell's memmove); only a zeroed node (nodeZero: all but
 * the depth bytes) or a new one is clean.
 */
import type { Cell, RtreeShape } from './rtree-cell.js';

export class RtreeNode {
  readonly view: DataView;
  /** The parent while it is known (rtree.c's pParent); undefined for the root or when not loaded. */
  parent: RtreeNode | undefined;
  dirty = false;

  constructor(
    /** 0n until a new node is given its number. */
    public no: bigint,
    readonly data: Uint8Array,
    readonly shape: RtreeShape,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get cellSize(): number {
    return 8 + 8 * this.shape.dims;
  }

  /** Most cells a node holds: (size - 4) / cell size. */
  get maxCells(): number {
    return Math.floor((this.data.length - 4) / this.cellSize);
  }

  get count(): number {
    return this.view.getUint16(2, false);
  }

  set count(n: number) {
    this.view.setUint16(2, n, false);
    this.dirty = true;
  }

  get depth(): number {
    return this.view.getUint16(0, false);
  }

  set depth(d: number) {
    this.view.setUint16(0, d, false);
    this.dirty = true;
  }

  idAt(i: number): bigint {
    return this.view.getBigInt64(4 + this.cellSize * i, false);
  }

  cell(i: number): Cell {
    const at = 4 + this.cellSize * i;
    const n = 2 * this.shape.dims;
    const c = new Array<number>(n);
    for (let k = 0; k < n; k++) c[k] = this.shape.int32 ? this.view.getInt32(at + 8 + 4 * k, false) : this.view.getFloat32(at + 8 + 4 * k, false);
    return { id: this.view.getBigInt64(at, false), c };
  }

  /** Cell `i`'s coordinates into `out` (no allocation: ChooseLeaf reads every cell of a path). */
  coordsInto(i: number, out: number[]): void {
    const at = 4 + this.cellSize * i + 8;
    const n = 2 * this.shape.dims;
    for (let k = 0; k < n; k++) out[k] = this.shape.int32 ? this.view.getInt32(at + 4 * k, false) : this.view.getFloat32(at + 4 * k, false);
  }

  /** nodeOverwriteCell. */
  overwrite(cell: Cell, i: number): void {
    const at = 4 + this.cellSize * i;
    this.view.setBigInt64(at, BigInt.asIntN(64, cell.id), false);
    const n = 2 * this.shape.dims;
    for (let k = 0; k < n; k++) {
      if (this.shape.int32) this.view.setInt32(at + 8 + 4 * k, cell.c[k]!, false);
      else this.view.setFloat32(at + 8 + 4 * k, cell.c[k]!, false);
    }
    this.dirty = true;
  }

  /** nodeInsertCell: appends the cell; true (and nothing written) when the node is full. */
  append(cell: Cell): boolean {
    const n = this.count;
    if (n >= this.maxCells) return true;
    this.overwrite(cell, n);
    this.count = n + 1;
    return false;
  }

  /** nodeDeleteCell: later cells move down; the bytes past the new end stay. */
  remove(i: number): void {
    const size = this.cellSize;
    const n = this.count;
    const dst = 4 + size * i;
    this.data.copyWithin(dst, dst + size, 4 + size * n);
    this.count = n - 1;
  }

  /** nodeZero: everything but the depth bytes. */
  zero(): void {
    this.data.fill(0, 2);
    this.dirty = true;
  }

  /** The index of the cell whose id is `id`, or -1. */
  indexOf(id: bigint): number {
    const n = this.count;
    for (let i = 0; i < n; i++) if (this.idAt(i) === id) return i;
    return -1;
  }
}
