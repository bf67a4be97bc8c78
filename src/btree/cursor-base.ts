/**
 * Shared machinery of the read cursors: the stack of pages from the root to the current
 * position and the guards that make corrupt trees fail instead of looping.
 *
 * The stack holds one frame per level. On an interior frame `idx` is the child the cursor went
 * down into (0..cellCount, cellCount meaning the right child); for index b-trees, when the
 * interior frame is on top of the stack, the cursor is positioned ON interior cell `idx`
 * (index interior cells carry entries). On the leaf frame `idx` is the current cell.
 *
 * Guards: the depth is bounded by MAX_BTREE_DEPTH, and within one traversal (a descent plus the
 * moves that follow it in one direction) a page is entered at most once: the visited set is
 * reset by first/last/seek and whenever the direction changes. A child pointer to an ancestor,
 * or two pointers to the same subtree, therefore end in CorruptError naming the page.
 */
import { CorruptError, MisuseError } from '../errors.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, checkSameKind, childAt, loadBtreePage, peekBtreePage, type BtreePage } from './btree-page.js';
import { OverflowReadAhead } from './overflow-read-ahead.js';
import { LeafReadAhead, type ReadAheadOptions } from './read-ahead.js';

export interface CursorOptions {
  /**
   * Read-ahead for scans (read-ahead.ts): once the cursor steps from one leaf to the next, the
   * following leaves are fetched in parallel in the background; in a forward scan, the overflow
   * chains of the next rows are walked in parallel too (overflow-read-ahead.ts;
   * `{ overflow: false }` turns that part off). Default on; `false` turns both off.
   */
  readonly readAhead?: boolean | ReadAheadOptions;
}

export interface Frame {
  readonly page: BtreePage;
  idx: number;
}

export abstract class CursorBase {
  protected stack: Frame[] = [];
  private visited = new Set<number>();
  private direction: 0 | 1 | -1 = 0;
  private _eof = true;
  private readonly readAheadOptions: ReadAheadOptions | undefined;
  private readAhead: LeafReadAhead | undefined;
  private overflowAhead: OverflowReadAhead | undefined;
  /** 1 or -1 once the cursor has moved by next()/prev() since it was last positioned, else 0. */
  private stepped: 0 | 1 | -1 = 0;

  protected constructor(
    readonly pager: Pager,
    readonly rootPgno: number,
    private readonly isTable: boolean,
    options: CursorOptions = {},
  ) {
    const ra = options.readAhead ?? true;
    this.readAheadOptions = ra === false ? undefined : ra === true ? {} : ra;
  }

  /** The read-ahead state, once a scan has started one (for tests and benchmarks). */
  get readAheadStats(): { readonly fetches: number; readonly pages: number; readonly window: number } | undefined {
    const ra = this.readAhead;
    return ra === undefined ? undefined : { fetches: ra.fetchesStarted, pages: ra.pagesRequested, window: ra.windowSize };
  }

  /**
   * Called by next()/prev() when they have just moved onto a new leaf (not by seeks or
   * first/last): hands the leaf's parent and grandparent to the read-ahead.
   */
  protected steppedToLeaf(direction: 1 | -1): void {
    if (this.readAheadOptions === undefined) return;
    const n = this.stack.length;
    const parent = this.stack[n - 2];
    if (parent === undefined) return;
    this.readAhead ??= new LeafReadAhead(this.pager, this.readAheadOptions);
    this.readAhead.stepped(parent, this.stack[n - 3], direction);
  }

  /** The overflow read-ahead state, once a scan has started one (for tests and benchmarks). */
  get overflowReadAheadStats():
    | {
        readonly chains: number;
        readonly pages: number;
        readonly hits: number;
        readonly window: number;
        readonly pagesAhead: number;
        readonly budgetPages: number;
      }
    | undefined {
    const ra = this.overflowAhead;
    return ra === undefined
      ? undefined
      : {
          chains: ra.chainsStarted,
          pages: ra.pagesRequested,
          hits: ra.hits,
          window: ra.windowSize,
          pagesAhead: ra.pagesAhead,
          budgetPages: ra.budgetPages,
        };
  }

  /**
   * Called before the payload of the current entry is assembled from its overflow chain that
   * starts at `first`: in a forward scan (the cursor got here by next(), not by a seek or
   * first()), the chains of the next entries are walked ahead.
   */
  protected readingOverflow(first: number): void {
    // Not inside a write transaction: the writer changes dirty pages in place under the walk.
    if (this.stepped !== 1 || this.pager.inWriteTransaction) return;
    const ra = this.readAheadOptions;
    if (ra === undefined || ra.overflow === false) return;
    this.overflowAhead ??= new OverflowReadAhead(
      this.pager,
      ra.overflow === undefined || ra.overflow === true
        ? ra.cacheBytes === undefined ? {} : { cacheBytes: ra.cacheBytes }
        : ra.overflow,
    );
    this.overflowAhead.reading(this.stack, first);
  }

  /** True when the cursor is not on an entry (empty tree, moved past either end, not yet positioned). */
  get eof(): boolean {
    return this._eof;
  }

  protected setEof(eof: boolean): void {
    this._eof = eof;
  }

  protected requireRow(): Frame {
    const top = this.stack[this.stack.length - 1];
    if (this._eof || top === undefined) throw new MisuseError('cursor is not on an entry');
    return top;
  }

