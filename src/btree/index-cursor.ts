/**
 * A read cursor over an index b-tree — also used for WITHOUT ROWID tables, which have the same
 * page format. Entries are records ordered by a comparison the record layer supplies.
 *
 * Unlike table b-trees, index interior cells carry entries: the in-order sequence of an interior
 * page with cells c0..c(n-1) is  subtree(child 0), c0, subtree(child 1), c1, ..., c(n-1),
 * subtree(right child). The cursor can therefore rest on an interior cell (see cursor-base.ts).
 */
import { emptyCell, parseCell, type Cell, type MutableCell } from '../format/cell.js';
import type { Pager } from '../pager/pager.js';
import { cellAt } from './btree-page.js';
import { CursorBase, type CursorOptions, type Frame } from './cursor-base.js';
import { localPayload, readPayload } from './payload-reader.js';

/** Sign of (entry in the cell - search key), computed from the cell's full payload. */
export type PayloadCompare = (cellPayload: Uint8Array) => number;

/**
 * `ge`: first entry >= key, `gt`: first entry > key, `le`: last entry <= key, `lt`: last entry < key.
 */
export type SeekBias = 'ge' | 'gt' | 'le' | 'lt';

export class IndexCursor extends CursorBase {
  /** The current entry's cell, filled again on every move (no allocation per entry); valid while not eof. */
  private readonly cell: MutableCell = emptyCell();

  constructor(pager: Pager, rootPgno: number, options: CursorOptions = {}) {
    super(pager, rootPgno, false, options);
  }

  private cellOf(frame: Frame, i: number): Cell {
    const usable = this.pager.usableSize;
    const { page } = frame;
    return parseCell(page.data, cellAt(page, i, usable), page.header.pageType, page.pgno, usable);
  }

  private settle(frame: Frame): boolean {
    const usable = this.pager.usableSize;
    const { page } = frame;
    parseCell(page.data, cellAt(page, frame.idx, usable), page.header.pageType, page.pgno, usable, this.cell);
    this.setEof(false);
    return true;
  }

  private atEnd(): boolean {
    this.setEof(true);
    this.stack = [];
    return false;
  }

  async first(): Promise<boolean> {
    await this.enterRoot(1);
    const leaf = await this.leftmost();
    if (leaf.page.header.cellCount > 0) return this.settle(leaf);
    return this.forwardFromLeafEnd();
  }

  async last(): Promise<boolean> {
    await this.enterRoot(-1);
    const leaf = await this.rightmost();
    if (leaf.idx >= 0) return this.settle(leaf);
    return this.backwardFromLeafStart();
  }

  async next(): Promise<boolean> {
    if (this.eof) return false;
    this.turn(1);
    const top = this.top();
    if (!top.page.header.isLeaf) {
      // On interior cell idx: the next entry is the leftmost of child idx+1.
      top.idx++;
      await this.descend();
      const leaf = await this.leftmost();
      this.steppedToLeaf(1);
      if (leaf.page.header.cellCount > 0) return this.settle(leaf);
      return this.forwardFromLeafEnd();
    }
    top.idx++;
    if (top.idx < top.page.header.cellCount) return this.settle(top);
    return this.forwardFromLeafEnd();
  }

  /**
   * next() without a Promise when no page must be read: the next entry on the same leaf, or the
   * ancestor cell the cursor climbs back to at the end of a leaf (index interior cells carry
   * entries); undefined when the move must descend into a child page — then call next().
   */
  nextInLeaf(): boolean | undefined {
    if (this.eof) return false;
    const top = this.top();
    if (!top.page.header.isLeaf) return undefined;
    this.turn(1);
    top.idx++;
    if (top.idx < top.page.header.cellCount) return this.settle(top);
    return this.climbForward();
  }

  /** prev() without a Promise when no page must be read (see nextInLeaf); undefined otherwise — then call prev(). */
  prevInLeaf(): boolean | undefined {
    if (this.eof) return false;
    const top = this.top();
    if (!top.page.header.isLeaf) return undefined;
    this.turn(-1);
    top.idx--;
    if (top.idx >= 0) return this.settle(top);
    return this.climbBackward();
  }

