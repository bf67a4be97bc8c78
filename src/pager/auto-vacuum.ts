/**
 * Auto-vacuum (https://www.sqlite.org/pragma.html#pragma_auto_vacuum), as SQLite's btree.c
 * does it, so that the file comes out as SQLite's would:
 *
 *  - FULL (header offset 64 = 0): at every commit the free pages leave the file. The final size
 *    nFin is the page count less the free pages less the pointer-map pages no longer needed
 *    (finalDbSize); every page past nFin that is in use moves into a free page at or below nFin
 *    (taken off the freelist in its order, pages past nFin discarded), the last page first; the
 *    freelist is then empty and the file ends at nFin (autoVacuumCommit + incrVacuumStep).
 *  - INCREMENTAL (offset 64 = 1): free pages stay until `PRAGMA incremental_vacuum(N)`; each step
 *    takes the last page: a free one comes off the freelist, a used one moves into the first
 *    free page <= nFin met on the list; the file is one page (and any map page) shorter.
 *
 * Moving a page is relocate.ts; the pointer map is brought up to date first (ptrmap-sync.ts).
 */
import { CorruptError } from '../errors.js';
import { readU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { PtrmapType, isPtrmapPage, ptrmapPageFor } from '../format/ptrmap.js';
import type { Pager } from './pager.js';
import { ptrmapGet } from './ptrmap-io.js';
import { relocatePage } from './relocate.js';
import { syncPtrmap } from './ptrmap-sync.js';

/** The page count once `nFree` of `nOrig` pages are gone, with the map pages they no longer need (SQLite's finalDbSize). */
export function finalDbSize(nOrig: number, nFree: number, pageSize: number, usable: number): number {
  const nEntry = Math.floor(usable / 5);
  const nPtrmap = Math.floor((nFree - nOrig + ptrmapPageFor(nOrig, pageSize, usable) + nEntry) / nEntry);
  let nFin = nOrig - nFree - nPtrmap;
  const lockByte = lockBytePgno(pageSize);
  if (nOrig > lockByte && nFin < lockByte) nFin--;
  while (isPtrmapPage(nFin, pageSize, usable) || nFin === lockByte) nFin--;
  return nFin;
}

/** Whether the database is in incremental mode (header offset 64), as page 1 says now. */
async function incremental(pager: Pager): Promise<boolean> {
  const page1 = pager.peekPage(1) ?? (await pager.getPage(1));
  return readU32(page1, 64) !== 0;
}

/**
 * One step (SQLite's incrVacuumStep) for the page `last`: false when the freelist is empty
 * (nothing left to do). With `commit` (FULL mode at commit) the page count is left to the caller.
 */
async function vacuumStep(pager: Pager, nFin: number, last: number, commit: boolean): Promise<boolean> {
  const size = pager.pageSize;
  const usable = pager.usableSize;
  const lockByte = lockBytePgno(size);
  if (!isPtrmapPage(last, size, usable) && last !== lockByte) {
    if (pager.header.freelistCount === 0) return false;
    const entry = await ptrmapGet(pager, last);
    if (entry.type === PtrmapType.RootPage) throw new CorruptError(`root page ${last} past the end of the vacuumed file`, last);
    if (entry.type === PtrmapType.FreePage) {
      if (!commit) {
        const got = await pager.allocatePage({ nearby: last, mode: 'exact', role: 'none' });
        if (got.pgno !== last) throw new CorruptError(`free page ${last} not on the freelist`, last);
      }
    } else {
      let free: number;
      do {
        const dbSize = pager.pageCount;
        free = (await pager.allocatePage({ nearby: commit ? 0 : nFin, mode: commit ? 'any' : 'le', role: 'none' })).pgno;
        if (free > dbSize) throw new CorruptError('freelist ran out while vacuuming', 1);
      } while (commit && free > nFin);
      await relocatePage(pager, last, entry.type, entry.parent, free);
    }
  }
  if (!commit) {
    let end = last;
    do end--;
    while (end === lockByte || isPtrmapPage(end, size, usable));
    pager.truncatePages(end, false);
  }
  return true;
}

/** Before the commit of an auto-vacuum database: the pointer map made right; in FULL mode, the file compacted. */
export async function autoVacuumCommit(pager: Pager): Promise<void> {
  await syncPtrmap(pager);
  if (await incremental(pager)) return;
  const size = pager.pageSize;
  const usable = pager.usableSize;
  const nOrig = pager.pageCount;
  if (isPtrmapPage(nOrig, size, usable) || nOrig === lockBytePgno(size)) throw new CorruptError(`database ends on page ${nOrig}, a pointer-map or lock-byte page`, 1);
  const nFree = pager.header.freelistCount;
  if (nFree === 0) return;
  const nFin = finalDbSize(nOrig, nFree, size, usable);
  if (nFin > nOrig || nFin < 1) throw new CorruptError(`freelist of ${nFree} pages in a database of ${nOrig}`, 1);
  for (let last = nOrig; last > nFin; last--) {
    if (!(await vacuumStep(pager, nFin, last, true))) break;
  }
  pager.truncatePages(nFin, true);
}

/**
 * `PRAGMA incremental_vacuum(N)`: up to `n` steps (all when n <= 0), each shortening the file by
 * one page; stops when the freelist is empty. Returns the steps taken.
 */
export async function incrementalVacuum(pager: Pager, n: number): Promise<number> {
  if (!pager.autoVacuum) return 0;
  await syncPtrmap(pager);
  const size = pager.pageSize;
  const usable = pager.usableSize;
  const limit = n <= 0 ? Infinity : n;
  let steps = 0;
  while (steps < limit) {
    const nOrig = pager.pageCount;
    const nFree = pager.header.freelistCount;
    if (nFree === 0) break;
    const nFin = finalDbSize(nOrig, nFree, size, usable);
    if (nOrig < nFin || nFree >= nOrig) throw new CorruptError(`freelist of ${nFree} pages in a database of ${nOrig}`, 1);
    if (!(await vacuumStep(pager, nFin, nOrig, false))) break;
    steps++;
  }
  return steps;
}
