/**
 * Counts the entries of a b-tree from page headers alone (no payload decoding): for a table
 * b-tree the leaf cell counts, for an index b-tree the cell counts of all pages (interior
 * cells are entries too). Each page is visited at most once; a page reached twice or a tree
 * deeper than MAX_BTREE_DEPTH is CorruptError.
 */
import { CorruptError } from '../errors.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, checkSameKind, childAt, loadBtreePage } from './btree-page.js';

export async function countEntries(pager: Pager, rootPgno: number): Promise<number> {
  if (rootPgno < 1 || rootPgno > pager.pageCount) throw new CorruptError(`root page ${rootPgno} out of range`, rootPgno);
  const isTable = (await loadBtreePage(pager, rootPgno)).header.isTable;
  const visited = new Set<number>([rootPgno]);
  const usable = pager.usableSize;
  let count = 0;
  // Breadth-first by level. A level's pages are fetched in parallel, in windows of
  // LEVEL_WINDOW pages, so that memory stays bounded however wide the leaf level is (a 1 GiB
  // table has a quarter of a million leaves); only page numbers are kept for a whole level.
  let level = [rootPgno];
  for (let depth = 1; level.length > 0; depth++) {
    const children: number[] = [];
    for (let at = 0; at < level.length; at += LEVEL_WINDOW) {
      const pages = await Promise.all(level.slice(at, at + LEVEL_WINDOW).map((p) => loadBtreePage(pager, p)));
      for (const page of pages) {
        checkSameKind(page, isTable);
        const n = page.header.cellCount;
        if (page.header.isLeaf || !isTable) count += n;
        if (page.header.isLeaf) continue;
        if (depth >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', page.pgno);
        for (let i = 0; i <= n; i++) {
          const child = childAt(page, i, usable, pager.pageCount);
          if (visited.has(child)) throw new CorruptError('b-tree page reached twice', child);
          visited.add(child);
          children.push(child);
        }
      }
    }
    level = children;
  }
  return count;
}

/** Pages of one level fetched at once (bounded memory, enough requests in flight to hide latency). */
const LEVEL_WINDOW = 64;