  async prev(): Promise<boolean> {
    if (this.eof) return false;
    this.turn(-1);
    const top = this.top();
    if (!top.page.header.isLeaf) {
      // On interior cell idx: the previous entry is the rightmost of child idx (its left child).
      await this.descend();
      const leaf = await this.rightmost();
      this.steppedToLeaf(-1);
      if (leaf.idx >= 0) return this.settle(leaf);
      return this.backwardFromLeafStart();
    }
    top.idx--;
    if (top.idx >= 0) return this.settle(top);
    return this.backwardFromLeafStart();
  }

  /** The top (leaf) frame is exhausted: the next entry is the first ancestor cell to the right. */
  private async forwardFromLeafEnd(): Promise<boolean> {
    return this.climbForward();
  }

  /** forwardFromLeafEnd's climb, which reads no page. */
  private climbForward(): boolean {
    this.stack.pop();
    for (;;) {
      const parent = this.stack[this.stack.length - 1];
      if (parent === undefined) return this.atEnd();
      if (parent.idx < parent.page.header.cellCount) return this.settle(parent);
      this.stack.pop();
    }
  }

  /** The top (leaf) frame is exhausted backwards: the previous entry is the first ancestor cell to the left. */
  private async backwardFromLeafStart(): Promise<boolean> {
    return this.climbBackward();
  }

  /** backwardFromLeafStart's climb, which reads no page. */
  private climbBackward(): boolean {
    this.stack.pop();
    for (;;) {
      const parent = this.stack[this.stack.length - 1];
      if (parent === undefined) return this.atEnd();
      if (parent.idx > 0) {
        parent.idx--;
        return this.settle(parent);
      }
      this.stack.pop();
    }
  }

  /**
   * Positions by `compare` (sign of cell - key) with `bias` (default 'ge'). Returns true when
   * the cursor is on an entry, false (eof) when no entry satisfies the bias. The caller checks
   * `compare(await payload())` for an exact match.
   */
  async seek(compare: PayloadCompare, bias: SeekBias = 'ge'): Promise<boolean> {
    const forward = bias === 'ge' || bias === 'gt';
    // The binary search finds the first cell where `past` holds; for ge/gt that cell is the
    // answer candidate, for le/lt the answer is the entry just before it.
    const past = bias === 'ge' || bias === 'lt' ? (c: number) => c >= 0 : (c: number) => c > 0;
    let frame = await this.enterRoot(forward ? 1 : -1);
    for (;;) {
      const { page } = frame;
      const n = page.header.cellCount;
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const cell = this.cellOf(frame, mid);
        const c = compare(await readPayload(this.pager, page.pgno, page.data, cell));
        if (past(c)) hi = mid;
        else lo = mid + 1;
      }
      frame.idx = lo;
      if (page.header.isLeaf) {
        if (forward) {
          if (lo < n) return this.settle(frame);
          return this.forwardFromLeafEnd();
        }
        frame.idx = lo - 1;
        if (frame.idx >= 0) return this.settle(frame);
        return this.backwardFromLeafStart();
      }
      frame = await this.descend();
    }
  }

  /** Total payload size of the current entry. */
  get payloadSize(): number {
    this.requireRow();
    return this.cell.payloadSize;
  }

  /**
   * The payload without a Promise when it has no overflow (a view into the page; do not
   * mutate), else undefined — then call payload().
   */
  localPayload(): Uint8Array | undefined {
    const frame = this.requireRow();
    const cell = this.cell;
    return cell.overflowPgno === 0 ? localPayload(frame.page.data, cell) : undefined;
  }

  /** Full payload (the index record) of the current entry, overflow assembled. Do not mutate. */
  payload(): Promise<Uint8Array> {
    const frame = this.requireRow();
    const cell = this.cell;
    if (cell.overflowPgno !== 0) this.readingOverflow(cell.overflowPgno);
    return readPayload(this.pager, frame.page.pgno, frame.page.data, cell);
  }
}
