/**
 * Changing an R*Tree the way SQLite's rtree.c does it, step for step, so that the same
 * sequence of inserts and deletes leaves the same node bytes, node numbers and mappings:
 *
 *   insert   ChooseLeaf (ChooseSubtree: least area growth, then least area; first wins ties)
 *            down to the leaf; the cell appended; an overfull node is either split or, once
 *            per height per row (iReinsertHeight), "forced reinsert"-ed: the cells sorted by
 *            rtree.c's distance measure, the last MINCELLS+1 taken out and inserted again from
 *            the root. The root is always split.
 *   split    splitNodeStartree (Beckmann et al.): per axis the cells sorted by (min, max), each
 *            split point from MINCELLS to n-MINCELLS scored; the axis with the least total
 *            margin wins, within it the split with least overlap, then least area. A root split
 *            makes two new children (right numbered first) and deepens the tree.
 *   delete   the cell leaves its leaf (x_rowid says which); an underfull non-root node leaves
 *            the tree (its row and x_parent row deleted) and its cells are inserted again at
 *            their height afterwards, last removed first; a root with one child absorbs it.
 *
 * A new node is numbered max(nodeno) + 1 when the split has filled it (SQLite inserts its row
 * with a NULL nodeno then, the right node before a new left one), so numbers freed by deletes
 * at the top are used again. Changed nodes stay cached until the statement ends (`flush`). MINCELLS is a third
 * of what a node holds. `reinsertHeight` is per connection and outlives a row, as
 * Rtree.iReinsertHeight does (a delete's re-insertions see the last insert's value).
 */
import { CorruptError } from '../../errors.js';
import {
  cellArea,
  cellContains,
  cellMargin,
  cellOverlap,
  cellUnion,
  coordsArea,
  copyCell,
  rtreeMergeSort,
  unionArea,
  type Cell,
  type RtreeShape,
} from './rtree-cell.js';
import { RtreeNode } from './rtree-node.js';

/** SQLite's RTREE_MAX_DEPTH. */
const MAX_DEPTH = 40;

/** The shadow-table operations the tree needs (rtree.c's prepared statements). */
export interface RtreeIo {
  /** The blob of node `no`; a CorruptError when it is missing or misshapen. */
  readNode(no: bigint): Promise<Uint8Array>;
  /** INSERT OR REPLACE INTO x_node VALUES(no, data). */
  writeNode(no: bigint, data: Uint8Array): Promise<void>;
  /** INSERT INTO x_node VALUES(NULL, data): the new node's number. */
  appendNode(data: Uint8Array): Promise<bigint>;
  deleteNode(no: bigint): Promise<void>;
  /** x_rowid's nodeno for `id`, or undefined when there is no row. */
  readRowid(id: bigint): Promise<bigint | undefined>;
  writeRowid(id: bigint, no: bigint): Promise<void>;
  deleteRowid(id: bigint): Promise<void>;
  readParent(no: bigint): Promise<bigint | undefined>;
  writeParent(no: bigint, parent: bigint): Promise<void>;
  deleteParent(no: bigint): Promise<void>;
}

/** Per-connection state that rtree.c keeps in its Rtree object between rows. */
export interface RtreeSession {
  reinsertHeight: number;
}

export class RtreeTree {
  private readonly cache = new Map<bigint, RtreeNode>();
  /** Nodes taken out of the tree by a delete, with their height; re-inserted last-in first. */
  private readonly removed: { node: RtreeNode; height: number }[] = [];
  private depth = 0;
  private readonly scratch: number[] = [];
  readonly minCells: number;

  constructor(
    private readonly name: string,
    private readonly shape: RtreeShape,
    private readonly nodeSize: number,
    private readonly io: RtreeIo,
    private readonly session: RtreeSession,
  ) {
    this.minCells = Math.floor(Math.floor((nodeSize - 4) / (8 + 8 * shape.dims)) / 3);
  }

  private corrupt(message: string): CorruptError {
    return new CorruptError(`rtree ${this.name}: ${message}`);
  }

  /** nodeAcquire: the node (from this row's cache, else read), with its parent when given. */
  private async acquire(no: bigint, parent: RtreeNode | undefined): Promise<RtreeNode> {
    let node = this.cache.get(no);
    if (node === undefined) {
      const data = await this.io.readNode(no);
      node = new RtreeNode(no, data, this.shape);
      if (node.count > node.maxCells) throw this.corrupt(`node ${no} claims ${node.count} cells`);
      this.cache.set(no, node);
    }
    if (parent !== undefined) {
      for (let p: RtreeNode | undefined = parent; p !== undefined; p = p.parent) if (p === node) throw this.corrupt(`node ${no} is its own ancestor`);
      node.parent = parent;
    }
    if (no === 1n) {
      this.depth = node.depth;
      if (this.depth > MAX_DEPTH) throw this.corrupt(`depth ${this.depth} exceeds ${MAX_DEPTH}`);
    }
    return node;
  }

