/**
 * A bulk read of a whole table b-tree (rowid table), leaf after leaf in rowid order, for CREATE
 * INDEX: the leaves' page numbers are gathered first from the interior pages, a level at a time
 * (all leaves of a b-tree are at one depth), then the leaves are read in runs. On a local file a
 * run of consecutive page numbers is one system call into one buffer used again for the next
 * run (read-pages-into.ts: no array and no cache entry per page — what a cursor's walk cost
 * most of, with the collections of those arrays); elsewhere (S3, blocks) a group of leaves is
 * fetched through the pager in parallel while the group before it is read (the read-ahead of a
 * scan). Each leaf's cells go to a LeafSink, which reads them where they lie; a row whose
 * payload spills into overflow pages is assembled here and handed over whole.
 *
 * Every page number comes from untrusted bytes: children are checked as the cursors check them
 * (childAt: in range, never page 1), each page may be reached once (a cycle or a shared subtree
 * is CorruptError naming the page), the depth is bounded, and a level holds pages of one kind —
 * an interior page where the leaves are (leaves at different depths, which PRAGMA
 * integrity_check reports too) or a page of an index b-tree is CorruptError.
 */
import { CorruptError } from '../errors.js';
import { parseCell } from '../format/cell.js';
import { decodePageHeader, PageType } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { readPagesInto } from '../pager/read-pages-into.js';
import { cellAt, checkSameKind, childAt, MAX_BTREE_DEPTH, type BtreePage } from './btree-page.js';
import { readPayload } from './payload-reader.js';

/** What scanTableLeaves hands a table's rows to. */
export interface LeafSink {
  /** Called once, before the first leaf, with the number of leaves (a size hint). */
  expectLeaves(count: number): void;
  /**
   * Reads cells `from`… of the table leaf `page` in place (checking each cell pointer and cell
   * against the page as parseCell does) and returns the index of the first cell it did not
   * take — one whose payload spills into overflow pages — or the cell count.
   */
  takeLocalCells(page: BtreePage, from: number, usable: number): number;
  /** A row whose payload spilled into overflow pages: the payload assembled, and its rowid. */
  add(payload: Uint8Array, rowid: number | bigint): void;
}

/** Pages per run read at once (256 KiB of 4 KiB pages), and leaves per group fetched through the pager. */
export const RUN_PAGES = 64;

/** Hands every row of the table b-tree rooted at `root` to `sink`, in rowid order. */
export async function scanTableLeaves(pager: Pager, root: number, sink: LeafSink): Promise<void> {
  const size = pager.pageSize;
  const scratch = new Uint8Array(RUN_PAGES * size);
  const leaves = await leafPgnos(pager, root, scratch);
  sink.expectLeaves(leaves.length);
  const group = (from: number): Promise<Uint8Array[]> => pager.getPages(leaves.slice(from, from + RUN_PAGES));
  // Leaves fetched through the pager: the group after the one being read is already on its way.
  let ahead: { readonly from: number; readonly pages: Promise<Uint8Array[]> } | undefined;
  for (let i = 0; i < leaves.length; ) {
    let run = 1;
    while (i + run < leaves.length && run < RUN_PAGES && leaves[i + run] === leaves[i]! + run) run++;
    if (ahead === undefined && readPagesInto(pager, leaves[i]!, run, scratch)) {
      for (let k = 0; k < run; k++) await takeLeaf(pager, leaves[i + k]!, scratch.subarray(k * size, (k + 1) * size), sink);
      i += run;
      continue;
    }
    const pages = ahead !== undefined && ahead.from === i ? ahead.pages : group(i);
    const end = Math.min(i + RUN_PAGES, leaves.length);
    ahead = end < leaves.length ? { from: end, pages: group(end) } : undefined;
    // A failed fetch ahead surfaces when its group is read, not as an unhandled rejection.
    ahead?.pages.catch(() => undefined);
    const got = await pages;
    for (let k = i; k < end; k++) await takeLeaf(pager, leaves[k]!, got[k - i]!, sink);
    i = end;
  }
}

/** One leaf's rows to the sink: the local ones read in place, the others assembled. */
async function takeLeaf(pager: Pager, pgno: number, data: Uint8Array, sink: LeafSink): Promise<void> {
  const usable = pager.usableSize;
  const header = decodePageHeader(data, pgno, usable);
  if (header.pageType !== PageType.TableLeaf) {
    throw new CorruptError(header.isTable ? 'table b-tree leaves at different depths' : 'index page inside a table b-tree', pgno);
  }
  const page: BtreePage = { pgno, data, header };
  const n = header.cellCount;
  for (let from = 0; from < n; ) {
    const stop = sink.takeLocalCells(page, from, usable);
    if (stop >= n) return;
    const cell = parseCell(data, cellAt(page, stop, usable), PageType.TableLeaf, pgno, usable);
    sink.add(await readPayload(pager, pgno, data, cell), cell.rowid);
    from = stop + 1;
  }
}

/**
 * The page numbers of the tree's leaves, left to right (the root alone when it is a leaf).
 * `scratch` (at least a page) is overwritten. Also the first step of table-leaf-records.ts.
 */
export async function leafPgnos(pager: Pager, root: number, scratch: Uint8Array): Promise<number[]> {
  if (root < 1 || root > pager.pageCount) throw new CorruptError(`root page ${root} out of range`, root);
  const usable = pager.usableSize;
  let level = [await loadChecked(pager, root)];
  if (level[0]!.header.isLeaf) return [root];
  const seen = new Set<number>([root]);
  for (let depth = 1; ; depth++) {
    if (depth >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', root);
    const children: number[] = [];
    for (const page of level) {
      for (let i = 0; i <= page.header.cellCount; i++) {
        const child = childAt(page, i, usable, pager.pageCount);
        if (seen.has(child)) throw new CorruptError('b-tree page reached twice', child);
        seen.add(child);
        children.push(child);
      }
    }
    // The first child says whether the next level is the leaves (each leaf is checked when it
    // is read): read without caching it where the file allows, so its run still reads at once.
    const first = children[0]!;
    const type = readPagesInto(pager, first, 1, scratch) ? scratch[0]! : (await pager.getPage(first))[0]!;
    if (type === PageType.TableLeaf) return children;
    const next: BtreePage[] = [];
    for (let i = 0; i < children.length; i += RUN_PAGES) {
      const group = children.slice(i, i + RUN_PAGES);
      const pages = await pager.getPages(group);
      for (let k = 0; k < group.length; k++) {
        const page: BtreePage = { pgno: group[k]!, data: pages[k]!, header: decodePageHeader(pages[k]!, group[k]!, usable) };
        checkSameKind(page, true);
        if (page.header.isLeaf) throw new CorruptError('table b-tree leaves at different depths', page.pgno);
        next.push(page);
      }
    }
    level = next;
  }
}

async function loadChecked(pager: Pager, pgno: number): Promise<BtreePage> {
  const data = await pager.getPage(pgno);
  const page: BtreePage = { pgno, data, header: decodePageHeader(data, pgno, pager.usableSize) };
  checkSameKind(page, true);
  return page;
}
