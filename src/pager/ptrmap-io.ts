/**
 * Reading and writing pointer-map entries through the pager (auto-vacuum databases only; the
 * layout is in format/ptrmap.ts). An entry is written only when it changes, as SQLite's
 * ptrmapPut does, so that an unchanged map page is neither copied nor journaled.
 */
import { CorruptError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { PtrmapType, isPtrmapPage, ptrmapPageFor, readPtrmapEntry, type PtrmapEntry } from '../format/ptrmap.js';
import type { Pager } from './pager.js';

/** Byte offset of `pgno`'s entry on its map page `map`, checked. */
function entryOffset(pager: Pager, map: number, pgno: number): number {
  const off = 5 * (pgno - map - 1);
  if (pgno < 3 || off < 0 || off + 5 > pager.usableSize || pgno === lockBytePgno(pager.pageSize)) {
    throw new CorruptError(`no pointer-map entry for page ${pgno}`, map);
  }
  return off;
}

/** The entry describing page `pgno` (which must not be page 1, a map page or the lock-byte page). */
export async function ptrmapGet(pager: Pager, pgno: number): Promise<PtrmapEntry> {
  const map = ptrmapPageFor(pgno, pager.pageSize, pager.usableSize);
  if (map === pgno || pgno > pager.pageCount) throw new CorruptError(`no pointer-map entry for page ${pgno}`, map);
  const page = pager.peekPage(map) ?? (await pager.getPage(map));
  return readPtrmapEntry(page, map, pgno, pager.usableSize);
}

/** Sets the entry of page `pgno` to (`type`, `parent`) unless it says so already. */
export async function ptrmapPut(pager: Pager, pgno: number, type: PtrmapType, parent: number): Promise<void> {
  const size = pager.pageSize;
  const usable = pager.usableSize;
  if (pgno < 2 || pgno > pager.pageCount || isPtrmapPage(pgno, size, usable)) throw new CorruptError(`pointer-map entry for page ${pgno} out of range`, pgno);
  const map = ptrmapPageFor(pgno, size, usable);
  const off = entryOffset(pager, map, pgno);
  const page = pager.peekPage(map) ?? (await pager.getPage(map));
  if (page[off] === type && readU32(page, off + 1) === parent) return;
  const w = await pager.getWritable(map);
  w[off] = type;
  writeU32(w, off + 1, parent);
}

export { PtrmapType };
