/**
 * The page numbers a b-tree page holds, for pointer-map upkeep and page relocation in
 * auto-vacuum databases: each interior cell's left child and the right child (entries of type
 * 5, "b-tree page, parent = this page") and each cell's first overflow page (type 3, "first
 * overflow page, parent = this page"). An overflow page holds one: the next page of its chain
 * in its first 4 bytes (type 4).
 *
 *   b-tree page header (at 100 on page 1, else 0):  ... | offset 8: u32 right child (interior)
 *   interior cell:  u32 left child | ...
 *   any cell with a spilled payload: ... local payload | u32 first overflow page
 */
import { CorruptError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import { parseCell } from '../format/cell.js';
import { PtrmapType } from '../format/ptrmap.js';
import { cellOffset, decodePageHeader } from '../format/page-header.js';

export interface PagePointer {
  readonly pgno: number;
  readonly type: typeof PtrmapType.Btree | typeof PtrmapType.Overflow1;
}

/** Every page b-tree page `pgno` (bytes `data`) points to, in cell order, the right child last (SQLite's setChildPtrmaps order). */
export function btreePointers(data: Uint8Array, pgno: number, usable: number): PagePointer[] {
  const header = decodePageHeader(data, pgno, usable);
  const out: PagePointer[] = [];
  for (let i = 0; i < header.cellCount; i++) {
    const cell = parseCell(data, cellOffset(data, header, i, pgno, usable), header.pageType, pgno, usable);
    if (cell.overflowPgno !== 0) out.push({ pgno: cell.overflowPgno, type: PtrmapType.Overflow1 });
    if (!header.isLeaf) out.push({ pgno: cell.leftChild, type: PtrmapType.Btree });
  }
  if (!header.isLeaf) out.push({ pgno: header.rightChild, type: PtrmapType.Btree });
  return out;
}

/**
 * Makes the pointer to page `from` on page `pgno` (bytes `data`, writable) point to `to`
 * instead (SQLite's modifyPagePointer): the chain link of an overflow page (type 4), the
 * overflow pointer of a cell (type 3), or a child pointer (type 5). CorruptError when the page
 * holds no such pointer.
 */
export function modifyPagePointer(data: Uint8Array, pgno: number, usable: number, from: number, to: number, type: PtrmapType): void {
  if (type === PtrmapType.Overflow2) {
    if (readU32(data, 0) !== from) throw new CorruptError(`overflow page does not link to page ${from}`, pgno);
    writeU32(data, 0, to);
    return;
  }
  const header = decodePageHeader(data, pgno, usable);
  for (let i = 0; i < header.cellCount; i++) {
    const off = cellOffset(data, header, i, pgno, usable);
    if (type === PtrmapType.Overflow1) {
      const cell = parseCell(data, off, header.pageType, pgno, usable);
      if (cell.overflowPgno === from) {
        writeU32(data, cell.localOffset + cell.localSize, to);
        return;
      }
    } else if (!header.isLeaf && readU32(data, off) === from) {
      writeU32(data, off, to);
      return;
    }
  }
  if (type !== PtrmapType.Btree || header.isLeaf || header.rightChild !== from) {
    throw new CorruptError(`page holds no pointer to page ${from}`, pgno);
  }
  writeU32(data, header.headerOffset + 8, to);
}