  protected top(): Frame {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) throw new Error('internal: empty cursor stack');
    return top;
  }

  /** Starts a new traversal at the root. */
  protected async enterRoot(direction: 1 | -1): Promise<Frame> {
    this.stack = [];
    this.visited = new Set();
    this.direction = direction;
    this.stepped = 0;
    if (this.rootPgno < 1 || this.rootPgno > this.pager.pageCount) {
      throw new CorruptError(`root page ${this.rootPgno} out of range`, this.rootPgno);
    }
    const page = await loadBtreePage(this.pager, this.rootPgno);
    checkSameKind(page, this.isTable);
    this.visited.add(this.rootPgno);
    const frame: Frame = { page, idx: 0 };
    this.stack.push(frame);
    return frame;
  }

  /**
   * `enterRoot` without a Promise, when the root page is in memory; undefined (and nothing
   * changed) when it is not — then call enterRoot. For seeks that may run on cached pages only.
   */
  protected enterRootNow(direction: 1 | -1): Frame | undefined {
    if (this.rootPgno < 1 || this.rootPgno > this.pager.pageCount) {
      throw new CorruptError(`root page ${this.rootPgno} out of range`, this.rootPgno);
    }
    const page = peekBtreePage(this.pager, this.rootPgno);
    if (page === undefined) return undefined;
    checkSameKind(page, this.isTable);
    this.stack = [];
    this.visited = new Set([this.rootPgno]);
    this.direction = direction;
    this.stepped = 0;
    const frame: Frame = { page, idx: 0 };
    this.stack.push(frame);
    return frame;
  }

  /**
   * `descend` without a Promise, when the child is in memory; undefined when it is not (the
   * cursor is then mid-seek: the caller starts the seek again with the async methods).
   */
  protected descendNow(): Frame | undefined {
    const parent = this.top();
    const usable = this.pager.usableSize;
    const child = childAt(parent.page, parent.idx, usable, this.pager.pageCount);
    if (this.stack.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', child);
    if (this.visited.has(child)) throw new CorruptError('b-tree page reached twice', child);
    const page = peekBtreePage(this.pager, child);
    if (page === undefined) return undefined;
    this.visited.add(child);
    checkSameKind(page, this.isTable);
    const frame: Frame = { page, idx: 0 };
    this.stack.push(frame);
    return frame;
  }

  /** Moving in `direction` from here: a change of direction starts a new visited set. */
  protected turn(direction: 1 | -1): void {
    this.stepped = direction;
    if (this.direction === direction) return;
    this.direction = direction;
    this.visited = new Set(this.stack.map((f) => f.page.pgno));
  }

  /** Pushes child `idx` of the top (interior) frame, which must already have `idx` set. */
  protected async descend(): Promise<Frame> {
    const parent = this.top();
    const usable = this.pager.usableSize;
    const child = childAt(parent.page, parent.idx, usable, this.pager.pageCount);
    if (this.stack.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', child);
    if (this.visited.has(child)) throw new CorruptError('b-tree page reached twice', child);
    this.visited.add(child);
    const page = await loadBtreePage(this.pager, child);
    checkSameKind(page, this.isTable);
    const frame: Frame = { page, idx: 0 };
    this.stack.push(frame);
    return frame;
  }

  /**
   * The forward step past the end of the current leaf (as next() takes it: climb to the first
   * ancestor with a later child, then down its first children to a leaf), without a Promise when
   * every page on the way down is in memory or read at once (a local file): true when it moved
   * onto a leaf (which may be empty), false at the end of the tree (the cursor is then at eof),
   * undefined when a page must be awaited — nothing has changed then: take the async way.
   */
  protected forwardLeafNow(): boolean | undefined {
    const stack = this.stack;
    let level = stack.length - 2;
    while (level >= 0 && stack[level]!.idx >= stack[level]!.page.header.cellCount) level--;
    if (level < 0) return false;
    const usable = this.pager.usableSize;
    const pageCount = this.pager.pageCount;
    const path: BtreePage[] = [];
    let page = stack[level]!.page;
    let idx = stack[level]!.idx + 1;
    for (;;) {
      const child = childAt(page, idx, usable, pageCount);
      if (level + 1 + path.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', child);
      if (this.visited.has(child) || path.some((p) => p.pgno === child)) throw new CorruptError('b-tree page reached twice', child);
      const next = peekBtreePage(this.pager, child);
      if (next === undefined) return undefined;
      checkSameKind(next, this.isTable);
      path.push(next);
      if (next.header.isLeaf) break;
      page = next;
      idx = 0;
    }
    stack.length = level + 1;
    stack[level]!.idx++;
    for (const p of path) {
      this.visited.add(p.pgno);
      stack.push({ page: p, idx: 0 });
    }
    return true;
  }

  /** From the top frame, follow the first children down to a leaf; leaf idx = 0. */
  protected async leftmost(): Promise<Frame> {
    let frame = this.top();
    while (!frame.page.header.isLeaf) {
      frame.idx = 0;
      frame = await this.descend();
    }
    frame.idx = 0;
    return frame;
  }

  /** From the top frame, follow the right children down to a leaf; leaf idx = cellCount - 1. */
  protected async rightmost(): Promise<Frame> {
    let frame = this.top();
    while (!frame.page.header.isLeaf) {
      frame.idx = frame.page.header.cellCount;
      frame = await this.descend();
    }
    frame.idx = frame.page.header.cellCount - 1;
    return frame;
  }
}
