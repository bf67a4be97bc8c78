/**
 * Changing a table b-tree (rowid table): insert, replace, delete by rowid. Entries live on
 * leaves; the fast path changes the leaf in place (cell-space.ts), anything that does not fit or
 * leaves a page under a third full goes to the balancer (balance.ts).
 */
import { MisuseError } from '../errors.js';
import { writeU32 } from '../format/bytes.js';
import { cellRowid, parseCell } from '../format/cell.js';
import { PageType, cellOffset, decodePageHeader } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { balanceFrom } from './balance.js';
import { buildCell, buildLocalCell, freeOverflow, insertLocalCellInPlace, reserveLocalCell, tableInteriorCell } from './cell-builder.js';
import { dropCellInPlace, insertCellInPlace, isUnderfull, pageFree } from './cell-space.js';
import { imageFromPage, writeImage } from './node-image.js';
import { normalRowid, seekTablePath, seekTablePathCached, type PathStep, type WritePath } from './write-path.js';

const MIN_ROWID = -(1n << 63n);
const MAX_ROWID = (1n << 63n) - 1n;

function checkRowid(rowid: number | bigint): void {
  if (typeof rowid === 'number' ? !Number.isSafeInteger(rowid) : rowid < MIN_ROWID || rowid > MAX_ROWID) {
    throw new MisuseError(`rowid ${String(rowid)} is not a 64-bit integer`);
  }
}

/** After an in-place change: a non-root leaf under a third full is rebalanced with its siblings. */
async function rebalanceIfUnderfull(pager: Pager, steps: readonly PathStep[], pgno: number, page: Uint8Array): Promise<void> {
  const usable = pager.usableSize;
  if (steps.length > 1 && isUnderfull(pageFree(page, pgno, usable), usable)) {
    await balanceFrom(pager, steps.slice(0, -1), { pgno, image: imageFromPage(page, pgno, usable) });
  }
}

/**
 * `insertRow` without a Promise for the common case: a new rowid whose cell fits its leaf in
 * place without overflow pages, every page on the way cached (or `appendPath` given). True when
 * the row is in; false when the case does not apply — the tree is unchanged (the leaf may have
 * been copied into the dirty set) and the caller awaits `insertRow`.
 */
export function insertRowCached(pager: Pager, root: number, rowidIn: number | bigint, payload: Uint8Array, appendPath?: WritePath): boolean {
  const rowid = normalRowid(rowidIn);
  checkRowid(rowid);
  const usable = pager.usableSize;
  const path = appendPath ?? seekTablePathCached(pager, root, rowid);
  if (path === undefined || path.found) return false;
  const leaf = path.steps[path.steps.length - 1]!;
  const page = pager.writableCached(leaf.pgno);
  return page !== undefined && insertLocalCellInPlace(page, leaf.pgno, usable, leaf.idx, payload, rowid);
}

/**
 * `insertRowCached` for a payload not yet made: `payloadSize` bytes that `writePayload` writes
 * at `page[at…]` once the cell is reserved (a record encoder writing straight into the leaf,
 * without an array of its own). False, with nothing written or changed, as `insertRowCached`.
 */
export function insertRowCachedWith(
  pager: Pager,
  root: number,
  rowidIn: number | bigint,
  payloadSize: number,
  writePayload: (page: Uint8Array, at: number) => void,
  appendPath?: WritePath,
): boolean {
  const rowid = normalRowid(rowidIn);
  checkRowid(rowid);
  const path = appendPath ?? seekTablePathCached(pager, root, rowid);
  if (path === undefined || path.found) return false;
  const leaf = path.steps[path.steps.length - 1]!;
  const page = pager.writableCached(leaf.pgno);
  if (page === undefined) return false;
  const at = reserveLocalCell(page, leaf.pgno, pager.usableSize, leaf.idx, payloadSize, rowid);
  if (at < 0) return false;
  writePayload(page, at);
  return true;
}

/**
 * Inserts the row (`rowid`, `payload`) into the table b-tree at `root`, replacing the row with
 * the same rowid if there is one (its overflow pages are freed). Needs a write transaction.
 *
 * `appendPath`: the path of `rightEdgeCached(pager, root)` taken for this insert, when `rowid`
 * is larger than the edge's last rowid and the tree has not changed since — the descent is
 * then skipped (a bulk load finds its new rowid and its leaf in one descent).
 */