  /** nodeNew: a fresh node, unnumbered until `number` (nodeWrite) gives it max + 1. */
  private newNode(parent: RtreeNode | undefined): RtreeNode {
    const node = new RtreeNode(0n, new Uint8Array(this.nodeSize), this.shape);
    node.parent = parent;
    return node;
  }

  /** nodeWrite of a new node: its row is inserted now, so it takes max(nodeno) + 1. */
  private async number(node: RtreeNode): Promise<void> {
    if (node.no !== 0n) return;
    node.no = await this.io.appendNode(node.data);
    node.dirty = false;
    this.cache.set(node.no, node);
  }

  /**
   * The end of a row: every node is let go (rtree.c's nodeRelease clears pParent when the last
   * reference goes), so the next row learns parents afresh from its descent or from x_parent;
   * the node images stay cached, changes included, until `flush`.
   */
  release(): void {
    for (const node of this.cache.values()) node.parent = undefined;
  }

  /** Writes every changed node back (rtreeFlushCache, at the end of a statement) and forgets them. */
  async flush(): Promise<void> {
    for (const node of this.cache.values()) {
      if (node.dirty) {
        await this.io.writeNode(node.no, node.data);
        node.dirty = false;
      }
    }
    this.cache.clear();
  }

  /** nodeParentIndex: where `node` is among its parent's cells. */
  private parentIndex(node: RtreeNode): number {
    const parent = node.parent;
    const i = parent === undefined ? -1 : parent.indexOf(node.no);
    if (i < 0) throw this.corrupt(`node ${node.no} is not in its parent`);
    return i;
  }

  /** ChooseLeaf: the node at `height` (0 = leaf) that `cell` goes into. */
  private async chooseLeaf(cell: Cell, height: number): Promise<RtreeNode> {
    let node = await this.acquire(1n, undefined);
    for (let level = 0; level < this.depth - height; level++) {
      let best = 0n;
      let minGrowth = 0;
      let minArea = 0;
      const n = node.count;
      const c = this.scratch;
      for (let i = 0; i < n; i++) {
        // cellGrowth and cellArea, computed as there but without copies.
        node.coordsInto(i, c);
        const area = coordsArea(this.shape, c);
        const growth = unionArea(this.shape, c, cell) - area;
        if (i === 0 || growth < minGrowth || (growth === minGrowth && area < minArea)) {
          minGrowth = growth;
          minArea = area;
          best = node.idAt(i);
        }
      }
      node = await this.acquire(best, node);
    }
    return node;
  }

  /** AdjustTree: the boxes above `node` grow to hold `cell`. */
  private adjustTree(node: RtreeNode, cell: Cell): void {
    let p = node;
    let steps = 0;
    while (p.parent !== undefined) {
      if (++steps > MAX_DEPTH) throw this.corrupt('the parent chain is too long');
      const parent = p.parent;
      const i = this.parentIndex(p);
      const box = parent.cell(i);
      if (!cellContains(this.shape, box, cell)) {
        cellUnion(this.shape, box, cell);
        parent.overwrite(box, i);
      }
      p = parent;
    }
  }

  /** updateMapping / rowidWrite / parentWrite: entry or child `id` now lives in `node`. */
  private async setMapping(id: bigint, node: RtreeNode, height: number): Promise<void> {
    if (height === 0) {
      await this.io.writeRowid(id, node.no);
      return;
    }
    const child = this.cache.get(id);
    if (child !== undefined) {
      for (let p: RtreeNode | undefined = node; p !== undefined; p = p.parent) if (p === child) throw this.corrupt(`node ${id} would be its own ancestor`);
      child.parent = node;
    }
    await this.io.writeParent(id, node.no);
  }

  /** rtreeInsertCell: `cell` into `node`, the head of a subtree `height` high. */
  private async insertCell(node: RtreeNode, cell: Cell, height: number): Promise<void> {
    if (height > 0) {
      const child = this.cache.get(cell.id);
      if (child !== undefined) child.parent = node;
    }
    if (node.append(cell)) {
      if (height <= this.session.reinsertHeight || node.no === 1n) await this.split(node, cell, height);
      else {
        this.session.reinsertHeight = height;
        await this.reinsert(node, cell, height);
      }
    } else {
      this.adjustTree(node, cell);
      await this.setMapping(cell.id, node, height);
    }
  }

