/**
 * Root pages in an auto-vacuum database, placed as SQLite places them (btreeCreateTable,
 * btreeDropTable) so that root pages stay together at the start of the file and never have to
 * move at commit (a root has no parent pointer to fix; sqlite_schema names it):
 *
 *  - a new root goes at (largest root page + 1), skipping pointer-map and lock-byte positions;
 *    whatever page is there moves to a freshly allocated page first (relocate.ts). Header
 *    offset 52 becomes the new root's pgno.
 *  - a dropped root that is not the largest one takes the largest root's content (that root
 *    moves into its place; the caller rewrites the sqlite_schema row that named it); the
 *    largest root's old page is freed. Offset 52 goes one page down (skipping map and
 *    lock-byte positions).
 */
import { CorruptError } from '../errors.js';
import { readU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { PtrmapType, isPtrmapPage } from '../format/ptrmap.js';
import type { Pager } from '../pager/pager.js';
import { ptrmapGet, ptrmapPut } from '../pager/ptrmap-io.js';
import { relocatePage } from '../pager/relocate.js';
import { syncPtrmap } from '../pager/ptrmap-sync.js';

async function largestRoot(pager: Pager): Promise<number> {
  const page1 = pager.peekPage(1) ?? (await pager.getPage(1));
  const max = readU32(page1, 52);
  if (max > pager.pageCount) throw new CorruptError(`largest root page ${max} past the end of the database`, 1);
  return max;
}

/** Allocates the root page of a new b-tree where SQLite would; returns its pgno and writable bytes (zeroed). */
export async function allocateRootPage(pager: Pager): Promise<{ pgno: number; data: Uint8Array }> {
  const size = pager.pageSize;
  const usable = pager.usableSize;
  await syncPtrmap(pager);
  let root = (await largestRoot(pager)) + 1;
  while (isPtrmapPage(root, size, usable) || root === lockBytePgno(size)) root++;
  const moveTo = await pager.allocatePage({ nearby: root, mode: 'exact', role: 'none' });
  let data = moveTo.data;
  if (moveTo.pgno !== root) {
    const entry = await ptrmapGet(pager, root);
    if (entry.type === PtrmapType.RootPage || entry.type === PtrmapType.FreePage) {
      throw new CorruptError(`page ${root} after the last root page is a ${entry.type === PtrmapType.RootPage ? 'root' : 'free'} page`, root);
    }
    await relocatePage(pager, root, entry.type, entry.parent, moveTo.pgno);
    data = await pager.getWritable(root);
    data.fill(0);
  }
  await ptrmapPut(pager, root, PtrmapType.RootPage, 0);
  await pager.setHeaderU32(52, root);
  return { pgno: root, data };
}

/**
 * Frees root page `root` of a b-tree already cleared (only its empty root left). Returns the
 * pgno of the root that moved into `root`'s place (its sqlite_schema row must say `root` now),
 * or 0 when none moved.
 */
export async function freeRootPage(pager: Pager, root: number): Promise<number> {
  const size = pager.pageSize;
  const usable = pager.usableSize;
  const max = await largestRoot(pager);
  if (root > max) throw new CorruptError(`root page ${root} above the largest root page ${max}`, root);
  let moved = 0;
  if (root === max) {
    await pager.freePage(root);
  } else {
    await relocatePage(pager, max, PtrmapType.RootPage, 0, root);
    await pager.freePage(max);
    moved = max;
  }
  let next = max - 1;
  while (next === lockBytePgno(size) || isPtrmapPage(next, size, usable)) next--;
  await pager.setHeaderU32(52, next);
  return moved;
}