export async function insertRow(pager: Pager, root: number, rowidIn: number | bigint, payload: Uint8Array, appendPath?: WritePath): Promise<void> {
  const rowid = normalRowid(rowidIn);
  checkRowid(rowid);
  const usable = pager.usableSize;
  // Cached pages (the usual case in a bulk load): the descent costs no Promise.
  const { steps, found } = appendPath ?? seekTablePathCached(pager, root, rowid) ?? (await seekTablePath(pager, root, rowid));
  const leaf = steps[steps.length - 1]!;
  const page = await pager.getWritable(leaf.pgno);
  if (found) {
    const header = decodePageHeader(page, leaf.pgno, usable);
    const old = parseCell(page, cellOffset(page, header, leaf.idx, leaf.pgno, usable), PageType.TableLeaf, leaf.pgno, usable);
    await freeOverflow(pager, leaf.pgno, old);
    dropCellInPlace(page, leaf.pgno, usable, leaf.idx);
  }
  const cell = buildLocalCell(usable, payload, rowid) ?? (await buildCell(pager, payload, rowid));
  if (insertCellInPlace(page, leaf.pgno, usable, leaf.idx, cell)) {
    if (found) await rebalanceIfUnderfull(pager, steps, leaf.pgno, page);
    return;
  }
  const header = decodePageHeader(page, leaf.pgno, usable);
  if (!found && leaf.idx === header.cellCount && steps.length === 1 && leaf.pgno !== 1 && header.cellCount > 0) {
    // A full root leaf and an append: balance_deeper (the root's cells move to a new child),
    // then balance_quick on that child, as SQLite's balance loop does.
    const child = await pager.allocatePage();
    child.data.set(page.subarray(0, usable));
    writeImage(page, leaf.pgno, usable, { type: PageType.TableInterior, cells: [], rightChild: child.pgno });
    const deeper: PathStep[] = [{ pgno: leaf.pgno, idx: 0 }, { pgno: child.pgno, idx: header.cellCount }];
    if (await balanceQuick(pager, deeper, child.data, header.cellCount, cell)) return;
    throw new Error('internal: balance_quick refused a fresh child');
  }
  if (!found && (await balanceQuick(pager, steps, page, header.cellCount, cell))) return;
  const image = imageFromPage(page, leaf.pgno, usable);
  image.cells.splice(leaf.idx, 0, cell);
  await balanceFrom(pager, steps.slice(0, -1), { pgno: leaf.pgno, image });
}

/**
 * SQLite's balance_quick: the new cell goes after the last cell of a full leaf that is the
 * right-most child of a parent other than page 1. The cell alone makes a new right-most leaf;
 * the parent gets a divider (old leaf, its largest rowid). False when the case does not apply.
 */
async function balanceQuick(pager: Pager, steps: readonly PathStep[], page: Uint8Array, cellCount: number, cell: Uint8Array): Promise<boolean> {
  if (steps.length < 2) return false;
  const leaf = steps[steps.length - 1]!;
  const parentStep = steps[steps.length - 2]!;
  if (leaf.idx !== cellCount || cellCount === 0 || parentStep.pgno === 1) return false;
  const usable = pager.usableSize;
  const parentPage = await pager.getWritable(parentStep.pgno);
  const parentHeader = decodePageHeader(parentPage, parentStep.pgno, usable);
  if (parentStep.idx !== parentHeader.cellCount || parentHeader.rightChild !== leaf.pgno) return false;
  const leafHeader = decodePageHeader(page, leaf.pgno, usable);
  const largest = cellRowid(page, cellOffset(page, leafHeader, cellCount - 1, leaf.pgno, usable), PageType.TableLeaf, leaf.pgno, usable);
  const fresh = await pager.allocatePage();
  writeImage(fresh.data, fresh.pgno, usable, { type: PageType.TableLeaf, cells: [cell], rightChild: 0 });
  const divider = tableInteriorCell(leaf.pgno, largest);
  // The divider goes after the parent's last cell, in place when it fits (as SQLite's
  // insertCell does); the parent then needs balancing only if it is a non-root page left
  // under a third full. Otherwise the balancer takes the parent as a cell list.
  if (insertCellInPlace(parentPage, parentStep.pgno, usable, parentHeader.cellCount, divider)) {
    writeU32(parentPage, parentHeader.headerOffset + 8, fresh.pgno);
    if (steps.length === 2 || !isUnderfull(pageFree(parentPage, parentStep.pgno, usable), usable)) return true;
    await balanceFrom(pager, steps.slice(0, -2), { pgno: parentStep.pgno, image: imageFromPage(parentPage, parentStep.pgno, usable) });
    return true;
  }
  const parent = imageFromPage(parentPage, parentStep.pgno, usable);
  parent.cells.push(divider);
  parent.rightChild = fresh.pgno;
  await balanceFrom(pager, steps.slice(0, -2), { pgno: parentStep.pgno, image: parent });
  return true;
}

/** Deletes the row with `rowid`; false when there is none. Needs a write transaction. */
export async function deleteRow(pager: Pager, root: number, rowid: number | bigint): Promise<boolean> {
  checkRowid(rowid);
  const usable = pager.usableSize;
  const { steps, found } = await seekTablePath(pager, root, rowid);
  if (!found) return false;
  const leaf = steps[steps.length - 1]!;
  const page = await pager.getWritable(leaf.pgno);
  const header = decodePageHeader(page, leaf.pgno, usable);
  const old = parseCell(page, cellOffset(page, header, leaf.idx, leaf.pgno, usable), PageType.TableLeaf, leaf.pgno, usable);
  await freeOverflow(pager, leaf.pgno, old);
  dropCellInPlace(page, leaf.pgno, usable, leaf.idx);
  await rebalanceIfUnderfull(pager, steps, leaf.pgno, page);
  return true;
}
