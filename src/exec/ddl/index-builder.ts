/**
 * Builds a whole index b-tree bottom-up from entries already in index order (CREATE INDEX on
 * a populated table): leaves are filled one after the other, full, and the entry that does not
 * fit ends the leaf and becomes a divider one level up; each upper level is packed the same
 * way from the dividers of the level below, until one node is left, which goes to the root.
 * One pass, no descents and no balancing — what inserting sorted entries one by one would
 * cost a seek and, on every full right-most leaf, a rebalance of its siblings for.
 *
 * Index b-tree pages (https://www.sqlite.org/fileformat2.html#b_tree_pages): interior cells
 * carry entries too, so a level of n children has n - 1 dividers between them:
 *
 *   children  C0   C1   C2  …  Cm          (all on the same level: every leaf at one depth)
 *   dividers     d0   d1  …  dm-1          (Ci < di < Ci+1)
 *
 * A node of the next level holds cells di (left child Ci) and, as its right child, the child
 * after its last cell. No node is ever empty: when the very last entry (or divider) of a level
 * would become a divider and leave an empty node behind it, the full node gives up its last
 * cell instead (that cell goes up, the last entry opens the new node).
 */
import { buildCell, buildLocalCell, toInteriorIndexCell } from '../../btree/cell-builder.js';
import { writeImage } from '../../btree/node-image.js';
import { readU16, readU32, writeU16 } from '../../format/bytes.js';
import { PageType } from '../../format/page-header.js';
import { localPayloadSize, maxLocalPayload } from '../../format/payload.js';
import { varintLength, writeVarint } from '../../format/varint.js';
import type { Pager } from '../../pager/pager.js';

const LEAF_HEADER = 8;
const INTERIOR_HEADER = 12;

/** A node being filled: its cells (page format), their bytes on the page, and the leaf-format source of each cell. */
interface OpenNode {
  cells: Uint8Array[];
  sources: Uint8Array[];
  bytes: number;
}

function openNode(header: number): OpenNode {
  return { cells: [], sources: [], bytes: header };
}

/**
 * Index entries (records) in the index's order, as buildIndexTree reads them: each copied
 * straight onto its leaf, and made an array of its own only when it becomes a divider or
 * overflows (the sorter's entries are ranges of one buffer: no object per entry).
 */
export interface EntryList {
  readonly length: number;
  /** Entry k's byte length. */
  size(k: number): number;
  /** Copies entry k into `to` at `at`. */
  copyTo(k: number, to: Uint8Array, at: number): void;
  /** Entry k as an array of its own (a view is fine: it is only read). */
  view(k: number): Uint8Array;
  /**
   * The entries as ranges of one buffer, when they are (the sorter's): entry k is
   * `buffer[starts[order[k]]…starts[order[k] + 1])` — read directly by the leaf-filling loop.
   */
  readonly ranges?: { readonly buffer: Uint8Array; readonly starts: Int32Array; readonly order: Int32Array };
}

/** An array of records as an EntryList. */
function arrayEntries(payloads: readonly Uint8Array[]): EntryList {
  return {
    length: payloads.length,
    size: (k) => payloads[k]!.length,
    copyTo: (k, to, at) => to.set(payloads[k]!, at),
    view: (k) => payloads[k]!,
  };
}

/**
 * Fills the empty index b-tree at `root` with `payloads` (records, in the index's order, at
 * least one). `root` must be an empty index leaf in this write transaction.
 */
