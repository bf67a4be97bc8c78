/**
 * A read cursor over a table b-tree (rowid table): entries in rowid order, each a rowid and a
 * payload (the record). Table interior cells are only separators (the largest rowid of the left
 * subtree); all entries live on leaves.
 */
import { emptyCell, parseCell, type MutableCell } from '../format/cell.js';
import { PageType } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { cellAt, firstCellAtOrAfter } from './btree-page.js';
import { CursorBase, type CursorOptions, type Frame } from './cursor-base.js';
import { localPayload, readPayload } from './payload-reader.js';
import { compareRowids } from './rowid.js';

export class TableCursor extends CursorBase {
  /** The current entry's cell, filled again on every move (no allocation per row); valid while not eof. */
  private readonly cell: MutableCell = emptyCell();

  constructor(pager: Pager, rootPgno: number, options: CursorOptions = {}) {
    super(pager, rootPgno, true, options);
  }

  private settle(frame: Frame): boolean {
    const usable = this.pager.usableSize;
    parseCell(frame.page.data, cellAt(frame.page, frame.idx, usable), PageType.TableLeaf, frame.page.pgno, usable, this.cell);
    this.setEof(false);
    return true;
  }

  private atEnd(): boolean {
    this.setEof(true);
    this.stack = [];
    return false;
  }

  /** Positions on the smallest rowid; false when the table is empty. */
  async first(): Promise<boolean> {
    await this.enterRoot(1);
    const leaf = await this.leftmost();
    if (leaf.page.header.cellCount > 0) return this.settle(leaf);
    return this.forwardFromLeafEnd();
  }

  /** Positions on the largest rowid; false when the table is empty. */
  async last(): Promise<boolean> {
    await this.enterRoot(-1);
    const leaf = await this.rightmost();
    if (leaf.idx >= 0) return this.settle(leaf);
    return this.backwardFromLeafStart();
  }

  /** Moves to the next rowid; false (and eof) past the last one. */
  async next(): Promise<boolean> {
    if (this.eof) return false;
    this.turn(1);
    const leaf = this.top();
    leaf.idx++;
    if (leaf.idx < leaf.page.header.cellCount) return this.settle(leaf);
    return this.forwardFromLeafEnd(true);
  }

  /**
   * next() without a Promise when the next entry is on the same leaf (the common case of a
   * scan): true when it moved, false at eof, undefined when the move needs another page — then
   * call next(). Scans over cached pages thus cost no Promise per row.
   */
  nextInLeaf(): boolean | undefined {
    if (this.eof) return false;
    const leaf = this.top();
    if (leaf.idx + 1 >= leaf.page.header.cellCount) return undefined;
    this.turn(1);
    leaf.idx++;
    return this.settle(leaf);
  }

  /**
   * next() without a Promise when the pages it needs are in memory or read at once (a local
   * file); undefined when one must be awaited — then call next(). A scan of a local file thus
   * takes no Promise per leaf either.
   */
  nextNow(): boolean | undefined {
    const inLeaf = this.nextInLeaf();
    if (inLeaf !== undefined) return inLeaf;
    this.turn(1);
    for (;;) {
      const moved = this.forwardLeafNow();
      if (moved === undefined) return undefined;
      if (!moved) return this.atEnd();
      this.steppedToLeaf(1);
      const leaf = this.top();
      if (leaf.page.header.cellCount > 0) return this.settle(leaf);
    }
  }

  /** prev() without a Promise when the previous entry is on the same leaf; undefined when the move needs another page — then call prev(). */
  prevInLeaf(): boolean | undefined {
    if (this.eof) return false;
    const leaf = this.top();
    if (leaf.idx <= 0) return undefined;
    this.turn(-1);
    leaf.idx--;
    return this.settle(leaf);
  }

