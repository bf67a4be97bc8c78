/**
 * Read-ahead that knows the tree.
 *
 * Over S3 every page miss is a round trip (10–50 ms). A scan that walks the leaves of a b-tree
 * one `getPage` at a time therefore runs at one RTT per leaf, whatever the bandwidth. But a
 * cursor that reaches a leaf through its parent interior page already holds the page numbers
 * of the leaves that come next: they are the parent's later child pointers
 * (https://www.sqlite.org/fileformat2.html#b_tree_pages — the 4-byte left-child pointer at the
 * start of each interior cell, and the right-most pointer at header offset 8). `LeafReadAhead`
 * fetches the next K of them in the background with `pager.getPages` (misses in parallel, each
 * landing in the page cache), so that the scan finds them cached by the time it gets there.
 *
 * Adaptive window, like sql.js-httpvfs's "read heads": nothing is fetched ahead until the cursor
 * has stepped from one leaf to the next (so a `LIMIT 10` or a point lookup costs no extra
 * request); then K starts at 4 and doubles each time the cursor arrives at a leaf that was
 * fetched ahead, up to 64 and to a quarter of the page cache's budget (prefetched leaves must
 * not evict each other before they are read). When the window runs past the parent's last
 * child, the parent's next sibling (a child of the grandparent, an interior page) is fetched and
 * then its first children, so the stream of requests does not stall at a parent boundary.
 *
 * Everything here is a hint: page numbers come from untrusted bytes, so a prefetch that meets
 * anything odd (a pointer out of range, a page of the wrong kind, an I/O error) simply stops.
 * The cursor, which validates every page it enters, reports the problem when it gets there.
 *
 Overflow chains have their own read-ahead (overflow-read-ahead.ts): each overflow page holds
 * the number of the next one, so one chain is sequential, but the chains of the next rows are
 * walked side by side.
 *
 * ## Blocks larger than the page
 * A block file (src/vfs/block-vfs.ts) may store several pages per object (64 KiB or 1 MiB
 * blocks). Then a window of 64 leaves is only 64 / (pages per block) distinct GETs — 4 at
 * 64 KiB, a fraction of one at 1 MiB — and a scan waits on one or two blocks at a time. So when
 * the file offers `prefetch` (the `BlockPrefetcher` shape below; `BlockFile` has it), a second
 * window counts BLOCKS: the blocks that hold the next leaves (and the next parents) are fetched
 * into the file's block cache, without decoding them into pages, so the page cache's budget does
 * not limit it. That window also starts small (2 blocks, nothing before the scan has stepped
 * once), doubles each time the scan enters a new block, and is bounded in bytes by the block
 * cache (`prefetchCapacity`: by default 8 MiB, at most 63 blocks; 7 blocks of 1 MiB), so blocks fetched
 * ahead are never evicted before the scan gets to them, and no block is fetched twice. The
 * leaf window above then finds its pages in the block cache: it costs no request.
 *
 * Not covered:
 * - interior pages deeper than one level above the leaves are not prefetched (they are few and
 *   stay in the cache's interior pool).
 * - the block window stops at the end of the grandparent's children: crossing into the next
 *   grandparent waits for the cursor to get there (one stall per few hundred thousand rows).
 */
