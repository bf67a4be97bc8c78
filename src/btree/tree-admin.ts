/**
 * Whole-tree operations: create an empty b-tree, clear one (every page but the root freed, the
 * root left an empty leaf), drop one (the root freed too). Clearing walks the tree with the
 * same guards as the cursors (pages in range, no page twice, bounded depth), freeing overflow
 * chains as it meets them.
 */
import { CorruptError, MisuseError } from '../errors.js';
import { parseCell } from '../format/cell.js';
import { PageType, cellOffset } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { allocateRootPage, freeRootPage } from './auto-vacuum-roots.js';
import { MAX_BTREE_DEPTH } from './btree-page.js';
import { freeOverflow } from './cell-builder.js';
import { writeImage } from './node-image.js';
import { loadPage } from './write-path.js';

export type TreeKind = 'table' | 'index';

/** Allocates a page and makes it the empty root leaf of a new b-tree; returns its pgno. */
export async function createTable(pager: Pager, kind: TreeKind): Promise<number> {
  // Auto-vacuum databases keep their roots together at the start (auto-vacuum-roots.ts).
  const { pgno, data } = pager.autoVacuum ? await allocateRootPage(pager) : await pager.allocatePage();
  writeImage(data, pgno, pager.usableSize, { type: kind === 'table' ? PageType.TableLeaf : PageType.IndexLeaf, cells: [], rightChild: 0 });
  return pgno;
}

/** Frees every page of the tree at `root` except the root, which becomes an empty leaf of the same kind. */
export async function clearTree(pager: Pager, root: number): Promise<void> {
  const usable = pager.usableSize;
  if (root < 1 || root > pager.pageCount) throw new CorruptError(`root page ${root} out of range`, root);
  const rootPage = pager.peekPage(root) ?? (await pager.getPage(root));
  const isTable = (rootPage[root === 1 ? 100 : 0]! & 0x01) !== 0;
  const seen = new Set<number>();
  const stack: { pgno: number; depth: number }[] = [{ pgno: root, depth: 1 }];
  const toFree: number[] = [];
  while (stack.length > 0) {
    const { pgno, depth } = stack.pop()!;
    if (pgno < 1 || pgno > pager.pageCount) throw new CorruptError(`child page ${pgno} out of range`, pgno);
    if (seen.has(pgno)) throw new CorruptError('b-tree page reached twice', pgno);
    if (depth > MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', pgno);
    seen.add(pgno);
    const { data, header } = await loadPage(pager, pgno, isTable);
    for (let i = 0; i < header.cellCount; i++) {
      const cell = parseCell(data, cellOffset(data, header, i, pgno, usable), header.pageType, pgno, usable);
      await freeOverflow(pager, pgno, cell);
      if (cell.leftChild !== 0) stack.push({ pgno: cell.leftChild, depth: depth + 1 });
    }
    if (!header.isLeaf) stack.push({ pgno: header.rightChild, depth: depth + 1 });
    if (pgno !== root) toFree.push(pgno);
  }
  for (const p of toFree) await pager.freePage(p);
  const page = await pager.getWritable(root);
  writeImage(page, root, usable, { type: isTable ? PageType.TableLeaf : PageType.IndexLeaf, cells: [], rightChild: 0 });
}

/**
 * Frees every page of the tree at `root`, the root included (never page 1). Returns 0, or in an
 * auto-vacuum database the pgno of the root page that moved into `root`'s place (the caller
 * points its sqlite_schema row at `root`; drop trees largest root first, as SQLite does).
 */
export async function dropTree(pager: Pager, root: number): Promise<number> {
  if (root === 1) throw new MisuseError('cannot drop the sqlite_schema tree (page 1)');
  await clearTree(pager, root);
  if (pager.autoVacuum) return freeRootPage(pager, root);
  await pager.freePage(root);
  return 0;
}