  /** Moves to the previous rowid; false (and eof) before the first one. */
  async prev(): Promise<boolean> {
    if (this.eof) return false;
    this.turn(-1);
    const leaf = this.top();
    leaf.idx--;
    if (leaf.idx >= 0) return this.settle(leaf);
    return this.backwardFromLeafStart(true);
  }

  /**
   * The top frame is a leaf whose cells are exhausted: climb until a right sibling exists.
   * `step`: called by next(), so the move is a scan's step and feeds the read-ahead.
   */
  private async forwardFromLeafEnd(step = false): Promise<boolean> {
    for (;;) {
      this.stack.pop();
      let parent = this.stack[this.stack.length - 1];
      while (parent !== undefined && parent.idx >= parent.page.header.cellCount) {
        this.stack.pop();
        parent = this.stack[this.stack.length - 1];
      }
      if (parent === undefined) return this.atEnd();
      parent.idx++;
      await this.descend();
      const leaf = await this.leftmost();
      if (step) this.steppedToLeaf(1);
      if (leaf.page.header.cellCount > 0) return this.settle(leaf);
    }
  }

  private async backwardFromLeafStart(step = false): Promise<boolean> {
    for (;;) {
      this.stack.pop();
      let parent = this.stack[this.stack.length - 1];
      while (parent !== undefined && parent.idx <= 0) {
        this.stack.pop();
        parent = this.stack[this.stack.length - 1];
      }
      if (parent === undefined) return this.atEnd();
      parent.idx--;
      await this.descend();
      const leaf = await this.rightmost();
      if (step) this.steppedToLeaf(-1);
      if (leaf.idx >= 0) return this.settle(leaf);
    }
  }

  /**
   * Seeks `rowid`. Returns true when an entry with exactly that rowid exists (the cursor is on
   * it). On a miss returns false and leaves the cursor on the first entry with a larger rowid,
   * or at eof when there is none.
   */
  async seekRowid(rowid: number | bigint): Promise<boolean> {
    let frame = await this.enterRoot(1);
    const usable = this.pager.usableSize;
    for (;;) {
      const { page } = frame;
      const n = page.header.cellCount;
      const lo = firstCellAtOrAfter(page, n, rowid, usable);
      if (page.header.isLeaf) {
        if (lo < n) {
          frame.idx = lo;
          this.settle(frame);
          return compareRowids(this.rowid, rowid) === 0;
        }
        await this.forwardFromLeafEnd();
        return false;
      }
      frame.idx = lo;
      frame = await this.descend();
    }
  }

  /**
   * seekRowid() without a Promise, when every page on the way down is in memory and the answer
   * lies on the leaf reached; undefined otherwise — then call seekRowid() (which starts over).
   * A point lookup on cached pages thus costs no Promise.
   */
  seekRowidNow(rowid: number | bigint): boolean | undefined {
    let frame = this.enterRootNow(1);
    const usable = this.pager.usableSize;
    while (frame !== undefined) {
      const { page } = frame;
      const n = page.header.cellCount;
      const lo = firstCellAtOrAfter(page, n, rowid, usable);
      if (page.header.isLeaf) {
        if (lo >= n) return undefined; // the answer is on a later leaf
        frame.idx = lo;
        this.settle(frame);
        return compareRowids(this.rowid, rowid) === 0;
      }
      frame.idx = lo;
      frame = this.descendNow();
    }
    return undefined;
  }

  /** Rowid of the current entry: a number when it is a safe integer, else a bigint. */
  get rowid(): number | bigint {
    this.requireRow();
    return this.cell.rowid;
  }

  /** Total payload size of the current entry (local + overflow). */
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

  /** Full payload (the record) of the current entry, overflow assembled. Do not mutate. */
  payload(): Promise<Uint8Array> {
    const frame = this.requireRow();
    const cell = this.cell;
    if (cell.overflowPgno !== 0) this.readingOverflow(cell.overflowPgno);
    return readPayload(this.pager, frame.page.pgno, frame.page.data, cell);
  }
}

