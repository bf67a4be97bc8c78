/**
 * Descents for the writer: the path from the root to where an entry is (or would go), as a
 * list of (pgno, idx) steps. On interior steps `idx` is the child taken (cellCount = the right
 * child); on the last step it is the cell position. The same guards as the read cursors: depth
 * bounded, no page entered twice, children in range and of the tree's kind.
 */
import { CorruptError } from '../errors.js';
import { cellRowid, emptyCell, parseCell } from '../format/cell.js';
import { cellOffset, decodePageHeader, type PageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, childAt } from './btree-page.js';
import type { PayloadCompare } from './index-cursor.js';
import { localPayload, readPayload } from './payload-reader.js';
import { compareRowids } from './rowid.js';

/** parseCell's reused result in the index descent (read synchronously, before any await). */
const scratchCell = emptyCell();

export interface PathStep {
  readonly pgno: number;
  idx: number;
}

export interface WritePath {
  readonly steps: PathStep[];
  /** Whether the last step is ON an entry equal to the key. */
  readonly found: boolean;
}

export interface LoadedPage {
  readonly data: Uint8Array;
  readonly header: PageHeader;
}

export async function loadPage(pager: Pager, pgno: number, isTable: boolean): Promise<LoadedPage> {
  const data = pager.peekPage(pgno) ?? (await pager.getPage(pgno));
  return checkedPage(data, pgno, pager.usableSize, isTable);
}

function checkedPage(data: Uint8Array, pgno: number, usable: number, isTable: boolean): LoadedPage {
  const header = decodePageHeader(data, pgno, usable);
  if (header.isTable !== isTable) throw new CorruptError(`${isTable ? 'index' : 'table'} page inside a ${isTable ? 'table' : 'index'} b-tree`, pgno);
  return { data, header };
}

class Descent {
  readonly steps: PathStep[] = [];

  constructor(
    private readonly pager: Pager,
    private readonly isTable: boolean,
  ) {}