  /** splitNodeStartree: deals `cells` out to `left` and `right`; returns their boxes. */
  private splitCells(cells: Cell[], left: RtreeNode, right: RtreeNode): { leftBox: Cell; rightBox: Cell } {
    const shape = this.shape;
    const n = cells.length;
    const min = this.minCells;
    const sorted: number[][] = [];
    for (let d = 0; d < shape.dims; d++) {
      const idx = cells.map((_c, i) => i);
      rtreeMergeSort(idx, (a, b) => {
        const la = cells[a]!.c[2 * d]!;
        const lb = cells[b]!.c[2 * d]!;
        return la < lb || (la === lb && cells[a]!.c[2 * d + 1]! < cells[b]!.c[2 * d + 1]!);
      });
      sorted.push(idx);
    }
    let bestDim = 0;
    let bestSplit = 0;
    let bestMargin = 0;
    for (let d = 0; d < shape.dims; d++) {
      const order = sorted[d]!;
      let margin = 0;
      let bestOverlap = 0;
      let bestArea = 0;
      let bestLeft = 0;
      for (let nLeft = min; nLeft <= n - min; nLeft++) {
        const l = copyCell(cells[order[0]!]!);
        const r = copyCell(cells[order[n - 1]!]!);
        for (let k = 1; k < n - 1; k++) cellUnion(shape, k < nLeft ? l : r, cells[order[k]!]!);
        margin += cellMargin(shape, l);
        margin += cellMargin(shape, r);
        const overlap = cellOverlap(shape, l, r);
        const area = cellArea(shape, l) + cellArea(shape, r);
        if (nLeft === min || overlap < bestOverlap || (overlap === bestOverlap && area < bestArea)) {
          bestLeft = nLeft;
          bestOverlap = overlap;
          bestArea = area;
        }
      }
      if (d === 0 || margin < bestMargin) {
        bestDim = d;
        bestMargin = margin;
        bestSplit = bestLeft;
      }
    }
    const order = sorted[bestDim]!;
    const leftBox = copyCell(cells[order[0]!]!);
    const rightBox = copyCell(cells[order[bestSplit]!]!);
    for (let i = 0; i < n; i++) {
      const c = cells[order[i]!]!;
      (i < bestSplit ? left : right).append(c);
      cellUnion(shape, i < bestSplit ? leftBox : rightBox, c);
    }
    return { leftBox, rightBox };
  }

  /** SplitNode: the full `node` and `cell` over two nodes, the parent told (and maybe split). */
  private async split(node: RtreeNode, cell: Cell, height: number): Promise<void> {
    const n = node.count;
    const cells: Cell[] = [];
    for (let i = 0; i < n; i++) cells.push(node.cell(i));
    node.zero();
    cells.push(copyCell(cell));
    let left: RtreeNode;
    let right: RtreeNode;
    const isRoot = node.no === 1n;
    if (isRoot) {
      right = this.newNode(node);
      left = this.newNode(node);
      this.depth++;
      node.depth = this.depth;
    } else {
      left = node;
      right = this.newNode(node.parent);
    }
    left.data.fill(0);
    right.data.fill(0);
    left.dirty = true;
    right.dirty = true;
    const { leftBox, rightBox } = this.splitCells(cells, left, right);
    await this.number(right);
    await this.number(left);
    rightBox.id = right.no;
    leftBox.id = left.no;
    if (isRoot) {
      await this.insertCell(node, leftBox, height + 1);
    } else {
      const parent = left.parent!;
      const i = this.parentIndex(left);
      parent.overwrite(leftBox, i);
      this.adjustTree(parent, leftBox);
    }
    await this.insertCell(right.parent!, rightBox, height + 1);
    let newCellIsRight = false;
    for (let i = 0; i < right.count; i++) {
      const id = right.idAt(i);
      await this.setMapping(id, right, height);
      if (id === cell.id) newCellIsRight = true;
    }
    if (isRoot) {
      for (let i = 0; i < left.count; i++) await this.setMapping(left.idAt(i), left, height);
    } else if (!newCellIsRight) {
      await this.setMapping(cell.id, left, height);
    }
  }

  /** Reinsert: R*-tree forced reinsertion of the cells farthest (by rtree.c's measure) from the centre. */
  private async reinsert(node: RtreeNode, cell: Cell, height: number): Promise<void> {
    const dims = this.shape.dims;
    const n = node.count + 1;
    const cells: Cell[] = [];
    const center = new Array<number>(dims).fill(0);
    for (let i = 0; i < n; i++) {
      const c = i === n - 1 ? copyCell(cell) : node.cell(i);
      cells.push(c);
      for (let d = 0; d < dims; d++) {
        center[d] = center[d]! + c.c[2 * d]!;
        center[d] = center[d]! + c.c[2 * d + 1]!;
      }
    }
    for (let d = 0; d < dims; d++) center[d] = center[d]! / (n * 2);
    // rtree.c measures each cell's extent (max - min), not its centre, against the centre.
    const distance = cells.map((c) => {
      let sum = 0;
      for (let d = 0; d < dims; d++) {
        const coord = c.c[2 * d + 1]! - c.c[2 * d]!;
        sum += (coord - center[d]!) * (coord - center[d]!);
      }
      return sum;
    });
    const order = cells.map((_c, i) => i);
    rtreeMergeSort(order, (a, b) => distance[a]! < distance[b]!);
    node.zero();
    const keep = n - (this.minCells + 1);
    let i = 0;
    for (; i < keep; i++) {
      const p = cells[order[i]!]!;
      node.append(p);
      if (p.id === cell.id) {
        if (height === 0) await this.io.writeRowid(p.id, node.no);
        else await this.io.writeParent(p.id, node.no);
      }
    }
    await this.fixBoundingBox(node);
    for (; i < n; i++) {
      const p = cells[order[i]!]!;
      const target = await this.chooseLeaf(p, height);
      await this.insertCell(target, p, height);
    }
  }

