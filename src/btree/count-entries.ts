/**
 * Counts the entries of a b-tree from page headers alone (no payload decoding): for a table
 * b-tree the leaf cell counts, for an index b-tree the cell counts of all pages (interior
 * cells are entries too). Each page is visited at most once; a page reached twice or a tree
 * deeper than MAX_BTREE_DEPTH is CorruptError.
 *
 * The tree is walked breadth-first, one level at a time; only page numbers are kept for a whole
 * level (a 1 GiB table has a quarter of a million leaves). A level's pages are visited in page
 * number order: the order does not change a count, and in that order the pages that share a
 * block (src/vfs/block-vfs.ts, several pages per object) come together, so each block is needed
 * during one stretch of the walk only.
 *
 * Fetching:
 * - Page-sized blocks (or any file without `prefetch`): LEVEL_WINDOW pages of the level are
 *   fetched at once (`pager.getPage` misses in parallel).
 * - Blocks larger than the page (a `BlockPrefetcher`, read-ahead.ts): 64 pages would be only 4
 *   blocks of 16 pages, and a count over 64 KiB blocks would wait on a handful of GETs at a
 *   time. So the level is cut into runs of pages that share a block, and while the pages of run
 *   r are read, the blocks of runs r+1 .. r+`prefetchCapacity` are hinted to the file
 *   (`prefetch`: fetched into its block cache, not decoded). The block cache keeps hinted blocks
 *   until they are read and holds `prefetchCapacity` + 1 blocks, so nothing hinted is evicted
 *   before use and no block is fetched twice in a level; a run whose pages are all in the page
 *   cache already is not hinted (it costs no request).
 *   A block that holds pages of two levels (SQLite puts interior pages among the leaves) is
 *   needed by two passes. The runs of blocks the previous level read last — the ones still in
 *   the block cache — are therefore visited first, most recent first, then the others in page
 *   order. When the level above touched no more blocks than the cache holds (64 KiB blocks: 63;
 *   a 23 MiB table of 4 KiB pages has a few dozen interior pages, and bench/s3-read.ts sees
 *   every block fetched once), no block is fetched twice; beyond that (tables of hundreds of
 *   MiB: ~1 interior page per 100–400 leaves), a block of the level above may be fetched once
 *   more in the next level.
 */
import { CorruptError } from '../errors.js';
import type { Pager } from '../pager/pager.js';
import { MAX_BTREE_DEPTH, checkSameKind, childAt, loadBtreePage, type BtreePage } from './btree-page.js';
import { blockPrefetcher, type BlockPrefetcher } from './read-ahead.js';

export async function countEntries(pager: Pager, rootPgno: number): Promise<number> {
  if (rootPgno < 1 || rootPgno > pager.pageCount) throw new CorruptError(`root page ${rootPgno} out of range`, rootPgno);
  const isTable = (await loadBtreePage(pager, rootPgno)).header.isTable;
  const visited = new Set<number>([rootPgno]);
  const usable = pager.usableSize;
  const prefetcher = blockPrefetcher(pager.file, pager.pageSize);
  let count = 0;
  let level = [rootPgno];
  let recent: number[] = [];
  for (let depth = 1; level.length > 0; depth++) {
    const children: number[] = [];
    const visit = (pages: readonly BtreePage[]): void => {
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
    };
    level.sort((a, b) => a - b);
    if (prefetcher === undefined) {
      for (let at = 0; at < level.length; at += LEVEL_WINDOW) {
        visit(await Promise.all(level.slice(at, at + LEVEL_WINDOW).map((p) => loadBtreePage(pager, p))));
      }
    } else {
      recent = await visitByBlocks(pager, prefetcher, level, recent, visit);
    }
    level = children;
  }
  return count;
}

/** Pages of one level fetched at once (bounded memory, enough requests in flight to hide latency). */
const LEVEL_WINDOW = 64;

/**
 * Visits the pages of `sorted` (ascending page numbers) one block's run at a time, keeping the
 * blocks of the next `prefetchCapacity` runs hinted (see the header comment). `recent`: the
 * blocks the previous level read, in the order read. Returns the blocks this level read, in order.
 */
async function visitByBlocks(
  pager: Pager,
  file: BlockPrefetcher,
  sorted: readonly number[],
  recent: readonly number[],
  visit: (pages: readonly BtreePage[]) => void,
): Promise<number[]> {
  const pageSize = pager.pageSize;
  const blockOf = (pgno: number): number => Math.floor(((pgno - 1) * pageSize) / file.blockSize);
  // Run boundaries: starts[r] .. starts[r + 1] share one block.
  const starts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || blockOf(sorted[i]!) !== blockOf(sorted[i - 1]!)) starts.push(i);
  }
  const runs = starts.length;
  starts.push(sorted.length);
  const ahead = Math.max(1, file.prefetchCapacity);
  // Visiting order of the runs: those in blocks the block cache still holds from the previous
  // level (its last `ahead` + 1 distinct blocks), most recent first, then the rest in page order.
  const runOfBlock = new Map<number, number>();
  for (let r = 0; r < runs; r++) runOfBlock.set(blockOf(sorted[starts[r]!]!), r);
  const order: number[] = [];
  const first = new Set<number>();
  for (let i = recent.length - 1; i >= 0 && recent.length - i <= ahead + 1; i--) {
    const r = runOfBlock.get(recent[i]!);
    if (r !== undefined && !first.has(r)) {
      first.add(r);
      order.push(r);
    }
  }
  for (let r = 0; r < runs; r++) if (!first.has(r)) order.push(r);
  const read: number[] = [];
  let hinted = 0;
  for (let k = 0; k < runs; k++) {
    for (; hinted < runs && hinted <= k + ahead; hinted++) {
      const r = order[hinted]!;
      const from = starts[r]!;
      const to = starts[r + 1]!;
      let cached = true;
      for (let i = from; i < to && cached; i++) cached = pager.peekPage(sorted[i]!) !== undefined;
      if (cached) continue;
      const block = blockOf(sorted[from]!);
      file.prefetch(file.blockSize, block * file.blockSize);
    }
    const r = order[k]!;
    const pgnos = sorted.slice(starts[r]!, starts[r + 1]!);
    // A run found whole in the page cache did not touch the block cache.
    if (pgnos.some((p) => pager.peekPage(p) === undefined)) read.push(blockOf(pgnos[0]!));
    const pages = await Promise.all(pgnos.map((p) => loadBtreePage(pager, p)));
    visit(pages);
  }
  return read;
}