export async function buildIndexTree(pager: Pager, root: number, payloads: readonly Uint8Array[] | EntryList): Promise<void> {
  const entries = Array.isArray(payloads) ? arrayEntries(payloads) : (payloads as EntryList);
  const usable = pager.usableSize;
  const write = async (node: OpenNode, type: PageType, rightChild: number, isRoot: boolean): Promise<number> => {
    const image = { type, cells: node.cells, rightChild };
    if (isRoot) {
      writeImage(await pager.getWritable(root), root, usable, image);
      return root;
    }
    const { pgno, data } = await pager.allocatePage();
    writeImage(data, pgno, usable, image);
    return pgno;
  };

  // Level 0: the leaves, each filled in place on a scratch page (a cell is written once, where
  // it lands, and the page copied out whole), laid out exactly as writeImage would.
  let children: number[] = [];
  let dividers: Uint8Array[] = []; // leaf-format cells
  const leaf = new LeafFiller(usable);
  const writeLeaf = async (isRoot: boolean): Promise<number> => {
    if (isRoot) {
      leaf.writeTo(await pager.getWritable(root), root);
      return root;
    }
    const { pgno, data } = await pager.allocatePage();
    leaf.writeTo(data, pgno);
    return pgno;
  };
  const count = entries.length;
  const maxLocal = maxLocalPayload(usable, false);
  for (let i = 0; i < count; i++) {
    // The common entry — local, and room for it on the leaf — goes in a synchronous loop (this
    // function awaits, and a loop in it ran several times slower than one in a plain function).
    i = leaf.fill(entries, i, count, maxLocal);
    if (i === count) break;
    const length = entries.size(i);
    const local = localPayloadSize(length, usable, false) >= length;
    const cell = local ? undefined : await buildCell(pager, entries.view(i));
    const size = cell !== undefined ? cell.length : Math.max(4, varintLength(length) + length);
    if (leaf.fits(size)) {
      if (cell !== undefined) leaf.addCell(cell);
      else leaf.addEntry(entries, i, length, size);
      continue;
    }
    if (i === count - 1) {
      // The last entry: the leaf's own last cell goes up, so the last leaf is not empty.
      const up = leaf.popLast();
      children.push(await writeLeaf(false));
      dividers.push(up);
      leaf.reset();
      if (cell !== undefined) leaf.addCell(cell);
      else leaf.addEntry(entries, i, length, size);
      continue;
    }
    children.push(await writeLeaf(false));
    dividers.push(cell ?? buildLocalCell(usable, entries.view(i))!);
    leaf.reset();
  }
  children.push(await writeLeaf(children.length === 0));

  // Upper levels, until one node is left (it was written to the root).
  while (children.length > 1) {
    const nextChildren: number[] = [];
    const nextDividers: Uint8Array[] = [];
    let node = openNode(INTERIOR_HEADER);
    for (let i = 0; i < dividers.length; i++) {
      const source = dividers[i]!;
      const cell = toInteriorIndexCell(source, children[i]!, usable, root);
      if (node.bytes + cell.length + 2 <= usable) {
        node.cells.push(cell);
        node.sources.push(source);
        node.bytes += cell.length + 2;
        continue;
      }
      let upSource = source;
      let right = children[i]!;
      let carry: { cell: Uint8Array; source: Uint8Array } | undefined;
      if (i === dividers.length - 1) {
        // The last divider: the node's last cell goes up instead (its left child becomes the
        // node's right child), and this divider opens the next node.
        const popped = node.cells.pop()!;
        node.bytes -= popped.length + 2;
        upSource = node.sources.pop()!;
        right = readU32(popped, 0);
        carry = { cell, source };
      }
      nextChildren.push(await write(node, PageType.IndexInterior, right, false));
      nextDividers.push(upSource);
      node = openNode(INTERIOR_HEADER);
      if (carry !== undefined) {
        node.cells.push(carry.cell);
        node.sources.push(carry.source);
        node.bytes += carry.cell.length + 2;
      }
    }
    const isRoot = nextChildren.length === 0;
    nextChildren.push(await write(node, PageType.IndexInterior, children[children.length - 1]!, isRoot));
    children = nextChildren;
    dividers = nextDividers;
  }
}

/**
 * An index leaf being filled in place: cells written from the bottom of the usable space up
 * (cell 0 at the end, each later one below it) and their pointers after the 8-byte header —
 * writeImage's layout (node-image.ts), without a cell array of its own per entry.
 */
class LeafFiller {
  private readonly page: Uint8Array;
  private count = 0;
  private top: number;

  constructor(private readonly usable: number) {
    this.page = new Uint8Array(usable);
    this.top = usable;
  }

  /** Whether a cell of `size` bytes (and its pointer) still fits. */
  fits(size: number): boolean {
    return LEAF_HEADER + 2 * (this.count + 1) + (this.usable - this.top) + size <= this.usable;
  }

