/**
 * B-tree cells (https://www.sqlite.org/fileformat2.html#b_tree_pages, "cell format"):
 *
 *   Table leaf (0x0d):     varint payload size P | varint rowid | local payload | [u32 first overflow pgno]
 *   Table interior (0x05): u32 left child pgno   | varint rowid (the largest rowid in the left subtree)
 *   Index leaf (0x0a):     varint payload size P | local payload | [u32 first overflow pgno]
 *   Index interior (0x02): u32 left child pgno   | varint payload size P | local payload | [u32 first overflow pgno]
 *
 * The overflow pointer is present only when P exceeds the local amount (see payload.ts).
 * Every cell is checked to end within the usable size of its page.
 */
import { CorruptError } from '../errors.js';
import { readU32 } from './bytes.js';
import { PageType } from './page-header.js';
import { localPayloadSize } from './payload.js';
import { readVarint, readVarintNumber, type ReadPosition } from './varint.js';

export interface Cell {
  /** Left child pgno on interior pages, 0 on leaves. */
  readonly leftChild: number;
  /** Rowid on table pages (the key), 0 on index pages. */
  readonly rowid: number | bigint;
  /** Total payload size (0 on table interior pages, which carry no payload). */
  readonly payloadSize: number;
  /** Offset of the local payload within the page. */
  readonly localOffset: number;
  /** Bytes of payload stored on the page. */
  readonly localSize: number;
  /** First overflow page, 0 if the payload is all local. */
  readonly overflowPgno: number;
  /** Bytes the cell occupies on the page. */
  readonly cellSize: number;
}

/** Largest payload SQLite ever writes is about 2^31 (SQLITE_MAX_LENGTH); anything above is corrupt. */
const MAX_PAYLOAD = 0x7fffffff;

/** A Cell a scan fills again for each entry (`parseCell`'s `out`), so that moving costs no allocation. */
export type MutableCell = { -readonly [K in keyof Cell]: Cell[K] };

export function emptyCell(): MutableCell {
  return { leftChild: 0, rowid: 0, payloadSize: 0, localOffset: 0, localSize: 0, overflowPgno: 0, cellSize: 0 };
}

/** parseCell and cellRowid are synchronous and never re-entered: one read position serves them all. */
const scratchPos: ReadPosition = { offset: 0 };

function fill(
  out: MutableCell | undefined,
  leftChild: number,
  rowid: number | bigint,
  payloadSize: number,
  localOffset: number,
  localSize: number,
  overflowPgno: number,
  cellSize: number,
): Cell {
  if (out === undefined) return { leftChild, rowid, payloadSize, localOffset, localSize, overflowPgno, cellSize };
  out.leftChild = leftChild;
  out.rowid = rowid;
  out.payloadSize = payloadSize;
  out.localOffset = localOffset;
  out.localSize = localSize;
  out.overflowPgno = overflowPgno;
  out.cellSize = cellSize;
  return out;
}

/**
 * Parses the cell at `offset` of b-tree page `pgno` with type `pageType`. With `out`, fills and
 * returns it instead of a new object (a cursor's current cell).
 */
export function parseCell(
  page: Uint8Array,
  offset: number,
  pageType: PageType,
  pgno: number,
  usableSize: number,
  out?: MutableCell,
): Cell {
  const pos = scratchPos;
  pos.offset = offset;
  let leftChild = 0;
  if (pageType === PageType.TableInterior || pageType === PageType.IndexInterior) {
    if (offset + 4 > usableSize) throw new CorruptError('cell runs past the usable size', pgno);
    leftChild = readU32(page, offset);
    if (leftChild === 0) throw new CorruptError('interior cell with child page 0', pgno);
    pos.offset += 4;
  }
  try {
    if (pageType === PageType.TableInterior) {
      const rowid = readVarint(page, pos, usableSize);
      return fill(out, leftChild, rowid, 0, pos.offset, 0, 0, pos.offset - offset);
    }
    const payloadSize = readVarintNumber(page, pos, usableSize);
    if (payloadSize > MAX_PAYLOAD) throw new CorruptError(`payload size ${payloadSize} too large`, pgno);
    let rowid: number | bigint = 0;
    if (pageType === PageType.TableLeaf) rowid = readVarint(page, pos, usableSize);
    const localSize = localPayloadSize(payloadSize, usableSize, pageType === PageType.TableLeaf);
    const localOffset = pos.offset;
    let end = localOffset + localSize;
    let overflowPgno = 0;
    if (localSize < payloadSize) {
      if (end + 4 > usableSize) throw new CorruptError('cell runs past the usable size', pgno);
      overflowPgno = readU32(page, end);
      if (overflowPgno === 0) throw new CorruptError('cell with overflow page 0', pgno);
      end += 4;
    } else if (end > usableSize) {
      throw new CorruptError('cell runs past the usable size', pgno);
    }
    return fill(out, leftChild, rowid, payloadSize, localOffset, localSize, overflowPgno, end - offset);
  } catch (err) {
    if (err instanceof CorruptError && err.pgno === undefined) throw new CorruptError(err.message, pgno);
    throw err;
  }
}

/** Left child pointer of an interior cell (fast path: no other decoding). */
export function cellLeftChild(page: Uint8Array, offset: number, pgno: number): number {
  const child = readU32(page, offset);
  if (child === 0) throw new CorruptError('interior cell with child page 0', pgno);
  return child;
}

/** Rowid of a table cell (interior or leaf) without building a Cell object. */
export function cellRowid(page: Uint8Array, offset: number, pageType: PageType, pgno: number, usableSize: number): number | bigint {
  const pos = scratchPos;
  pos.offset = offset;
  try {
    if (pageType === PageType.TableInterior) {
      pos.offset += 4;
    } else {
      readVarintNumber(page, pos, usableSize);
    }
    return readVarint(page, pos, usableSize);
  } catch (err) {
    if (err instanceof CorruptError && err.pgno === undefined) throw new CorruptError(err.message, pgno);
    throw err;
  }
}
