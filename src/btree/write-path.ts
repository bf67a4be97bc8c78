/**
 * Descents for the writer: the path from the root to where an entry is (or would go), as a
 * list of (pgno, idx) steps. On interior steps `idx` is the child taken (cellCount = the right
 * child); on the last step it is the cell position. The same guards as the read cursors: depth
 * bounded, no page entered twice, children in range and of the tree's kind.
 */
import { CorruptError } from '../errors.js';
import { cellRowid, parseCell } from '../format/cell.js';
import { cellOffset, decodePageHeader, type PageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, childAt } from './btree-page.js';
import type { PayloadCompare } from './index-cursor.js';
import { readPayload } from './payload-reader.js';
import { compareRowids } from './rowid.js';

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
  const header = decodePageHeader(data, pgno, pager.usableSize);
  if (header.isTable !== isTable) throw new CorruptError(`${isTable ? 'index' : 'table'} page inside a ${isTable ? 'table' : 'index'} b-tree`, pgno);
  return { data, header };
}

class Descent {
  private readonly seen = new Set<number>();
  readonly steps: PathStep[] = [];

  constructor(
    private readonly pager: Pager,
    private readonly isTable: boolean,
  ) {}

  async enter(pgno: number): Promise<LoadedPage> {
    if (pgno < 1 || pgno > this.pager.pageCount) throw new CorruptError(`page ${pgno} out of range`, pgno);
    if (this.steps.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', pgno);
    if (this.seen.has(pgno)) throw new CorruptError('b-tree page reached twice', pgno);
    this.seen.add(pgno);
    const page = await loadPage(this.pager, pgno, this.isTable);
    this.steps.push({ pgno, idx: 0 });
    return page;
  }
}

/** Path to the leaf cell with `rowid`, or to the position where it would be inserted. */
export async function seekTablePath(pager: Pager, root: number, rowid: number | bigint): Promise<WritePath> {
  const usable = pager.usableSize;
  const d = new Descent(pager, true);
  let pgno = root;
  for (;;) {
    const { data, header } = await d.enter(pgno);
    const n = header.cellCount;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = cellRowid(data, cellOffset(data, header, mid, pgno, usable), header.pageType, pgno, usable);
      if (compareRowids(r, rowid) < 0) lo = mid + 1;
      else hi = mid;
    }
    const step = d.steps[d.steps.length - 1]!;
    step.idx = lo;
    if (header.isLeaf) {
      const found = lo < n && compareRowids(cellRowid(data, cellOffset(data, header, lo, pgno, usable), header.pageType, pgno, usable), rowid) === 0;
      return { steps: d.steps, found };
    }
    pgno = childAt({ pgno, data, header }, lo, usable, pager.pageCount);
  }
}

/**
 * Path to the index entry for which `compare` is 0 (it may be on an interior page), or to the
 * leaf position where such an entry would be inserted.
 */
export async function seekIndexPath(pager: Pager, root: number, compare: PayloadCompare): Promise<WritePath> {
  const usable = pager.usableSize;
  const d = new Descent(pager, false);
  let pgno = root;
  for (;;) {
    const { data, header } = await d.enter(pgno);
    const n = header.cellCount;
    let lo = 0;
    let hi = n;
    let atLo = 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const cell = parseCell(data, cellOffset(data, header, mid, pgno, usable), header.pageType, pgno, usable);
      const c = compare(await readPayload(pager, pgno, data, cell));
      if (c >= 0) {
        hi = mid;
        atLo = c;
      } else lo = mid + 1;
    }
    const step = d.steps[d.steps.length - 1]!;
    step.idx = lo;
    // atLo is compare() of cell lo whenever lo < n (the search ends having compared it).
    if (lo < n && atLo === 0) return { steps: d.steps, found: true };
    if (header.isLeaf) return { steps: d.steps, found: false };
    pgno = childAt({ pgno, data, header }, lo, usable, pager.pageCount);
  }
}