  /**
   * Adds entries `from`… while they are local (at most `maxLocal` bytes) and fit; returns the
   * first one that is not added (or `count`).
   */
  fill(entries: EntryList, from: number, count: number, maxLocal: number): number {
    const ranges = entries.ranges;
    if (ranges !== undefined) return this.fillRanges(ranges.buffer, ranges.starts, ranges.order, from, count, maxLocal);
    for (let i = from; i < count; i++) {
      const length = entries.size(i);
      if (length > maxLocal) return i;
      const size = length < 0x80 ? (length < 3 ? 4 : length + 1) : Math.max(4, varintLength(length) + length);
      if (!this.fits(size)) return i;
      this.addEntry(entries, i, length, size);
    }
    return count;
  }

  /** `fill` over entries that are ranges of one buffer: everything inline, nothing called per entry. */
  private fillRanges(buffer: Uint8Array, starts: Int32Array, order: Int32Array, from: number, count: number, maxLocal: number): number {
    const page = this.page;
    const usable = this.usable;
    let n = this.count;
    let top = this.top;
    let i = from;
    for (; i < count; i++) {
      const e = order[i]!;
      const start = starts[e]!;
      const length = starts[e + 1]! - start;
      if (length > maxLocal || length >= 0x80 * 0x80) break;
      const head = length < 0x80 ? 1 : 2;
      const size = length + head < 4 ? 4 : length + head;
      if (LEAF_HEADER + 2 * (n + 1) + (usable - top) + size > usable) break;
      // The cell, from the bottom of the free space up: payload size varint, the record, any
      // padding up to 4 bytes; its pointer after the header.
      const at = top - size;
      if (head === 1) page[at] = length;
      else {
        page[at] = 0x80 | (length >> 7);
        page[at + 1] = length & 0x7f;
      }
      const off = at + head;
      for (let k = 0; k < length; k++) page[off + k] = buffer[start + k]!;
      for (let k = off + length; k < at + size; k++) page[k] = 0;
      page[LEAF_HEADER + 2 * n] = at >> 8;
      page[LEAF_HEADER + 2 * n + 1] = at & 0xff;
      n++;
      top = at;
    }
    this.count = n;
    this.top = top;
    return i;
  }

  /** The cell of entry k (`length` bytes, local): size varint, the payload, zero padding up to `size` (≥ 4). */
  addEntry(entries: EntryList, k: number, length: number, size: number): void {
    const at = this.top - size;
    const off = at + writeVarint(this.page, at, length);
    entries.copyTo(k, this.page, off);
    if (off + length < at + size) this.page.fill(0, off + length, at + size);
    this.push(at);
  }

  addCell(cell: Uint8Array): void {
    const at = this.top - cell.length;
    this.page.set(cell, at);
    this.push(at);
  }

  private push(at: number): void {
    writeU16(this.page, LEAF_HEADER + 2 * this.count, at);
    this.count++;
    this.top = at;
  }

  /** Takes the last cell off (a copy of its bytes). */
  popLast(): Uint8Array {
    const at = this.top;
    const end = this.count === 1 ? this.usable : readU16(this.page, LEAF_HEADER + 2 * (this.count - 2));
    this.count--;
    this.top = end;
    return this.page.slice(at, end);
  }

  reset(): void {
    this.count = 0;
    this.top = this.usable;
  }

  /** Lays the leaf out on `page` (page `pgno`; page 1 keeps its database header). */
  writeTo(page: Uint8Array, pgno: number): void {
    const h = pgno === 1 ? 100 : 0;
    const src = this.page;
    const n = this.count;
    page[h] = PageType.IndexLeaf;
    writeU16(page, h + 1, 0);
    writeU16(page, h + 3, n);
    page[h + 7] = 0;
    const ptr = h + LEAF_HEADER;
    if (h + LEAF_HEADER + 2 * n > this.top) throw new Error(`internal: index leaf does not fit page ${pgno}`);
    // Pointers shift by h on page 1 (its header starts at 100); the cells stay where they are.
    page.set(src.subarray(LEAF_HEADER, LEAF_HEADER + 2 * n), ptr);
    page.set(src.subarray(this.top, this.usable), this.top);
    page.fill(0, ptr + 2 * n, this.top);
    writeU16(page, h + 5, this.top === 65536 ? 0 : this.top);
  }
}
