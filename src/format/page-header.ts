/**
 * The b-tree page header and cell pointer array
 * (https://www.sqlite.org/fileformat2.html#b_tree_pages).
 *
 * A b-tree page is laid out as:
 *
 *   [100-byte database header, page 1 only]
 *   [page header: 8 bytes on leaves, 12 on interior pages]
 *   [cell pointer array: 2 bytes per cell, big-endian offsets from the page start]
 *   [unallocated space]
 *   [cell content area: cells and freeblocks, growing down from the end of the usable space]
 *   [reserved region: `reservedBytes` at the end of the page]
 *
 * Page header:
 *
 *   Offset Size  Field
 *     0      1   page type: 0x02 index interior, 0x05 table interior, 0x0a index leaf, 0x0d table leaf
 *     1      2   offset of the first freeblock, 0 if none
 *     3      2   number of cells
 *     5      2   start of the cell content area; 0 means 65536
 *     7      1   number of fragmented free bytes in the cell content area
 *     8      4   right-most child page number (interior pages only)
 */
import { CorruptError } from '../errors.js';
import { readU16, readU32 } from './bytes.js';

export const PageType = {
  IndexInterior: 0x02,
  TableInterior: 0x05,
  IndexLeaf: 0x0a,
  TableLeaf: 0x0d,
} as const;
export type PageType = (typeof PageType)[keyof typeof PageType];

export interface PageHeader {
  readonly pageType: PageType;
  /** 0 or 100 (page 1). */
  readonly headerOffset: number;
  /** 8 (leaf) or 12 (interior). */
  readonly headerSize: number;
  readonly isLeaf: boolean;
  /** True for table b-tree pages (0x05, 0x0d), false for index pages (0x02, 0x0a). */
  readonly isTable: boolean;
  readonly firstFreeblock: number;
  readonly cellCount: number;
  /** Start of the cell content area (the stored 0 decoded as 65536). */
  readonly cellContentStart: number;
  readonly fragmentedFreeBytes: number;
  /** Right-most child (interior pages), 0 on leaves. */
  readonly rightChild: number;
  /** Offset of the cell pointer array = headerOffset + headerSize. */
  readonly cellPointerOffset: number;
}

export function isPageType(b: number): b is PageType {
  return b === 0x02 || b === 0x05 || b === 0x0a || b === 0x0d;
}

/** Offset of the b-tree page header within page `pgno`: 100 on page 1, else 0. */
export function pageHeaderOffset(pgno: number): number {
  return pgno === 1 ? 100 : 0;
}

/**
 * Decodes and validates the header of b-tree page `pgno`. Checks, against the usable size:
 * a known page type, the cell pointer array ending at or before the cell content area, the
 * content area inside the usable space, and the first freeblock inside the content area.
 */
export function decodePageHeader(page: Uint8Array, pgno: number, usableSize: number): PageHeader {
  const headerOffset = pageHeaderOffset(pgno);
  if (page.length < usableSize || headerOffset + 8 > usableSize) throw new CorruptError('page shorter than the usable size', pgno);
  const pageType = page[headerOffset]!;
  if (!isPageType(pageType)) throw new CorruptError(`bad b-tree page type 0x${pageType.toString(16)}`, pgno);
  const isLeaf = (pageType & 0x08) !== 0;
  const headerSize = isLeaf ? 8 : 12;
  const firstFreeblock = readU16(page, headerOffset + 1);
  const cellCount = readU16(page, headerOffset + 3);
  const rawContent = readU16(page, headerOffset + 5);
  const cellContentStart = rawContent === 0 ? 65536 : rawContent;
  const fragmentedFreeBytes = page[headerOffset + 7]!;
  const rightChild = isLeaf ? 0 : readU32(page, headerOffset + 8);
  const cellPointerOffset = headerOffset + headerSize;
  if (cellPointerOffset + 2 * cellCount > cellContentStart) {
    throw new CorruptError(`cell count ${cellCount} overlaps the cell content area`, pgno);
  }
  if (cellContentStart > usableSize) throw new CorruptError('cell content area starts past the usable size', pgno);
  if (firstFreeblock !== 0 && (firstFreeblock < cellContentStart || firstFreeblock > usableSize - 4)) {
    throw new CorruptError(`freeblock offset ${firstFreeblock} outside the cell content area`, pgno);
  }
  if (!isLeaf && rightChild === 0) throw new CorruptError('interior page without a right child', pgno);
  return {
    pageType,
    headerOffset,
    headerSize,
    isLeaf,
    isTable: (pageType & 0x01) !== 0,
    firstFreeblock,
    cellCount,
    cellContentStart,
    fragmentedFreeBytes,
    rightChild,
    cellPointerOffset,
  };
}

/**
 * Offset of cell `i` (0-based, must be < cellCount) read from the cell pointer array;
 * validated to lie in the cell content area with at least 4 bytes before the usable end.
 */
export function cellOffset(page: Uint8Array, header: PageHeader, i: number, pgno: number, usableSize: number): number {
  const off = readU16(page, header.cellPointerOffset + 2 * i);
  if (off < header.cellContentStart || off > usableSize - 4) {
    throw new CorruptError(`cell ${i} offset ${off} outside the cell content area`, pgno);
  }
  return off;
}

/**
 * Free bytes of the page as dbstat counts them: the gap between the cell pointer array and the
 * content area, plus fragmented bytes, plus every freeblock. Walks the freeblock chain with
 * SQLite's checks (ascending, in bounds) so a cyclic chain cannot loop.
 */
export function pageFreeBytes(page: Uint8Array, header: PageHeader, pgno: number, usableSize: number): number {
  let free = header.cellContentStart - header.cellPointerOffset - 2 * header.cellCount + header.fragmentedFreeBytes;
  let off = header.firstFreeblock;
  let prevEnd = 0;
  while (off !== 0) {
    if (off < prevEnd || off > usableSize - 4) throw new CorruptError(`bad freeblock chain at offset ${off}`, pgno);
    const next = readU16(page, off);
    const size = readU16(page, off + 2);
    if (size < 4 || off + size > usableSize) throw new CorruptError(`freeblock at ${off} runs past the usable size`, pgno);
    if (next !== 0 && next <= off + size - 1) throw new CorruptError(`freeblocks out of order at ${off}`, pgno);
    free += size;
    prevEnd = off + size;
    off = next;
  }
  return free;
}
