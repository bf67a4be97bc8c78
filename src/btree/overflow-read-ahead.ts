/**
 * Overflow read-ahead: the chains of the next rows, walked in parallel while the scan reads the
 * current one.
 *
 * A payload too large for its b-tree page spills onto a singly linked chain of overflow pages
 * (https://www.sqlite.org/fileformat2.html#ovflpgs):
 *
 *   b-tree cell:     … | local payload | u32 first overflow pgno
 *   overflow page:   u32 next pgno (0 on the last) | U-4 payload bytes
 *
 * The chain's length is known from the payload size (ceil((P - local) / (U - 4)) pages, see
 * format/payload.ts) but each page's number only from the page before it, so one chain costs one
 * round trip per page however it is fetched. What can overlap is several chains: the first page
 * of every chain is written in its cell, so a forward scan that reads the payload of row i can
 * already walk the chains of rows i+1, i+2, … — each walker one page at a time, the walkers side
 * by side. A scan of rows with 5-page chains then completes about window/5 rows per round trip
 * instead of one row every five round trips (bench/s3-overflow.ts: 2,000 rows of 10–20 KB at
 * 4 KiB pages over a 20 ms proxy, 7,887 GETs either way: ~170 s with leaf read-ahead alone,
 * ~7 s with this, 64 requests in flight).
 *
 * The rows ahead are found by walking the tree from a snapshot of the cursor's path: the rest of
 * the current leaf, then the next leaves (and, in index b-trees, the interior cells between them) (reached through the parents the path holds; their
 * pages are usually already in flight through the leaf read-ahead, and the pager shares in-flight
 * reads, so nothing is fetched twice).
 *
 * Bounds:
 * - window: chains started and not yet read by the cursor. It starts at `initial` (4) and grows
 *   by 2 each time the cursor reads a chain that was started ahead, up to `max` (64): a `LIMIT 10`
 *   wastes little, a long scan soon has 64 walkers (one request each) in flight;
 * - memory: the pages of those chains never exceed a quarter of the page cache's byte budget
 *   (the leaf read-ahead has another quarter; together they stay within the cache's pool for
 *   leaves and overflow pages, so prefetched pages are not evicted before they are read). A
 *   chain longer than the whole quarter is never walked ahead;
 * - leaves: the walk looks at most twice the window (and at most `max`) leaves past the last
 *   chain the cursor read, so a table whose large rows are rare is not read far ahead for them.
 *
 * Everything here is a hint. Page numbers come from untrusted bytes: anything odd (a pointer out
 * of range, a repeated page, a page of the wrong kind, an I/O error) simply stops the read-ahead,
 * and the cursor, which validates everything it reads, reports the problem when it gets there.
 * Each walk is bounded by the chain length the payload size implies and by a seen-set; the tree
 * walk by MAX_BTREE_DEPTH, a visited set of interior pages and the leaf bound.
 *
 * Table b-trees and index b-trees alike (WITHOUT ROWID tables, indexes on large values): in an
 * index b-tree the interior cells are entries too, and the walk visits them in order.
 *
 * Not covered: backward scans, and scans inside a write transaction (the writer changes dirty
 * pages in place; see CursorBase.readingOverflow).
 */
import { parseCell } from '../format/cell.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { overflowNext } from '../format/overflow.js';
import { decodePageHeader } from '../format/page-header.js';
import { overflowPageCount } from '../format/payload.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, cellAt, checkSameKind, childAt, type BtreePage } from './btree-page.js';

export interface OverflowReadAheadOptions {
  /** First window, in chains (default 4). */
  readonly initial?: number;
  /** Largest window, in chains (default 64); also the most leaves the walk looks ahead. */
  readonly max?: number;
  /** The page cache's byte budget; chains ahead hold at most a quarter of it (default: the pager's). */
  readonly cacheBytes?: number;
}

export const OVERFLOW_READ_AHEAD_INITIAL = 4;
export const OVERFLOW_READ_AHEAD_MAX = 64;
const GROWTH = 2;

/** One level of the path the read-ahead walks (its own copy: the cursor's frames move on). */
interface Step {
  page: BtreePage;
  idx: number;
}

/** A chain started ahead of the cursor. */
interface Chain {
  readonly first: number;
  readonly pages: number;
  /** Which leaf (counted from the snapshot) holds its cell. */
  readonly leaf: number;
}

/** The next cell with an overflow chain found by the tree walk. */
interface Found {
  readonly first: number;
  readonly pages: number;
  readonly leaf: number;
}