import { CorruptError } from '../errors.js';
import { decodePageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { compareRowids } from './rowid.js';
import { MAX_BTREE_DEPTH, checkSameKind, childAt, firstCellAtOrAfter, loadBtreePage, type BtreePage } from './btree-page.js';
import type { OverflowReadAheadOptions } from './overflow-read-ahead.js';

export interface ReadAheadOptions {
  /** First window, in leaves (default 4). */
  readonly initial?: number;
  /** Largest window, in leaves (default 64). */
  readonly max?: number;
  /**
   * The page cache's byte budget, to bound the window to a quarter of it (default: the pager's
   * `cacheBytes`).
   */
  readonly cacheBytes?: number;
  /**
   * Overflow read-ahead (overflow-read-ahead.ts): in a forward scan, the overflow chains of the
   * next rows are walked in parallel. Default on; `false` turns it off.
   */
  readonly overflow?: boolean | OverflowReadAheadOptions;
  /**
   * Block read-ahead (see "Blocks larger than the page" above), when the pager's file offers it.
   * Default on; `false` turns it off.
   */
  readonly blocks?: boolean;
}

export const READ_AHEAD_INITIAL = 4;
/** Most consecutive pages read in one go on a local file (64 KiB of 4 KiB pages). */
export const READ_RUN_PAGES = 16;
export const READ_AHEAD_MAX = 64;
/** First window of the block read-ahead, in blocks. */
export const BLOCK_READ_AHEAD_INITIAL = 2;

/**
 * What a file that stores several pages per object offers read-ahead (structurally; `BlockFile`
 * in src/vfs/block-vfs.ts has it). Found on `pager.file` by its shape, so this layer imports
 * nothing from vfs/.
 */
export interface BlockPrefetcher {
  /** Bytes per block. */
  readonly blockSize: number;
  /** Blocks that may be fetched ahead at once without being evicted before use; 0 = none. */
  readonly prefetchCapacity: number;
  /** Starts fetching (never waits, never throws) the blocks that hold [offset, offset + amount). */
  prefetch(amount: number, offset: number): number;
}

/** `file` as a BlockPrefetcher worth using for pages of `pageSize` bytes (a block holds 2+ pages), or undefined. */
export function blockPrefetcher(file: unknown, pageSize: number): BlockPrefetcher | undefined {
  if (typeof file !== 'object' || file === null) return undefined;
  const f = file as Partial<BlockPrefetcher>;
  if (typeof f.prefetch !== 'function' || typeof f.blockSize !== 'number' || typeof f.prefetchCapacity !== 'number') return undefined;
  if (f.blockSize < 2 * pageSize || f.prefetchCapacity < 1) return undefined;
  return f as BlockPrefetcher;
}

/** One level of a cursor's path: an interior page and the child index the cursor went into. */
export interface PathStep {
  readonly page: BtreePage;
  readonly idx: number;
}

export class LeafReadAhead {
  private window: number;
  readonly maxWindow: number;
  /** Per interior page: how far (child index, in the direction of travel) its children have been requested. */
  private requested = new Map<number, number>();
  private direction: 1 | -1 = 1;
  /** Background fetches started (for tests). */
  fetchesStarted = 0;
  /** Pages requested ahead (for tests and benchmarks). */
  pagesRequested = 0;
  /** The block read-ahead, when the file stores several pages per block. */
  private readonly blocks: BlockReadAhead | undefined;

  constructor(
    private readonly pager: Pager,
    options: ReadAheadOptions = {},
  ) {
    const budget = options.cacheBytes ?? pager.cacheBytes;
    const byBudget = Math.floor(budget / 4 / pager.pageSize);
    this.maxWindow = Math.max(1, Math.min(options.max ?? READ_AHEAD_MAX, byBudget));
    this.window = Math.max(1, Math.min(options.initial ?? READ_AHEAD_INITIAL, this.maxWindow));
    const prefetcher = options.blocks === false ? undefined : blockPrefetcher(pager.file, pager.pageSize);
    if (prefetcher !== undefined) this.blocks = new BlockReadAhead(pager, prefetcher);
  }

  /** The block read-ahead's figures (for tests and benchmarks), when there is one. */
  get blockStats(): { readonly window: number; readonly blocksHinted: number; readonly getsStarted: number } | undefined {
    const b = this.blocks;
    return b === undefined ? undefined : { window: b.window, blocksHinted: b.blocksHinted, getsStarted: b.getsStarted };
  }

  /** Current window size in leaves. */
  get windowSize(): number {
    return this.window;
  }

  /**
   * The cursor has just stepped (by next/prev, not by a seek) onto a leaf reached as child
   * `parent.idx` of `parent.page`; `grandparent` is the level above, when there is one.
   */
  stepped(parent: PathStep, grandparent: PathStep | undefined, direction: 1 | -1): void {
    if (direction !== this.direction) {
      this.direction = direction;
      this.requested.clear();
      this.window = Math.max(1, Math.min(READ_AHEAD_INITIAL, this.maxWindow));
    }
    this.blocks?.stepped(parent, grandparent, direction);
    const d = direction;
    const pgno = parent.page.pgno;
    const furthest = this.requested.get(pgno);
    // Arriving at a leaf that was fetched ahead is sequential progress: widen the window.
    if (furthest !== undefined && (parent.idx - furthest) * d <= 0) {
      this.window = Math.min(this.maxWindow, this.window * 2);
    }
    const from = furthest === undefined || (furthest - parent.idx) * d < 0 ? parent.idx : furthest;
    // Top up only when less than half a window remains ahead: fewer, larger batches.
    if ((from - parent.idx) * d >= Math.ceil(this.window / 2)) return;
    const target = parent.idx + d * this.window;
    const n = parent.page.header.cellCount; // children are 0..n
    const last = d > 0 ? Math.min(target, n) : Math.max(target, 0);
    const pgnos: number[] = [];
    for (let i = from + d; (last - i) * d >= 0; i += d) {
      const child = this.childOrUndefined(parent.page, i);
      if (child === undefined) return;
      pgnos.push(child);
    }
    this.requested.set(pgno, last);
    this.fetch(pgnos);
    const leftover = (target - last) * d;
    if (leftover > 0 && grandparent !== undefined) this.continueInSibling(parent.page, grandparent, leftover);
    // Forget parents the cursor has left behind (at most a few entries live at once).
    if (this.requested.size > 8) {
      for (const key of this.requested.keys()) {
        if (this.requested.size <= 4) break;
        if (key !== pgno) this.requested.delete(key);
      }
    }
  }

  /** Fetch the parent's next sibling, then its first `count` children in the direction of travel. */
  private continueInSibling(parent: BtreePage, grandparent: PathStep, count: number): void {
    const d = this.direction;
    const i = grandparent.idx + d;
    if (i < 0 || i > grandparent.page.header.cellCount) return;
    const sibling = this.childOrUndefined(grandparent.page, i);
    if (sibling === undefined || this.requested.has(sibling)) return;
    const isTable = parent.header.isTable;
    this.requested.set(sibling, d > 0 ? -1 : Number.MAX_SAFE_INTEGER);
    this.fetchesStarted++;
    this.pagesRequested++;
    const withPage = (data: Uint8Array): void => {
      let page: BtreePage;
      try {
        page = { pgno: sibling, data, header: decodePageHeader(data, sibling, this.pager.usableSize) };
        checkSameKind(page, isTable);
      } catch {
        return;
      }
      if (page.header.isLeaf) return;
      const n = page.header.cellCount;
      const start = d > 0 ? 0 : n;
      const end = d > 0 ? Math.min(count - 1, n) : Math.max(n - count + 1, 0);
      const pgnos: number[] = [];
      for (let c = start; (end - c) * d >= 0; c += d) {
        const child = this.childOrUndefined(page, c);
        if (child === undefined) break;
        pgnos.push(child);
      }
      if (this.requested.has(sibling)) this.requested.set(sibling, start + d * (pgnos.length - 1));
      this.fetch(pgnos);
    };
    // A local file reads it at once (no read in flight for the cursor to wait on); else in the background.
    let now: Uint8Array | undefined;
    try {
      now = this.pager.pageNow(sibling);
    } catch {
      return;
    }
    if (now !== undefined) withPage(now);
    else this.pager.getPage(sibling).then(withPage, () => {});
  }

  private childOrUndefined(page: BtreePage, i: number): number | undefined {
    try {
      return childAt(page, i, this.pager.usableSize, this.pager.pageCount);
    } catch {
      return undefined;
    }
  }

  /**
   * On a file that reads at once (a local file): each run of consecutive page numbers, up to
   * READ_RUN_PAGES, read in one go (Pager.readRunNow) — one system call and one buffer where a
   * page at a time costs one each (a run's buffer lives while any of its pages is cached; these
   * are leaves a scan uses and drops in turn). False when the file cannot: use getPages.
   */
  private readRunsNow(pgnos: readonly number[]): boolean {
    for (let i = 0; i < pgnos.length; ) {
      let n = 1;
      while (n < READ_RUN_PAGES && i + n < pgnos.length && pgnos[i + n] === pgnos[i]! + n) n++;
      // false: a page of the run is already cached or on its way — leave the run to the cursor.
      if (this.pager.readRunNow(pgnos[i]!, n) === undefined) return i > 0;
      i += n;
    }
    return true;
  }

  private fetch(pgnos: number[]): void {
    // A hint only: failures (a closed pager, an I/O error) surface when the cursor itself reads
    // the page, never from here.
    try {
      const missing = pgnos.filter((p) => this.pager.peekPage(p) === undefined);
      if (missing.length === 0) return;
      this.fetchesStarted++;
      this.pagesRequested += missing.length;
      // A local file reads them at once, runs of pages in one read each; anything else in parallel.
      if (!this.readRunsNow(missing)) this.pager.getPages(missing).catch(() => {});
    } catch {
      // nothing to do
    }
  }
}

/**
 * The block window (see "Blocks larger than the page" at the top of this file). On each step
 * onto a new leaf it walks the child pointers ahead of the cursor — the rest of the parent's
 * children, then the parent's next siblings (children of the grandparent) and their children when
 * those interior pages are cached — and hints the file with the block of each page met, until it
 * has met `window` distinct blocks past the current leaf's block. The walk runs again only when
 * the cursor enters another block (or when a sibling it was waiting for has arrived), and looks
 * at no more than a bounded number of child pointers, so its cost is a small fraction of
 * decoding the leaves.
 */
class BlockReadAhead {
  window = BLOCK_READ_AHEAD_INITIAL;
  readonly maxWindow: number;
  private readonly pagesPerBlock: number;
  private direction: 1 | -1 = 1;
  private lastBlock = -1;
  /** A sibling interior page the last walk stopped at (it was not cached yet). */
  private waitingFor: number | undefined;
  /** Distinct blocks hinted by walks (for tests and benchmarks; a block may count in several walks). */
  blocksHinted = 0;
  /** GETs the hints started (blocks that were neither cached nor in flight). */
  getsStarted = 0;

  constructor(
    private readonly pager: Pager,
    private readonly file: BlockPrefetcher,
  ) {
    this.maxWindow = Math.max(1, file.prefetchCapacity);
    this.window = Math.min(BLOCK_READ_AHEAD_INITIAL, this.maxWindow);
    this.pagesPerBlock = Math.max(1, Math.floor(file.blockSize / pager.pageSize));
  }

  private blockOf(pgno: number): number {
    return Math.floor(((pgno - 1) * this.pager.pageSize) / this.file.blockSize);
  }

  stepped(parent: PathStep, grandparent: PathStep | undefined, direction: 1 | -1): void {
    try {
      if (direction !== this.direction) {
        this.direction = direction;
        this.window = Math.min(BLOCK_READ_AHEAD_INITIAL, this.maxWindow);
        this.lastBlock = -1;
      }
      const leaf = this.childOrUndefined(parent.page, parent.idx);
      if (leaf === undefined) return;
      const block = this.blockOf(leaf);
      const waiting = this.waitingFor;
      const arrived = waiting !== undefined && this.pager.peekPage(waiting) !== undefined;
      if (block === this.lastBlock && !arrived) return;
      if (block !== this.lastBlock && this.lastBlock !== -1) this.window = Math.min(this.maxWindow, this.window * 2);
      this.lastBlock = block;
      this.walk(parent, grandparent, block);
    } catch {
      // A hint only: the cursor reports whatever is wrong when it gets there.
    }
  }

  private walk(parent: PathStep, grandparent: PathStep | undefined, current: number): void {
    const d = this.direction;
    const seen = new Set<number>([current]);
    // Enough pointers to fill the window even if the tree's pages alternate between blocks.
    let budget = 4 * this.window * this.pagesPerBlock + 64;
    /** Blocks the children of uncached siblings will take, guessed from the parent's fan-out. */
    let unseen = 0;
    this.waitingFor = undefined;
    /** Hints the block of `pgno`; false once the window is full. */
    const visit = (pgno: number): boolean => {
      const b = this.blockOf(pgno);
      if (!seen.has(b)) {
        if (seen.size + unseen > this.window) return false;
        seen.add(b);
        this.blocksHinted++;
        this.getsStarted += this.file.prefetch(this.file.blockSize, b * this.file.blockSize);
      }
      return --budget > 0;
    };
    const children = (page: BtreePage, from: number): boolean => {
      const n = page.header.cellCount;
      for (let i = from; i >= 0 && i <= n; i += d) {
        const child = this.childOrUndefined(page, i);
        if (child === undefined || !visit(child)) return false;
      }
      return true;
    };
    if (!children(parent.page, parent.idx + d) || grandparent === undefined) return;
    const isTable = parent.page.header.isTable;
    for (let g = grandparent.idx + d; g >= 0 && g <= grandparent.page.header.cellCount; g += d) {
      const sibling = this.childOrUndefined(grandparent.page, g);
      if (sibling === undefined || !visit(sibling)) return;
      const data = this.pager.peekPage(sibling);
      if (data === undefined) {
        // Its block is on its way; read the page itself too, so that a later walk can go
        // through its children, and go on to the next siblings meanwhile (their pointers are
        // here): the interior pages of the window arrive together, not one per round trip.
        // Its children count against the window as the parent's fan-out suggests: a sibling
        // fetched far ahead of its leaves would be evicted from the block cache before them.
        this.waitingFor ??= sibling;
        this.pager.getPage(sibling).catch(() => {});
        unseen += Math.max(1, Math.ceil((parent.page.header.cellCount + 1) / this.pagesPerBlock));
        continue;
      }
      const page: BtreePage = { pgno: sibling, data, header: decodePageHeader(data, sibling, this.pager.usableSize) };
      checkSameKind(page, isTable);
      if (page.header.isLeaf) return;
      if (!children(page, d > 0 ? 0 : page.header.cellCount)) return;
    }
  }

  private childOrUndefined(page: BtreePage, i: number): number | undefined {
    try {
      return childAt(page, i, this.pager.usableSize, this.pager.pageCount);
    } catch {
      return undefined;
    }
  }
}

/**
 * Index lookup + table fetch: brings into the page cache, in parallel, the table leaves that
 * hold a batch of rowids (for example the rowids a batch of index entries points at). It
 * descends level by level: the distinct pages of each level are fetched with one
 * `pager.getPages` (interior pages are usually cached already), then each rowid is routed to
 * its child by binary search over the separator keys. A later `TableCursor.seekRowid` of any of
 * these rowids then costs no request. Returns the number of distinct leaves.
 *
 * Is thrown from: CorruptError when a page on the way is not a table b-tree page, a child
 * pointer is out of range, a page is reached twice, or the tree is deeper than MAX_BTREE_DEPTH.
 */
export async function fetchRowidLeaves(
  pager: Pager,
  rootPgno: number,
  rowids: Iterable<number | bigint>,
): Promise<number> {
  if (rootPgno < 1 || rootPgno > pager.pageCount) throw new CorruptError(`root page ${rootPgno} out of range`, rootPgno);
  const sorted = [...rowids].sort(compareRowids);
  if (sorted.length === 0) return 0;
  const usable = pager.usableSize;
  const seen = new Set<number>([rootPgno]);
  let level: { pgno: number; rowids: (number | bigint)[] }[] = [{ pgno: rootPgno, rowids: sorted }];
  for (let depth = 1; ; depth++) {
    const pages = await Promise.all(level.map((l) => loadBtreePage(pager, l.pgno)));
    const next: { pgno: number; rowids: (number | bigint)[] }[] = [];
    let leaves = 0;
    for (let k = 0; k < pages.length; k++) {
      const page = pages[k]!;
      checkSameKind(page, true);
      if (page.header.isLeaf) {
        leaves++;
        continue;
      }
      if (depth >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', page.pgno);
      const n = page.header.cellCount;
      let child = -1;
      let group: (number | bigint)[] = [];
      let lo = 0;
      for (const rowid of level[k]!.rowids) {
        // First cell whose separator rowid >= the target; the rowids are sorted, so the search
        // resumes where the previous one ended.
        lo = firstCellAtOrAfter(page, n, rowid, usable, lo);
        if (lo !== child) {
          if (group.length > 0) next.push(descendTo(page, child, group, seen, usable, pager.pageCount));
          child = lo;
          group = [];
        }
        group.push(rowid);
      }
      if (group.length > 0) next.push(descendTo(page, child, group, seen, usable, pager.pageCount));
    }
    if (next.length === 0) return leaves;
    level = next;
  }
}

function descendTo(
  page: BtreePage,
  idx: number,
  rowids: (number | bigint)[],
  seen: Set<number>,
  usable: number,
  pageCount: number,
): { pgno: number; rowids: (number | bigint)[] } {
  const pgno = childAt(page, idx, usable, pageCount);
  if (seen.has(pgno)) throw new CorruptError('b-tree page reached twice', pgno);
  seen.add(pgno);
  return { pgno, rowids };
}
