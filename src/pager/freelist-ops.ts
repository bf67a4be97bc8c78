/**
 * The freelist (https://www.sqlite.org/fileformat2.html#the_freelist) inside the pager's write
 * transaction: allocating a page (SQLite's allocateBtreePage) and freeing one (freePage2).
 *
 *   trunk page:  u32 next trunk | u32 leaf count k | k × u32 leaf pgno
 *
 * A page is taken off the freelist when there is one, else appended (skipping the lock-byte
 * page and, in an auto-vacuum database, pointer-map positions: that page is appended too,
 * zeroed, as the new map page). Which free page:
 * 'any' (every ordinary allocation): the first trunk's leaf closest to `nearby` (the first leaf
 * when `nearby` is 0; the last leaf moves into its slot), or the first trunk itself when it has
 * no leaves. The auto-vacuum moves search the whole list instead:
 * 'exact' (a new root page's position): the page `nearby` itself when the pointer map says it
 * is free, else as 'any' with `nearby` as the hint;
 * 'le' (incremental vacuum): the first free page <= `nearby` met walking the list — a trunk
 * taken this way hands its leaves to its first leaf, which becomes the trunk in its place.
 */
import { CorruptError, SqliteError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { PtrmapType, isPtrmapPage } from '../format/ptrmap.js';
import type { Pager } from './pager.js';
import { ptrmapGet, ptrmapPut } from './ptrmap-io.js';

/** Largest page number SQLite allows (2^32 - 2). */
const MAX_PGNO = 0xfffffffe;

export type AllocateMode = 'any' | 'exact' | 'le';

export interface AllocateOptions {
  /** A page number to allocate near (0: no preference). */
  readonly nearby?: number;
  readonly mode?: AllocateMode;
  /**
   * The pointer-map entry the page gets at once in an auto-vacuum database, until the commit
   * puts its parent in (ptrmap-sync.ts): 'btree' (the default) or 'overflow'; 'none' for pages
   * whose entry the caller writes (relocations).
   */
  readonly role?: 'btree' | 'overflow' | 'none';
}

/** The pager's freelist state inside its write transaction. */
export interface FreelistAccess {
  readonly pager: Pager;
  readonly firstTrunk: number;
  readonly count: number;
  setFreelist(trunk: number, count: number): void;
  /** CorruptError (naming page `from`) unless `pgno` may be a freelist page. */
  checkPgno(pgno: number, from: number): void;
  /** Page `pgno` zero-filled in the dirty set (its original journaled when it existed). */
  freshPage(pgno: number): Promise<Uint8Array>;
  setPageCount(count: number): void;
}

/** A new page, zero-filled and dirty (see the top of this file). */
export async function allocate(fl: FreelistAccess, options: AllocateOptions): Promise<{ pgno: number; data: Uint8Array }> {
  const pager = fl.pager;
  const av = pager.autoVacuum;
  let pgno: number;
  if (fl.firstTrunk !== 0 || fl.count !== 0) {
    pgno = await takeFree(fl, options.nearby ?? 0, options.mode ?? 'any');
  } else {
    const lockByte = lockBytePgno(pager.pageSize);
    pgno = pager.pageCount + 1;
    if (pgno === lockByte) pgno++;
    if (av && isPtrmapPage(pgno, pager.pageSize, pager.usableSize)) {
      fl.setPageCount(pgno);
      await fl.freshPage(pgno);
      pgno++;
      if (pgno === lockByte) pgno++;
    }
    if (pgno > MAX_PGNO) throw new SqliteError('SQLITE_FULL', 'database or disk is full (page number limit)');
    fl.setPageCount(pgno);
  }
  const data = await fl.freshPage(pgno);
  const role = options.role ?? 'btree';
  if (av && role !== 'none') await ptrmapPut(pager, pgno, role === 'overflow' ? PtrmapType.Overflow2 : PtrmapType.Btree, 0);
  return { pgno, data };
}

/**
 * Puts `pgno` on the freelist: as a leaf of the first trunk while it has room (SQLite's limit
 * (usable/4) - 8 leaves, kept below the format's (usable/4) - 2 for old readers), else the page
 * becomes the new first trunk. A leaf's content is left as it is (it is never read). In an
 * auto-vacuum database its pointer-map entry says "free page".
 */
export async function putOnFreelist(fl: FreelistAccess, pgno: number): Promise<void> {
  const pager = fl.pager;
  if (pager.autoVacuum) await ptrmapPut(pager, pgno, PtrmapType.FreePage, 0);
  const trunkPgno = fl.firstTrunk;
  const usable = pager.usableSize;
  if (trunkPgno !== 0) {
    fl.checkPgno(trunkPgno, 1);
    const trunk = await pager.getWritable(trunkPgno);
    const count = readU32(trunk, 4);
    if (count > Math.floor(usable / 4) - 2) throw new CorruptError(`freelist trunk claims ${count} leaves`, trunkPgno);
    if (count < Math.floor(usable / 4) - 8) {
      writeU32(trunk, 8 + 4 * count, pgno);
      writeU32(trunk, 4, count + 1);
      fl.setFreelist(trunkPgno, fl.count + 1);
      return;
    }
  }
  const data = await fl.freshPage(pgno);
  writeU32(data, 0, trunkPgno);
  writeU32(data, 4, 0);
  fl.setFreelist(pgno, fl.count + 1);
}

/** Removes one page from the freelist (which is not empty) and returns its pgno; the caller makes it fresh. */
export async function takeFree(fl: FreelistAccess, nearby: number, mode: AllocateMode): Promise<number> {
  const pager = fl.pager;
  const n = fl.count;
  const maxLeaves = Math.floor(pager.usableSize / 4) - 2;
  if (fl.firstTrunk === 0 || n === 0) throw new CorruptError('freelist head and count disagree', 1);
  if (n >= pager.pageCount) throw new CorruptError(`freelist of ${n} pages in a database of ${pager.pageCount}`, 1);
  let searchList = false;
  if (mode === 'exact') {
    if (nearby <= pager.pageCount && (await ptrmapGet(pager, nearby)).type === PtrmapType.FreePage) searchList = true;
  } else if (mode === 'le') {
    searchList = true;
  }
  /** Points the list's link to `trunk` (page 1's head or the previous trunk's first word) at `to`. */
  const relink = async (prev: number, to: number): Promise<void> => {
    if (prev === 0) fl.setFreelist(to, n - 1);
    else {
      writeU32(await pager.getWritable(prev), 0, to);
      fl.setFreelist(fl.firstTrunk, n - 1);
    }
  };
  let prev = 0;
  let trunkPgno = fl.firstTrunk;
  for (let searched = 0; ; searched++) {
    if (trunkPgno === 0) throw new CorruptError(`free page ${nearby} not found on the freelist`, prev === 0 ? 1 : prev);
    fl.checkPgno(trunkPgno, prev === 0 ? 1 : prev);
    if (searched > n) throw new CorruptError('freelist trunk chain longer than the freelist', trunkPgno);
    const trunk = pager.peekPage(trunkPgno) ?? (await pager.getPage(trunkPgno));
    const next = readU32(trunk, 0);
    const k = readU32(trunk, 4);
    if (k === 0 && !searchList) {
      if (next !== 0) fl.checkPgno(next, trunkPgno);
      await relink(prev, next);
      return trunkPgno;
    }
    if (k > maxLeaves) throw new CorruptError(`freelist trunk claims ${k} leaves`, trunkPgno);
    if (searchList && (nearby === trunkPgno || (trunkPgno < nearby && mode === 'le'))) {
      if (k === 0) {
        await relink(prev, next);
      } else {
        // The first leaf becomes the trunk, with the other leaves.
        const heir = readU32(trunk, 8);
        fl.checkPgno(heir, trunkPgno);
        const h = await pager.getWritable(heir);
        const src = pager.peekPage(trunkPgno) ?? (await pager.getPage(trunkPgno));
        writeU32(h, 0, next);
        writeU32(h, 4, k - 1);
        h.set(src.subarray(12, 12 + 4 * (k - 1)), 8);
        await relink(prev, heir);
      }
      return trunkPgno;
    }
    if (k > 0) {
      let closest = 0;
      if (nearby > 0) {
        if (mode === 'le') {
          for (let i = 0; i < k; i++) {
            if (readU32(trunk, 8 + 4 * i) <= nearby) {
              closest = i;
              break;
            }
          }
        } else {
          let dist = Math.abs(readU32(trunk, 8) - nearby);
          for (let i = 1; i < k; i++) {
            const d = Math.abs(readU32(trunk, 8 + 4 * i) - nearby);
            if (d < dist) {
              closest = i;
              dist = d;
            }
          }
        }
      }
      const leaf = readU32(trunk, 8 + 4 * closest);
      fl.checkPgno(leaf, trunkPgno);
      if (leaf === trunkPgno) throw new CorruptError(`freelist leaf ${leaf} is its own trunk`, trunkPgno);
      if (!searchList || leaf === nearby || (leaf < nearby && mode === 'le')) {
        const w = await pager.getWritable(trunkPgno);
        if (closest < k - 1) writeU32(w, 8 + 4 * closest, readU32(w, 8 + 4 * (k - 1)));
        writeU32(w, 4, k - 1);
        fl.setFreelist(fl.firstTrunk, n - 1);
        return leaf;
      }
    }
    prev = trunkPgno;
    trunkPgno = next;
  }
}