export class OverflowReadAhead {
  private window: number;
  readonly maxWindow: number;
  /** Budget, in pages, of chains started and not yet read. */
  readonly budgetPages: number;
  /** Bumped on every re-anchor: walkers and tree walks of an older generation stop. */
  private generation = 0;
  private queue: Chain[] = [];
  private byFirst = new Map<number, Chain>();
  private outstandingPages = 0;
  /** The tree walk: a copy of the path, the next cell to look at on its leaf, the leaf's ordinal. */
  private path: Step[] = [];
  private cellIdx = 0;
  /** The top frame is interior and its child `idx` is to be entered next (down to its leftmost leaf). */
  private descendPending = false;
  private isTable = true;
  private leafOrdinal = 0;
  private cursorLeaf = 0;
  private visited = new Set<number>();
  /** A chain found but not started for lack of budget: started first when budget frees up. */
  private held: Found | undefined;
  private exhausted = true;
  private pumping = false;
  /** Chains walked ahead (for tests and benchmarks). */
  chainsStarted = 0;
  /** Overflow pages requested by the walkers (cache misses only). */
  pagesRequested = 0;
  /** Chains the cursor read that had been started ahead. */
  hits = 0;

  constructor(
    private readonly pager: Pager,
    options: OverflowReadAheadOptions = {},
  ) {
    const budget = options.cacheBytes ?? pager.cacheBytes;
    this.budgetPages = Math.max(0, Math.floor(budget / 4 / pager.pageSize));
    this.maxWindow = Math.max(1, options.max ?? OVERFLOW_READ_AHEAD_MAX);
    this.window = Math.max(1, Math.min(options.initial ?? OVERFLOW_READ_AHEAD_INITIAL, this.maxWindow));
  }

  /** Pages of the chains started ahead and not yet read by the cursor (never above `budgetPages`). */
  get pagesAhead(): number {
    return this.outstandingPages;
  }

  /** Current window, in chains. */
  get windowSize(): number {
    return this.window;
  }

  /**
   * A forward scan is about to read the payload of cell `path[last].idx` of the page at the end
   * of `path` (root first; a leaf, or an index b-tree's interior page), whose overflow chain
   * starts at `first`. When that chain was started
   * ahead, the window moves on; otherwise the read-ahead re-anchors right after this cell.
   */
  reading(path: readonly { readonly page: BtreePage; readonly idx: number }[], first: number): void {
    const chain = this.byFirst.get(first);
    if (chain !== undefined) {
      this.hits++;
      // Chains before it were skipped by the scan (rows not read): their budget is free too.
      for (;;) {
        const c = this.queue.shift();
        if (c === undefined) break;
        this.byFirst.delete(c.first);
        this.outstandingPages -= c.pages;
        if (c === chain) break;
      }
      this.cursorLeaf = chain.leaf;
      this.window = Math.min(this.maxWindow, this.window + GROWTH);
    } else {
      this.reanchor(path);
    }
    void this.pump(this.generation);
  }

  private reanchor(path: readonly { readonly page: BtreePage; readonly idx: number }[]): void {
    this.generation++;
    this.queue = [];
    this.byFirst.clear();
    this.outstandingPages = 0;
    this.held = undefined;
    this.path = path.map((f) => ({ page: f.page, idx: f.idx }));
    const top = this.path[this.path.length - 1];
    this.exhausted = top === undefined;
    this.isTable = this.path[0]?.page.header.isTable ?? true;
    if (top !== undefined && !top.page.header.isLeaf) {
      // An index cursor resting on interior cell idx: next comes the leftmost leaf of child idx+1.
      top.idx++;
      this.descendPending = true;
    } else {
      this.cellIdx = (top?.idx ?? 0) + 1;
      this.descendPending = false;
    }
    this.leafOrdinal = 0;
    this.cursorLeaf = 0;
    this.visited = new Set(this.path.map((f) => f.page.pgno));
  }

