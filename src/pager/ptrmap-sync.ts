/**
 * Keeping the pointer map right in an auto-vacuum database, without hooks in every b-tree
 * write path: an entry (type, parent) of a page changes only when a page pointing to it
 * changes — the page's new parent is then dirty — or when the page is freed (freePage writes
 * "free page" at once) or allocated (allocatePage writes a provisional entry of the right kind,
 * b-tree or overflow). So before anything reads the map (a relocation, the commit) it is
 * derived again from the dirty pages: every dirty b-tree page gives its children type 5 and
 * its cells' first overflow pages type 3, every dirty overflow page gives the next page of its
 * chain type 4 — SQLite's setChildPtrmaps and ptrmapPutOvflPtr, run once per page per commit
 * instead of at each cell move. What a dirty page is, is read from its own entry (free pages
 * are skipped: their bytes are stale), so statement rollbacks, which restore map pages with
 * the others, keep it consistent.
 */
import { CorruptError } from '../errors.js';
import { readU32 } from '../format/bytes.js';
import { PtrmapType, isPtrmapPage } from '../format/ptrmap.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { btreePointers } from './page-pointers.js';
import type { Pager } from './pager.js';
import { ptrmapGet, ptrmapPut } from './ptrmap-io.js';

/** Brings every pointer-map entry a dirty page decides up to date (auto-vacuum databases only). */
export async function syncPtrmap(pager: Pager): Promise<void> {
  const size = pager.pageSize;
  const usable = pager.usableSize;
  const lockByte = lockBytePgno(size);
  const btree: number[] = [];
  const overflow: number[] = [];
  for (const p of pager.dirtyPgnos()) {
    if (p === 1) btree.push(p);
    else if (p === lockByte || isPtrmapPage(p, size, usable)) continue;
    else {
      const { type } = await ptrmapGet(pager, p);
      if (type === PtrmapType.Overflow1 || type === PtrmapType.Overflow2) overflow.push(p);
      else if (type !== PtrmapType.FreePage) btree.push(p);
    }
  }
  for (const p of btree) await setChildPtrmaps(pager, p);
  for (const p of overflow) {
    const data = pager.peekPage(p) ?? (await pager.getPage(p));
    const next = readU32(data, 0);
    if (next === 0) continue;
    checkTarget(pager, next, p);
    await ptrmapPut(pager, next, PtrmapType.Overflow2, p);
  }
}

/** Sets the entries of every page b-tree page `pgno` points to (SQLite's setChildPtrmaps). */
export async function setChildPtrmaps(pager: Pager, pgno: number): Promise<void> {
  const data = pager.peekPage(pgno) ?? (await pager.getPage(pgno));
  for (const ptr of btreePointers(data, pgno, pager.usableSize)) {
    checkTarget(pager, ptr.pgno, pgno);
    await ptrmapPut(pager, ptr.pgno, ptr.type, pgno);
  }
}

function checkTarget(pager: Pager, target: number, from: number): void {
  if (target < 2 || target > pager.pageCount || target === lockBytePgno(pager.pageSize) || isPtrmapPage(target, pager.pageSize, pager.usableSize)) {
    throw new CorruptError(`page ${target} out of range`, from);
  }
}
