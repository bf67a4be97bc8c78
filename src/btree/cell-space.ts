/**
 * Cell space management on one b-tree page, in place (SQLite's allocateSpace / freeSpace /
 * defragmentPage / insertCell / dropCell in btree.c).
 *
 * The content area of a page (https://www.sqlite.org/fileformat2.html#b_tree_pages) runs from
 * the "cell content start" (header offset 5) to the usable end. Inside it, bytes not used by a
 * cell are either in a freeblock or are "fragments" (runs of 1–3 bytes, too small for a
 * freeblock, counted in header byte 7). A freeblock is:
 *
 *   Offset Size  Field
 *     0      2   offset of the next freeblock (0 on the last), strictly ascending
 *     2      2   size of this freeblock in bytes (>= 4), including these 4 header bytes
 *
 * Rules we keep (PRAGMA integrity_check verifies all of them):
 *  - freeblocks sorted by offset, never adjacent or within 3 bytes of each other (freeing
 *    coalesces them, absorbing the fragment bytes between);
 *  - cells sized as SQLite sizes them (at least 4 bytes);
 *  - usable - contentStart == cell bytes + freeblock bytes + fragmented bytes, exactly;
 *  - fragmented bytes <= 60: a freeblock split that would push the count past 60 is refused
 *    (as SQLite does at 57) and the page is defragmented instead.
 */
import { CorruptError } from '../errors.js';
import { readU16, writeU16 } from '../format/bytes.js';
import { emptyCell, parseCell } from '../format/cell.js';
import { PageType, cellOffset, decodePageHeader, pageFreeBytes, type PageHeader } from '../format/page-header.js';
import { maxLocalPayload } from '../format/payload.js';

/** parseCell's reused result for cellSizeAt (synchronous, never re-entered): no object per cell. */
const scratchCell = emptyCell();

/** SQLite's cellSizePtr: the bytes a cell occupies on the page, never less than 4. */
export function cellSizeAt(page: Uint8Array, header: PageHeader, off: number, pgno: number, usable: number): number {
  const type = header.pageType;
  if (type === PageType.TableLeaf || type === PageType.IndexLeaf) {
    // Fast path for leaf cells whose payload is all local and whose size varint has 1 or 2
    // bytes (nearly every cell a balance moves); anything else, or anything out of bounds, is
    // left to parseCell, which checks every field and names the page in its errors.
    let p = off;
    let size = page[p]!;
    if (size < 0x80) p += 1;
    else {
      const b = page[p + 1]!;
      if (b >= 0x80) return cellSizeSlow(page, type, off, pgno, usable);
      size = ((size & 0x7f) << 7) | b;
      p += 2;
    }
    if (type === PageType.TableLeaf) {
      // Skip the rowid varint (up to 9 bytes; the 9th is whole).
      let k = 0;
      while (k < 8 && page[p + k]! >= 0x80) k++;
      p += k + 1;
    }
    const end = p + size;
    if (size <= maxLocalPayload(usable, type === PageType.TableLeaf) && end <= usable) return Math.max(4, end - off);
  }
  return cellSizeSlow(page, type, off, pgno, usable);
}

function cellSizeSlow(page: Uint8Array, type: PageType, off: number, pgno: number, usable: number): number {
  return Math.max(4, parseCell(page, off, type, pgno, usable, scratchCell).cellSize);
}

function contentStartOf(page: Uint8Array, h: number): number {
  const raw = readU16(page, h + 5);
  return raw === 0 ? 65536 : raw;
}

function setContentStart(page: Uint8Array, h: number, v: number): void {
  writeU16(page, h + 5, v === 65536 ? 0 : v);
}

/**
 * First-fit search of the freeblock list for `n` bytes. Returns the offset, or -1 when no
 * freeblock fits (or taking one would make the fragment count exceed 60).
 */
function findSlot(page: Uint8Array, h: number, n: number, usable: number, pgno: number): number {
  let prev = h + 1;
  let pc = readU16(page, prev);
  while (pc !== 0) {
    if (pc > usable - 4) throw new CorruptError(`freeblock offset ${pc} past the usable size`, pgno);
    const size = readU16(page, pc + 2);
    const next = readU16(page, pc);
    if (pc + size > usable) throw new CorruptError(`freeblock at ${pc} runs past the usable size`, pgno);
    const x = size - n;
    if (x >= 0) {
      if (x < 4) {
        // The remainder is too small for a freeblock: it becomes fragmented bytes.
        if (page[h + 7]! > 57) return -1;
        writeU16(page, prev, next);
        page[h + 7] = page[h + 7]! + x;
        return pc;
      }
      writeU16(page, pc + 2, x);
      return pc + x;
    }
    if (next !== 0 && next <= pc + size) throw new CorruptError(`freeblocks out of order at ${pc}`, pgno);
    prev = pc;
    pc = next;
  }
  return -1;
}

