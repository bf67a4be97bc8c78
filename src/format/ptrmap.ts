/**
 * Pointer-map pages (https://www.sqlite.org/fileformat2.html#pointer_map_or_ptrmap_pages),
 * present only in auto-vacuum and incremental-vacuum databases (header largestRootPage != 0).
 *
 * Page 2 is the first pointer-map page. Each holds floor(U/5) entries describing the pages
 * that follow it; the next pointer-map page comes right after the pages it describes. If a
 * pointer-map page would fall on the lock-byte page it moves one page later.
 *
 *   Entry (5 bytes), for page p described by map page m at offset 5*(p-m-1):
 *     0   1   type: 1 root page, 2 free page, 3 first overflow page, 4 later overflow page, 5 non-root b-tree page
 *     1   4   parent pgno (0 for types 1 and 2)
 */
import { CorruptError } from '../errors.js';
import { readU32 } from './bytes.js';
import { lockBytePgno } from './lock-byte.js';

export const PtrmapType = {
  RootPage: 1,
  FreePage: 2,
  Overflow1: 3,
  Overflow2: 4,
  Btree: 5,
} as const;
export type PtrmapType = (typeof PtrmapType)[keyof typeof PtrmapType];

export interface PtrmapEntry {
  readonly type: PtrmapType;
  readonly parent: number;
}

/** Pgno of the pointer-map page that describes page `pgno` (pgno >= 2). */
export function ptrmapPageFor(pgno: number, pageSize: number, usableSize: number): number {
  const perMap = Math.floor(usableSize / 5) + 1;
  const iMap = Math.floor((pgno - 2) / perMap);
  let ret = iMap * perMap + 2;
  if (ret === lockBytePgno(pageSize)) ret++;
  return ret;
}

/** Whether `pgno` is itself a pointer-map page (in an auto-vacuum database). */
export function isPtrmapPage(pgno: number, pageSize: number, usableSize: number): boolean {
  if (pgno < 2) return false;
  return ptrmapPageFor(pgno, pageSize, usableSize) === pgno;
}

/** All pointer-map pgnos in 2..pageCount. */
export function ptrmapPages(pageCount: number, pageSize: number, usableSize: number): number[] {
  const out: number[] = [];
  const perMap = Math.floor(usableSize / 5) + 1;
  for (let p = 2; p <= pageCount; p += perMap) {
    const m = ptrmapPageFor(p, pageSize, usableSize);
    if (m <= pageCount) out.push(m);
  }
  return out;
}

/** Reads the entry for page `pgno` from its pointer-map page `mapPage` (pgno `mapPgno`). */
export function readPtrmapEntry(mapPage: Uint8Array, mapPgno: number, pgno: number, usableSize: number): PtrmapEntry {
  const off = 5 * (pgno - mapPgno - 1);
  if (off < 0 || off + 5 > usableSize) throw new CorruptError(`no pointer-map entry for page ${pgno}`, mapPgno);
  const type = mapPage[off]!;
  if (type < 1 || type > 5) throw new CorruptError(`bad pointer-map entry type ${type} for page ${pgno}`, mapPgno);
  return { type: type as PtrmapType, parent: readU32(mapPage, off + 1) };
}