  /** fixLeafParent: the parent chain of `leaf` up to the root, from x_parent where unknown. */
  private async fixLeafParent(leaf: RtreeNode): Promise<void> {
    let child = leaf;
    let steps = 0;
    while (child.no !== 1n && child.parent === undefined) {
      if (++steps > MAX_DEPTH) throw this.corrupt('the parent chain is too long');
      const parentNo = await this.io.readParent(child.no);
      if (parentNo === undefined) throw this.corrupt(`node ${child.no} has no parent`);
      child.parent = await this.acquire(parentNo, undefined);
      for (let p: RtreeNode | undefined = child.parent; p !== undefined; p = p.parent) if (p === child) throw this.corrupt(`node ${child.no} is its own ancestor`);
      child = child.parent;
    }
  }

  /** deleteCell: cell `i` leaves `node`; an underfull non-root node leaves the tree. */
  private async deleteCell(node: RtreeNode, i: number, height: number): Promise<void> {
    await this.fixLeafParent(node);
    node.remove(i);
    if (node.parent !== undefined) {
      if (node.count < this.minCells) await this.removeNode(node, height);
      else await this.fixBoundingBox(node);
    }
  }

  /** removeNode: `node` out of its parent and the shadow tables; its cells wait for re-insertion. */
  private async removeNode(node: RtreeNode, height: number): Promise<void> {
    const i = this.parentIndex(node);
    const parent = node.parent!;
    node.parent = undefined;
    await this.deleteCell(parent, i, height + 1);
    await this.io.deleteNode(node.no);
    await this.io.deleteParent(node.no);
    this.cache.delete(node.no);
    node.dirty = false;
    this.removed.push({ node, height });
  }

  /** fixBoundingBox: the parent's box for `node` becomes exactly its cells' union, up to the root. */
  private async fixBoundingBox(node: RtreeNode): Promise<void> {
    const parent = node.parent;
    if (parent === undefined) return;
    const box = node.cell(0);
    for (let i = 1; i < node.count; i++) cellUnion(this.shape, box, node.cell(i));
    box.id = node.no;
    parent.overwrite(box, this.parentIndex(node));
    await this.fixBoundingBox(parent);
  }

  /** reinsertNodeContent: every cell of a removed node, inserted again at its height. */
  private async reinsertContent(node: RtreeNode, height: number): Promise<void> {
    for (let i = 0; i < node.count; i++) {
      const c = node.cell(i);
      const target = await this.chooseLeaf(c, height);
      await this.insertCell(target, c, height);
    }
  }

  /** rtreeDeleteRowid: entry `id` leaves the tree (x_rowid row included). */
  async deleteEntry(id: bigint): Promise<void> {
    const root = await this.acquire(1n, undefined);
    const leafNo = await this.io.readRowid(id);
    if (leafNo !== undefined) {
      const leaf = await this.acquire(leafNo, undefined);
      const i = leaf.indexOf(id);
      if (i < 0) throw this.corrupt(`entry ${id} is not in node ${leafNo}`);
      await this.deleteCell(leaf, i, 0);
    }
    await this.io.deleteRowid(id);
    if (this.depth > 0 && root.count === 1) {
      const child = await this.acquire(root.idAt(0), root);
      await this.removeNode(child, this.depth - 1);
      this.depth--;
      root.depth = this.depth;
    }
    for (let r = this.removed.pop(); r !== undefined; r = this.removed.pop()) await this.reinsertContent(r.node, r.height);
  }

  /**
   * The insert half of rtreeUpdate: ChooseLeaf, then rtreeInsertCell with reinsertion armed.
   * Returns the number of the leaf ChooseLeaf chose (the node rtree.c releases, and so writes,
   * last).
   */
  async insertEntry(cell: Cell): Promise<bigint> {
    const leaf = await this.chooseLeaf(cell, 0);
    this.session.reinsertHeight = -1;
    await this.insertCell(leaf, cell, 0);
    return leaf.no;
  }
}