/** Rewrites the content area with every cell packed at the end, no freeblocks, no fragments. */
export function defragment(page: Uint8Array, pgno: number, usable: number): void {
  const header = decodePageHeader(page, pgno, usable);
  const h = header.headerOffset;
  const ptr = header.cellPointerOffset;
  const n = header.cellCount;
  const src = page.slice();
  let top = usable;
  for (let i = 0; i < n; i++) {
    const off = cellOffset(src, header, i, pgno, usable);
    const size = cellSizeAt(src, header, off, pgno, usable);
    if (off + size > usable) throw new CorruptError(`cell ${i} runs past the usable size`, pgno);
    top -= size;
    if (top < ptr + 2 * n) throw new CorruptError('cells overflow the page while defragmenting', pgno);
    page.set(src.subarray(off, off + size), top);
    writeU16(page, ptr + 2 * i, top);
  }
  page.fill(0, ptr + 2 * n, top);
  writeU16(page, h + 1, 0);
  page[h + 7] = 0;
  setContentStart(page, h, top);
}

/**
 * Space for `n` bytes of cell content (the caller made sure the page has n + 2 free bytes):
 * a freeblock if one fits, else the gap above the cell pointer array, defragmenting first if
 * the gap is too small.
 */
function allocateSpace(page: Uint8Array, header: PageHeader, n: number, pgno: number, usable: number): number {
  const h = header.headerOffset;
  const gap = header.cellPointerOffset + 2 * header.cellCount;
  let top = contentStartOf(page, h);
  if (gap > top) throw new CorruptError('cell pointer array overlaps the content area', pgno);
  if (readU16(page, h + 1) !== 0 && gap + 2 <= top) {
    const slot = findSlot(page, h, n, usable, pgno);
    if (slot >= 0) {
      if (slot < gap + 2) throw new CorruptError('freeblock overlaps the cell pointer array', pgno);
      return slot;
    }
  }
  if (gap + 2 + n > top) {
    defragment(page, pgno, usable);
    top = contentStartOf(page, h);
    if (gap + 2 + n > top) throw new CorruptError('page free space miscounted', pgno);
  }
  top -= n;
  setContentStart(page, h, top);
  return top;
}

/**
 * Returns [start, start+size) to the page: a freeblock inserted in order and coalesced with
 * its neighbours (absorbing fragments of up to 3 bytes between them), or, when it borders the
 * content start, the content area simply shrinks.
 */
function freeSpace(page: Uint8Array, h: number, start: number, size: number, pgno: number, usable: number): void {
  let iPtr = h + 1;
  let iFree = readU16(page, iPtr);
  let iStart = start;
  let iEnd = start + size;
  let iSize = size;
  let nFrag = 0;
  if (iFree !== 0) {
    for (;;) {
      iFree = readU16(page, iPtr);
      if (iFree >= iStart) break;
      if (iFree <= iPtr) {
        if (iFree === 0) break;
        throw new CorruptError('freeblock list not in ascending order', pgno);
      }
      iPtr = iFree;
    }
    if (iFree > usable - 4) throw new CorruptError(`freeblock offset ${iFree} past the usable size`, pgno);
    if (iFree !== 0 && iEnd + 3 >= iFree) {
      if (iEnd > iFree) throw new CorruptError('freed cell overlaps a freeblock', pgno);
      nFrag = iFree - iEnd;
      iEnd = iFree + readU16(page, iFree + 2);
      if (iEnd > usable) throw new CorruptError('freeblock runs past the usable size', pgno);
      iSize = iEnd - iStart;
      iFree = readU16(page, iFree);
    }
    if (iPtr > h + 1) {
      const iPtrEnd = iPtr + readU16(page, iPtr + 2);
      if (iPtrEnd + 3 >= iStart) {
        if (iPtrEnd > iStart) throw new CorruptError('freed cell overlaps a freeblock', pgno);
        nFrag += iStart - iPtrEnd;
        iSize = iEnd - iPtr;
        iStart = iPtr;
      }
    }
    if (nFrag > page[h + 7]!) throw new CorruptError('fragmented byte count too small', pgno);
    page[h + 7] = page[h + 7]! - nFrag;
  }
  const contentStart = contentStartOf(page, h);
  if (iStart <= contentStart) {
    if (iStart < contentStart || iPtr !== h + 1) throw new CorruptError('freed space below the content area', pgno);
    writeU16(page, h + 1, iFree);
    setContentStart(page, h, iEnd);
  } else {
    writeU16(page, iPtr, iStart);
    writeU16(page, iStart, iFree);
    writeU16(page, iStart + 2, iSize);
  }
}

