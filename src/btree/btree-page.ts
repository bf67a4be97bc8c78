/**
 * A b-tree page as the cursors see it: the page bytes, its decoded header and helpers to reach
 * cells and children with every bound checked (children must be in 2..pageCount; page 1 is the
 * root of sqlite_schema and can never be a child).
 */
import { CorruptError } from '../errors.js';
import { cellLeftChild, cellRowid } from '../format/cell.js';
import { compareRowids, searchRowid } from './rowid.js';
import { cellOffset, decodePageHeader, type PageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';

/** SQLite uses 20 (BTCURSOR_MAX_DEPTH); a little slack costs nothing and catches cycles all the same. */
export const MAX_BTREE_DEPTH = 40;

export interface BtreePage {
  readonly pgno: number;
  readonly data: Uint8Array;
  readonly header: PageHeader;
}

export async function loadBtreePage(pager: Pager, pgno: number): Promise<BtreePage> {
  const data = pager.pageNow(pgno) ?? (await pager.getPage(pgno));
  return { pgno, data, header: decodePageHeader(data, pgno, pager.usableSize) };
}

/**
 * The page without a Promise, when the pager has it in memory (cache or dirty) or can read it at
 * once (a local file: Pager.pageNow); else undefined.
 */
export function peekBtreePage(pager: Pager, pgno: number): BtreePage | undefined {
  const data = pager.pageNow(pgno);
  return data === undefined ? undefined : { pgno, data, header: decodePageHeader(data, pgno, pager.usableSize) };
}

/** Offset of cell `i` on the page (validated). */
export function cellAt(page: BtreePage, i: number, usableSize: number): number {
  return cellOffset(page.data, page.header, i, page.pgno, usableSize);
}

/** Child `i` of an interior page: the left child of cell i, or the right child when i == cellCount. */
export function childAt(page: BtreePage, i: number, usableSize: number, pageCount: number): number {
  const child =
    i === page.header.cellCount ? page.header.rightChild : cellLeftChild(page.data, cellAt(page, i, usableSize), page.pgno);
  if (child < 2 || child > pageCount) throw new CorruptError(`child page ${child} out of range`, page.pgno);
  return child;
}

/** Checks that a child page belongs to the same kind of b-tree (table vs index) as its parent. */
export function checkSameKind(child: BtreePage, isTable: boolean): void {
  if (child.header.isTable !== isTable) {
    throw new CorruptError(`${isTable ? 'index' : 'table'} page inside a ${isTable ? 'table' : 'index'} b-tree`, child.pgno);
  }
}

/** The first of a table page's `n` cells from `from` on whose rowid is ≥ `rowid` (n if none): binary search. */
export function firstCellAtOrAfter(page: BtreePage, n: number, key: number | bigint, usable: number, from = 0): number {
  const rowid = searchRowid(key);
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = cellRowid(page.data, cellAt(page, mid, usable), page.header.pageType, page.pgno, usable);
    if (compareRowids(r, rowid) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
