/**
 * A b-tree page taken apart into its cells (SQLite's balance_nonroot works the same way: it
 * copies the cells of the pages being balanced out, then rebuilds each page from a cell list).
 *
 * An image may hold more cells than fit on its page (an "overflowing" node waiting for the
 * balancer); `writeImage` accepts only one that fits and lays it out compactly:
 *
 *   [header][cell pointers: cell 0, 1, ...][zeros][cell n-1 ... cell 1, cell 0][reserved]
 *
 * i.e. cell 0 at the usable end, each later cell below the previous one (as rebuildPage does),
 * no freeblocks, no fragments.
 */
import { CorruptError } from '../errors.js';
import { writeU16, writeU32 } from '../format/bytes.js';
import { PageType, cellOffset, decodePageHeader, pageHeaderOffset } from '../format/page-header.js';
import { cellSizeAt } from './cell-space.js';

export interface NodeImage {
  type: PageType;
  /** Raw cell bytes in this page's cell format (interior cells start with their left child). */
  cells: Uint8Array[];
  /** Right-most child (interior pages), 0 on leaves. */
  rightChild: number;
}

export function isLeafType(type: PageType): boolean {
  return (type & 0x08) !== 0;
}

export function isTableType(type: PageType): boolean {
  return (type & 0x01) !== 0;
}

export function headerSizeOf(type: PageType): number {
  return isLeafType(type) ? 8 : 12;
}

/**
 * Copies the cells of page `pgno` out into an image. The page is copied once and the cells are
 * views into that copy (one allocation per page rather than one per cell, as SQLite's
 * balance_nonroot copies each page once): they stay valid while `page` itself is rewritten.
 */
export function imageFromPage(page: Uint8Array, pgno: number, usable: number): NodeImage {
  const header = decodePageHeader(page, pgno, usable);
  const copy = page.slice(0, usable);
  const n = header.cellCount;
  const cells = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const off = cellOffset(copy, header, i, pgno, usable);
    const size = cellSizeAt(copy, header, off, pgno, usable);
    if (off + size > usable) throw new CorruptError(`cell ${i} runs past the usable size`, pgno);
    cells[i] = copy.subarray(off, off + size);
  }
  return { type: header.pageType, cells, rightChild: header.rightChild };
}

/** Bytes the image's cells need on a page: each cell plus its 2-byte pointer. */
export function imageCellBytes(image: NodeImage): number {
  let sum = 0;
  for (const c of image.cells) sum += c.length + 2;
  return sum;
}

/** Free bytes the image would leave on page `pgno` (negative when it does not fit). */
export function imageFree(image: NodeImage, pgno: number, usable: number): number {
  return usable - pageHeaderOffset(pgno) - headerSizeOf(image.type) - imageCellBytes(image);
}

export function imageFits(image: NodeImage, pgno: number, usable: number): boolean {
  return imageFree(image, pgno, usable) >= 0;
}

/** Lays the image out on `page` (page 1 keeps its database header). The image must fit. */
export function writeImage(page: Uint8Array, pgno: number, usable: number, image: NodeImage): void {
  if (!imageFits(image, pgno, usable)) throw new Error(`internal: image does not fit page ${pgno}`);
  const h = pageHeaderOffset(pgno);
  const hs = headerSizeOf(image.type);
  const n = image.cells.length;
  page[h] = image.type;
  writeU16(page, h + 1, 0);
  writeU16(page, h + 3, n);
  page[h + 7] = 0;
  if (hs === 12) writeU32(page, h + 8, image.rightChild);
  const ptr = h + hs;
  let top = usable;
  for (let i = 0; i < n; i++) {
    const cell = image.cells[i]!;
    top -= cell.length;
    page.set(cell, top);
    writeU16(page, ptr + 2 * i, top);
  }
  page.fill(0, ptr + 2 * n, top);
  writeU16(page, h + 5, top === 65536 ? 0 : top);
}