/** Free bytes of the page (gap + freeblocks + fragments). */
export function pageFree(page: Uint8Array, pgno: number, usable: number): number {
  const header = decodePageHeader(page, pgno, usable);
  return pageFreeBytes(page, header, pgno, usable);
}

/** SQLite's balance trigger after a delete: more than 2/3 of the usable space is free. */
export function isUnderfull(freeBytes: number, usable: number): boolean {
  return freeBytes > Math.floor((usable * 2) / 3);
}

/**
 * Inserts `cell` (already in this page's cell format, at least 4 bytes) as cell `idx`.
 * Returns false, changing nothing, when the page lacks cell.length + 2 free bytes.
 */
export function insertCellInPlace(page: Uint8Array, pgno: number, usable: number, idx: number, cell: Uint8Array): boolean {
  const off = reserveCellInPlace(page, pgno, usable, idx, cell.length);
  if (off < 0) return false;
  page.set(cell, off);
  return true;
}

/**
 * Makes room for a cell of `size` bytes (at least 4) as cell `idx`: space allocated, its
 * pointer inserted, the cell count raised. Returns the cell's offset, where the caller writes
 * all `size` bytes (the space holds old bytes); -1, changing nothing, when the page lacks
 * size + 2 free bytes. Lets a cell be written straight into the page, without a copy of its own.
 */
export function reserveCellInPlace(page: Uint8Array, pgno: number, usable: number, idx: number, size: number): number {
  const at = appendInGap(page, pgno, usable, idx, size);
  if (at >= 0) return at;
  const header = decodePageHeader(page, pgno, usable);
  if (idx < 0 || idx > header.cellCount) throw new Error(`internal: insert position ${idx} of ${header.cellCount}`);
  if (pageFreeBytes(page, header, pgno, usable) < size + 2) return -1;
  const off = allocateSpace(page, header, size, pgno, usable);
  const ptr = header.cellPointerOffset;
  const n = header.cellCount;
  page.copyWithin(ptr + 2 * idx + 2, ptr + 2 * idx, ptr + 2 * n);
  writeU16(page, ptr + 2 * idx, off);
  writeU16(page, header.headerOffset + 3, n + 1);
  return off;
}

/**
 * `reserveCellInPlace` for a bulk load's usual cell: the last one, on a page without freeblocks
 * whose gap (between the cell pointer array and the content start) holds it and its pointer —
 * the header read field by field, no PageHeader object. -1 when the case does not apply (or the
 * header is not one decodePageHeader would accept): the general path then decides, and names
 * any corruption.
 */
function appendInGap(page: Uint8Array, pgno: number, usable: number, idx: number, size: number): number {
  const h = pgno === 1 ? 100 : 0;
  const type = page[h];
  if (page.length < usable || h + 12 > usable || (type !== 0x0d && type !== 0x0a && type !== 0x05 && type !== 0x02)) return -1;
  const n = readU16(page, h + 3);
  if (idx !== n || readU16(page, h + 1) !== 0) return -1;
  const gap = h + (type & 0x08 ? 8 : 12) + 2 * n;
  const top = readU16(page, h + 5); // 0 (65536) never passes the check below for usable < 65536
  if (top === 0 || top > usable || gap + 2 + size > top) return -1;
  const off = top - size;
  setContentStart(page, h, off);
  writeU16(page, gap, off);
  writeU16(page, h + 3, n + 1);
  return off;
}

/** Removes cell `idx`, returning its space to the page. An emptied page is reset (no freeblocks). */
export function dropCellInPlace(page: Uint8Array, pgno: number, usable: number, idx: number): void {
  const header = decodePageHeader(page, pgno, usable);
  const n = header.cellCount;
  if (idx < 0 || idx >= n) throw new Error(`internal: drop position ${idx} of ${n}`);
  const h = header.headerOffset;
  const ptr = header.cellPointerOffset;
  const off = cellOffset(page, header, idx, pgno, usable);
  const size = cellSizeAt(page, header, off, pgno, usable);
  if (off + size > usable) throw new CorruptError(`cell ${idx} runs past the usable size`, pgno);
  freeSpace(page, h, off, size, pgno, usable);
  page.copyWithin(ptr + 2 * idx, ptr + 2 * idx + 2, ptr + 2 * n);
  writeU16(page, h + 3, n - 1);
  if (n - 1 === 0) {
    writeU16(page, h + 1, 0);
    page[h + 7] = 0;
    setContentStart(page, h, usable);
  }
}
