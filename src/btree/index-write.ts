/**
 * Changing an index b-tree (also the b-tree of a WITHOUT ROWID table): entries are records
 * ordered by a caller-supplied comparison, and interior cells carry entries too.
 *
 * Insert: an entry comparing equal to an existing one replaces it in place (WITHOUT ROWID
 * tables compare on the primary key only; the rest of the record may differ), else it goes to
 * the leaf position the descent found.
 * Delete of an entry on an interior page (SQLite's sqlite3BtreeDelete): the entry is replaced
 * by its predecessor, the last cell of the right-most leaf of its left subtree; that leaf is
 * balanced first, then the interior page if it still needs it (pending-image handoff below).
 */
import { CorruptError } from '../errors.js';
import { parseCell } from '../format/cell.js';
import { cellOffset, decodePageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { balanceFrom, type PendingImages } from './balance.js';
import { buildCell, buildLocalCell, freeOverflow, insertLocalCellInPlace, toInteriorIndexCell } from './cell-builder.js';
import { cellSizeAt, dropCellInPlace, insertCellInPlace, isUnderfull, pageFree } from './cell-space.js';
import type { PayloadCompare } from './index-cursor.js';
import { imageFromPage } from './node-image.js';
import { MAX_BTREE_DEPTH } from './btree-page.js';
import { loadPage, seekIndexPath, seekIndexPathCached, type PathStep } from './write-path.js';

/**
 * Inserts the index entry `payload` (a record) into the index b-tree at `root`. `compare`
 * gives the sign of (entry in a cell - this entry); an equal entry is replaced.
 */
export async function insertIndexEntry(pager: Pager, root: number, payload: Uint8Array, compare: PayloadCompare): Promise<void> {
  const usable = pager.usableSize;
  const { steps, found } = await seekIndexPath(pager, root, compare);
  const top = steps[steps.length - 1]!;
  const page = await pager.getWritable(top.pgno);
  const header = decodePageHeader(page, top.pgno, usable);
  let cell = buildLocalCell(usable, payload) ?? (await buildCell(pager, payload));
  if (found) {
    const old = parseCell(page, cellOffset(page, header, top.idx, top.pgno, usable), header.pageType, top.pgno, usable);
    await freeOverflow(pager, top.pgno, old);
    if (!header.isLeaf) cell = toInteriorIndexCell(cell, old.leftChild, usable, top.pgno);
    dropCellInPlace(page, top.pgno, usable, top.idx);
  }
  if (insertCellInPlace(page, top.pgno, usable, top.idx, cell)) {
    if (found && steps.length > 1 && isUnderfull(pageFree(page, top.pgno, usable), usable)) {
      await balanceFrom(pager, steps.slice(0, -1), { pgno: top.pgno, image: imageFromPage(page, top.pgno, usable) });
    }
    return;
  }
  const image = imageFromPage(page, top.pgno, usable);
  image.cells.splice(top.idx, 0, cell);
  await balanceFrom(pager, steps.slice(0, -1), { pgno: top.pgno, image });
}

/**
 * `insertIndexEntry` without a Promise for the common case: a new entry whose cell fits its
 * leaf in place without overflow pages, every page on the way cached. True when the entry is
 * in; false when the case does not apply (the tree is unchanged; await `insertIndexEntry`).
 */
export function insertIndexEntryCached(pager: Pager, root: number, payload: Uint8Array, compare: PayloadCompare): boolean {
  const path = seekIndexPathCached(pager, root, compare);
  if (path === undefined || path.found) return false;
  const leaf = path.steps[path.steps.length - 1]!;
  const page = pager.writableCached(leaf.pgno);
  return page !== undefined && insertLocalCellInPlace(page, leaf.pgno, pager.usableSize, leaf.idx, payload);
}

/** Deletes the entry for which `compare` is 0; false when there is none. */
export async function deleteIndexEntry(pager: Pager, root: number, compare: PayloadCompare): Promise<boolean> {
  const usable = pager.usableSize;
  const { steps, found } = await seekIndexPath(pager, root, compare);
  if (!found) return false;
  const top = steps[steps.length - 1]!;
  const page = await pager.getWritable(top.pgno);
  const header = decodePageHeader(page, top.pgno, usable);
  const cell = parseCell(page, cellOffset(page, header, top.idx, top.pgno, usable), header.pageType, top.pgno, usable);
  await freeOverflow(pager, top.pgno, cell);
  if (header.isLeaf) {
    dropCellInPlace(page, top.pgno, usable, top.idx);
    if (steps.length > 1 && isUnderfull(pageFree(page, top.pgno, usable), usable)) {
      await balanceFrom(pager, steps.slice(0, -1), { pgno: top.pgno, image: imageFromPage(page, top.pgno, usable) });
    }
    return true;
  }

  // Interior entry: find the predecessor (right-most leaf of the left subtree).
  const leafSteps: PathStep[] = steps.map((s) => ({ pgno: s.pgno, idx: s.idx }));
  const seen = new Set(steps.map((s) => s.pgno));
  let pgno = cell.leftChild;
  let leafPage: Uint8Array;
  for (;;) {
    if (pgno < 2 || pgno > pager.pageCount) throw new CorruptError(`child page ${pgno} out of range`, leafSteps[leafSteps.length - 1]!.pgno);
    if (seen.has(pgno)) throw new CorruptError('b-tree page reached twice', pgno);
    if (leafSteps.length >= MAX_BTREE_DEPTH) throw new CorruptError('b-tree too deep', pgno);
    seen.add(pgno);
    const { header: h } = await loadPage(pager, pgno, false);
    leafSteps.push({ pgno, idx: h.isLeaf ? h.cellCount - 1 : h.cellCount });
    if (h.isLeaf) {
      if (h.cellCount === 0) throw new CorruptError('empty non-root leaf', pgno);
      leafPage = await pager.getWritable(pgno);
      break;
    }
    pgno = h.rightChild;
  }
  const leafStep = leafSteps[leafSteps.length - 1]!;
  const leafHeader = decodePageHeader(leafPage, leafStep.pgno, usable);
  const predOff = cellOffset(leafPage, leafHeader, leafStep.idx, leafStep.pgno, usable);
  const pred = leafPage.slice(predOff, predOff + cellSizeAt(leafPage, leafHeader, predOff, leafStep.pgno, usable));
  const replacement = toInteriorIndexCell(pred, cell.leftChild, usable, leafStep.pgno);
  dropCellInPlace(leafPage, leafStep.pgno, usable, leafStep.idx);
  dropCellInPlace(page, top.pgno, usable, top.idx);
  const pending: PendingImages = new Map();
  if (!insertCellInPlace(page, top.pgno, usable, top.idx, replacement)) {
    const image = imageFromPage(page, top.pgno, usable);
    image.cells.splice(top.idx, 0, replacement);
    pending.set(top.pgno, image);
  }
  const interiorDepth = steps.length - 1;
  let reached = leafSteps.length - 1;
  if (isUnderfull(pageFree(leafPage, leafStep.pgno, usable), usable)) {
    reached = await balanceFrom(pager, leafSteps.slice(0, -1), { pgno: leafStep.pgno, image: imageFromPage(leafPage, leafStep.pgno, usable) }, pending);
  }
  const waiting = pending.get(top.pgno);
  if (waiting !== undefined) {
    pending.delete(top.pgno);
    await balanceFrom(pager, steps.slice(0, -1), { pgno: top.pgno, image: waiting }, pending);
  } else if (reached > interiorDepth && interiorDepth > 0) {
    // The balancer stopped below the interior page: it still is where it was; rebalance it if
    // the smaller replacement left it under a third full.
    const p = await pager.getWritable(top.pgno);
    if (isUnderfull(pageFree(p, top.pgno, usable), usable)) {
      await balanceFrom(pager, steps.slice(0, -1), { pgno: top.pgno, image: imageFromPage(p, top.pgno, usable) });
    }
  }
  return true;
}