  /** Checks that `pgno` may be entered next; its bytes when cached (no Promise), else undefined. */
  check(pgno: number): Uint8Array | undefined {
    if (pgno < 1 || pgno > this.pager.pageCount) throw new CorruptError(`page ${pgno} out of range`, pgno);
    const steps = this.steps;
    if (steps.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', pgno);
    // The path is at most MAX_BTREE_DEPTH long: a scan beats a Set per descent.
    for (let i = 0; i < steps.length; i++) if (steps[i]!.pgno === pgno) throw new CorruptError('b-tree page reached twice', pgno);
    return this.pager.peekPage(pgno);
  }

  /** Enters `pgno` (after `check`), with its bytes. */
  push(pgno: number, data: Uint8Array): LoadedPage {
    const page = checkedPage(data, pgno, this.pager.usableSize, this.isTable);
    this.steps.push({ pgno, idx: 0 });
    return page;
  }
}

/** A rowid as the b-tree compares it: a number when it is a safe integer (no BigInt per comparison). */
export function normalRowid(rowid: number | bigint): number | bigint {
  return typeof rowid === 'bigint' && rowid >= -9007199254740991n && rowid <= 9007199254740991n ? Number(rowid) : rowid;
}

/** tableLevel's answers at a leaf (any other answer is the child page to enter next). */
const LEAF_MISSING = -1;
const LEAF_FOUND = -2;
/** indexLevel's answer when a cell it had to compare spills to overflow pages (the async descent reads those). */
const NEEDS_PAYLOAD = -3;

/**
 * One level of a table descent for `key` (a normalRowid) on page `pgno` just pushed: sets the
 * step's idx; returns the child to enter, or LEAF_FOUND / LEAF_MISSING on the leaf. A key past
 * the last cell (appends go right at every level) is placed without the binary search.
 */
function tableLevel(pager: Pager, d: Descent, pgno: number, data: Uint8Array, key: number | bigint): number {
  const usable = pager.usableSize;
  const { header } = d.push(pgno, data);
  const n = header.cellCount;
  let lo = 0;
  let hi = n;
  if (n > 0 && compareRowids(cellRowid(data, cellOffset(data, header, n - 1, pgno, usable), header.pageType, pgno, usable), key) < 0) lo = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = cellRowid(data, cellOffset(data, header, mid, pgno, usable), header.pageType, pgno, usable);
    if (compareRowids(r, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  d.steps[d.steps.length - 1]!.idx = lo;
  if (header.isLeaf) {
    const found = lo < n && compareRowids(cellRowid(data, cellOffset(data, header, lo, pgno, usable), header.pageType, pgno, usable), key) === 0;
    return found ? LEAF_FOUND : LEAF_MISSING;
  }
  return childAt({ pgno, data, header }, lo, usable, pager.pageCount);
}

/** One level of a descent: sets the step's idx; returns the child to enter, or LEAF_FOUND / LEAF_MISSING / NEEDS_PAYLOAD. */
type Level = (d: Descent, pgno: number, data: Uint8Array) => number;

/** A descent over cached pages only: undefined at the first page not cached, or when `level` needs a spilled payload. */
function descendCached(pager: Pager, root: number, isTable: boolean, level: Level): WritePath | undefined {
  const d = new Descent(pager, isTable);
  let pgno = root;
  for (;;) {
    const data = d.check(pgno);
    if (data === undefined) return undefined;
    const next = level(d, pgno, data);
    if (next === NEEDS_PAYLOAD) return undefined;
    if (next < 0) return { steps: d.steps, found: next === LEAF_FOUND };
    pgno = next;
  }
}

/** A descent that fetches what is not cached; `reading` redoes a level whose compared cells spill. */
async function descend(pager: Pager, root: number, isTable: boolean, level: Level, reading?: (d: Descent, pgno: number, data: Uint8Array) => Promise<number>): Promise<WritePath> {
  const d = new Descent(pager, isTable);
  let pgno = root;
  for (;;) {
    const data = d.check(pgno) ?? (await pager.getPage(pgno));
    let next = level(d, pgno, data);
    if (next === NEEDS_PAYLOAD) {
      if (reading === undefined) throw new Error('internal: a table level asked for a payload');
      next = await reading(d, pgno, data);
    }
    if (next < 0) return { steps: d.steps, found: next === LEAF_FOUND };
    pgno = next;
  }
}

/**
 * `seekTablePath` when every page on the way is in the cache (synchronous, no Promise);
 * undefined as soon as one is not (nothing has changed; the caller then awaits `seekTablePath`).
 */
export function seekTablePathCached(pager: Pager, root: number, rowid: number | bigint): WritePath | undefined {
  const key = normalRowid(rowid);
  return descendCached(pager, root, true, (d, pgno, data) => tableLevel(pager, d, pgno, data, key));
}

/** Path to the leaf cell with `rowid`, or to the position where it would be inserted. */
export function seekTablePath(pager: Pager, root: number, rowid: number | bigint): Promise<WritePath> {
  const key = normalRowid(rowid);
  return descend(pager, root, true, (d, pgno, data) => tableLevel(pager, d, pgno, data, key));
}

/** `rightEdgeCached`'s answer when a page on the way is not in the cache. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

/** What the right-most descent found on page `pgno` (just pushed, its step set to the last position): the child to enter next, or the leaf's answer. */
function lastLevel(pager: Pager, d: Descent, pgno: number, data: Uint8Array): { child: number } | { rowid: number | bigint | undefined | null } {
  const usable = pager.usableSize;
  const { header } = d.push(pgno, data);
  const n = header.cellCount;
  d.steps[d.steps.length - 1]!.idx = n;
  if (!header.isLeaf) return { child: childAt({ pgno, data, header }, n, usable, pager.pageCount) };
  if (n === 0) return { rowid: d.steps.length === 1 ? undefined : null };
  return { rowid: cellRowid(data, cellOffset(data, header, n - 1, pgno, usable), header.pageType, pgno, usable) };
}

/**
 * The right edge of a table b-tree: the path to just past its last entry (every step at
 * idx = cellCount: the right child, then the position after the leaf's last cell), which is
 * where any rowid larger than `last` goes, and `last`, the largest rowid.
 */
export interface RightEdge {
  readonly path: WritePath;
  /** undefined: the table is empty; null: the right-most leaf is an empty non-root leaf (see lastTableRowidCached). */
  readonly last: number | bigint | undefined | null;
}

/**
 * The right edge of the table b-tree at `root`, synchronously; NOT_CACHED as soon as a page on
 * the way is not in the cache. Its path is valid for `insertRow` of a rowid above `last` as long
 * as the tree is not changed in between.
 */
export function rightEdgeCached(pager: Pager, root: number): RightEdge | typeof NOT_CACHED {
  const d = new Descent(pager, true);
  let pgno = root;
  for (;;) {
    const data = d.check(pgno);
    if (data === undefined) return NOT_CACHED;
    const next = lastLevel(pager, d, pgno, data);
    if ('rowid' in next) return { path: { steps: d.steps, found: false }, last: next.rowid };
    pgno = next.child;
  }
}

/**
 * The largest rowid of the table b-tree at `root` (the last cell of its right-most leaf);
 * undefined when the table is empty; `null` when the right-most leaf is an empty non-root leaf
 * (a tree SQLite would call corrupt: the caller falls back to a cursor, which steps back over
 * it).
 */
export async function lastTableRowid(pager: Pager, root: number): Promise<number | bigint | undefined | null> {
  const d = new Descent(pager, true);
  let pgno = root;
  for (;;) {
    const data = d.check(pgno) ?? (await pager.getPage(pgno));
    const next = lastLevel(pager, d, pgno, data);
    if ('rowid' in next) return next.rowid;
    pgno = next.child;
  }
}

/**
 * One level of an index descent for `compare` on page `pgno` just pushed: the binary search
 * over cells whose payloads are local (compared in place, without a Cell object); sets the
 * step's idx and returns the child to enter, LEAF_FOUND (an equal entry, possibly on an interior
 * page), LEAF_MISSING (the leaf position), or NEEDS_PAYLOAD as soon as a compared cell spills.
 */
function indexLevel(pager: Pager, d: Descent, pgno: number, data: Uint8Array, compare: PayloadCompare): number {
  const usable = pager.usableSize;
  const { header } = d.push(pgno, data);
  const n = header.cellCount;
  let lo = 0;
  let hi = n;
  let atLo = 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cell = parseCell(data, cellOffset(data, header, mid, pgno, usable), header.pageType, pgno, usable, scratchCell);
    if (cell.overflowPgno !== 0) return NEEDS_PAYLOAD;
    const c = compare(localPayload(data, cell));
    if (c >= 0) {
      hi = mid;
      atLo = c;
    } else lo = mid + 1;
  }
  return indexLevelEnd(pager, d, pgno, data, header, lo, atLo);
}

/** indexLevel when a cell spills: the same search, reading spilled payloads from their chains. */
async function indexLevelReading(pager: Pager, d: Descent, pgno: number, data: Uint8Array, compare: PayloadCompare): Promise<number> {
  const usable = pager.usableSize;
  const header = decodePageHeader(data, pgno, usable); // pushed by indexLevel already
  const n = header.cellCount;
  let lo = 0;
  let hi = n;
  let atLo = 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const off = cellOffset(data, header, mid, pgno, usable);
    const cell = parseCell(data, off, header.pageType, pgno, usable, scratchCell);
    // Local payloads are compared in place; others are read with their own Cell (the scratch
    // is used only before an await).
    const c = compare(
      cell.overflowPgno === 0 ? localPayload(data, cell) : await readPayload(pager, pgno, data, parseCell(data, off, header.pageType, pgno, usable)),
    );
    if (c >= 0) {
      hi = mid;
      atLo = c;
    } else lo = mid + 1;
  }
  return indexLevelEnd(pager, d, pgno, data, header, lo, atLo);
}

function indexLevelEnd(pager: Pager, d: Descent, pgno: number, data: Uint8Array, header: PageHeader, lo: number, atLo: number): number {
  d.steps[d.steps.length - 1]!.idx = lo;
  // atLo is compare() of cell lo whenever lo < n (the search ends having compared it).
  if (lo < header.cellCount && atLo === 0) return LEAF_FOUND;
  if (header.isLeaf) return LEAF_MISSING;
  return childAt({ pgno, data, header }, lo, pager.usableSize, pager.pageCount);
}

/**
 * Path to the index entry for which `compare` is 0 (it may be on an interior page), or to the
 * leaf position where such an entry would be inserted.
 */
export function seekIndexPath(pager: Pager, root: number, compare: PayloadCompare): Promise<WritePath> {
  return descend(
    pager,
    root,
    false,
    (d, pgno, data) => indexLevel(pager, d, pgno, data, compare),
    (d, pgno, data) => indexLevelReading(pager, d, pgno, data, compare),
  );
}

/**
 * `seekIndexPath` when every page on the way is cached and no compared entry spills to
 * overflow pages (synchronous); undefined otherwise (nothing has changed).
 */
export function seekIndexPathCached(pager: Pager, root: number, compare: PayloadCompare): WritePath | undefined {
  return descendCached(pager, root, false, (d, pgno, data) => indexLevel(pager, d, pgno, data, compare));
}