  /** Starts chains while the window and the budget allow. One pump runs at a time. */
  private async pump(gen: number): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (gen === this.generation && this.queue.length < this.window && !this.exhausted) {
        const found = this.held ?? (await this.nextChain(gen));
        this.held = undefined;
        if (gen !== this.generation || found === undefined) return;
        if (found.pages > this.budgetPages) continue; // too long to hold ahead: the cursor walks it itself
        if (this.outstandingPages + found.pages > this.budgetPages) {
          this.held = found;
          return;
        }
        const chain: Chain = found;
        this.queue.push(chain);
        this.byFirst.set(chain.first, chain);
        this.outstandingPages += chain.pages;
        this.chainsStarted++;
        void this.walk(gen, chain);
      }
    } catch {
      // A hint only: a corrupt or unreadable page stops the read-ahead; the cursor reports it.
      if (gen === this.generation) this.exhausted = true;
    } finally {
      this.pumping = false;
      // A re-anchor that happened while this pump awaited a page found it busy: run for it now.
      if (gen !== this.generation) void this.pump(this.generation);
    }
  }

  /**
   * The next cell with an overflow chain, in scan order after the snapshot's position; undefined
   * at the end of the tree or `max` leaves past the cursor (then `exhausted` or paused).
   *
   * In-order walk: the cells of a leaf; then, climbing to the first ancestor with a child to the
   * right, (index b-trees only) that ancestor's cell — index interior cells are entries too —
   * and the leftmost leaf of the next child.
   */
  private async nextChain(gen: number): Promise<Found | undefined> {
    const usable = this.pager.usableSize;
    for (;;) {
      let top = this.path[this.path.length - 1];
      if (top === undefined) {
        this.exhausted = true;
        return undefined;
      }
      if (this.descendPending) {
        // Pause when far enough ahead of the cursor (resumed by its next read).
        if (this.leafOrdinal - this.cursorLeaf >= Math.min(this.maxWindow, 2 * this.window)) return undefined;
        if (!(await this.descendLeftmost(gen))) return undefined;
        continue;
      }
      const page = top.page;
      if (!page.header.isLeaf) {
        this.exhausted = true;
        return undefined;
      }
      while (this.cellIdx < page.header.cellCount) {
        const found = this.chainOf(page, this.cellIdx++, usable);
        if (found !== undefined) return found;
      }
      // Leaf done: climb to the first ancestor with a child to the right.
      this.path.pop();
      top = this.path[this.path.length - 1];
      while (top !== undefined && top.idx >= top.page.header.cellCount) {
        this.path.pop();
        top = this.path[this.path.length - 1];
      }
      if (top === undefined) {
        this.exhausted = true;
        return undefined;
      }
      const between = top.idx++;
      this.descendPending = true;
      if (!this.isTable) {
        const found = this.chainOf(top.page, between, usable);
        if (found !== undefined) return found;
      }
    }
  }

  private chainOf(page: BtreePage, i: number, usable: number): Found | undefined {
    const cell = parseCell(page.data, cellAt(page, i, usable), page.header.pageType, page.pgno, usable);
    if (cell.overflowPgno === 0) return undefined;
    return { first: cell.overflowPgno, pages: overflowPageCount(cell.payloadSize, cell.localSize, usable), leaf: this.leafOrdinal };
  }

  /** Descends from child `idx` of the top (interior) frame to its leftmost leaf; false when the walk must stop. */
  private async descendLeftmost(gen: number): Promise<boolean> {
    const usable = this.pager.usableSize;
    const pageCount = this.pager.pageCount;
    let top = this.path[this.path.length - 1]!;
    for (;;) {
      const child = childAt(top.page, top.idx, usable, pageCount);
      if (this.path.length >= MAX_BTREE_DEPTH || this.visited.has(child)) {
        this.exhausted = true;
        return false;
      }
      const data = this.pager.peekPage(child) ?? (await this.pager.getPage(child));
      if (gen !== this.generation) return false;
      const page: BtreePage = { pgno: child, data, header: decodePageHeader(data, child, usable) };
      checkSameKind(page, this.isTable);
      const step: Step = { page, idx: 0 };
      this.path.push(step);
      if (page.header.isLeaf) break;
      // Interior pages only: a cycle needs one, and the set stays small on a long scan (a leaf
      // reached twice is bounded by the leaf window anyway).
      this.visited.add(child);
      top = step;
    }
    this.descendPending = false;
    this.leafOrdinal++;
    this.cellIdx = 0;
    return true;
  }

  /** Follows one chain, a page at a time, into the page cache. */
  private async walk(gen: number, chain: Chain): Promise<void> {
    const pager = this.pager;
    const lockByte = lockBytePgno(pager.pageSize);
    const seen = new Set<number>();
    let next = chain.first;
    try {
      for (let k = 0; k < chain.pages && gen === this.generation; k++) {
        if (next < 2 || next > pager.pageCount || next === lockByte || seen.has(next)) return;
        seen.add(next);
        let page = pager.peekPage(next);
        if (page === undefined) {
          this.pagesRequested++;
          page = await pager.getPage(next);
        }
        next = overflowNext(page);
      }
    } catch {
      // A hint only (see the top of the file).
    }
  }
}
