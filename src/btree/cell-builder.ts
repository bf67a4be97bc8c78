/**
 * Building cells for insertion (SQLite's fillInCell) and freeing what a cell owns.
 *
 *   Table leaf:  varint P | varint rowid | local payload | [u32 first overflow pgno]
 *   Index cell:  varint P | local payload | [u32 first overflow pgno]     (leaf format; an
 *                interior cell is the same bytes behind a 4-byte left child pointer)
 *
 * The local amount follows format/payload.ts; the rest goes to a chain of overflow pages
 * (https://www.sqlite.org/fileformat2.html#ovflpgs), each `u32 next | U-4 payload bytes`.
 * Cells shorter than 4 bytes are padded to 4, as SQLite does, so that a freed cell can always
 * become a freeblock.
 */
import { CorruptError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import { parseCell, type Cell } from '../format/cell.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { isPtrmapPage } from '../format/ptrmap.js';
import { overflowCapacity } from '../format/overflow.js';
import { PageType } from '../format/page-header.js';
import { localPayloadSize, overflowPageCount } from '../format/payload.js';
import { varintLength, writeVarint } from '../format/varint.js';
import type { Pager } from '../pager/pager.js';
import { reserveCellInPlace } from './cell-space.js';

function pad4(cell: Uint8Array): Uint8Array {
  if (cell.length >= 4) return cell;
  const out = new Uint8Array(4);
  out.set(cell);
  return out;
}

/**
 * The leaf cell for `payload` when it fits on the page without overflow (table leaf when
 * `rowid` is given, else index), synchronously; undefined when it needs overflow pages
 * (then `buildCell` allocates them).
 */
export function buildLocalCell(usable: number, payload: Uint8Array, rowid?: number | bigint): Uint8Array | undefined {
  const isTable = rowid !== undefined;
  const p = payload.length;
  if (localPayloadSize(p, usable, isTable) < p) return undefined;
  const hdr = varintLength(p) + (isTable ? varintLength(rowid) : 0);
  const cell = new Uint8Array(Math.max(4, hdr + p));
  let off = writeVarint(cell, 0, p);
  if (isTable) off += writeVarint(cell, off, rowid);
  cell.set(payload, off);
  return cell;
}

/**
 * `buildLocalCell` written straight into page space: reserves the cell as cell `idx` of the
 * page (cell-space.ts) and writes it there. False, changing nothing, when the payload spills
 * or the page lacks room.
 */
export function insertLocalCellInPlace(page: Uint8Array, pgno: number, usable: number, idx: number, payload: Uint8Array, rowid?: number | bigint): boolean {
  const off = reserveLocalCell(page, pgno, usable, idx, payload.length, rowid);
  if (off < 0) return false;
  page.set(payload, off);
  return true;
}

/**
 * The cell of a `payloadSize`-byte payload that fits the page without overflow, reserved as
 * cell `idx` with its header written (payload size varint, rowid varint for a table leaf, the
 * zero padding of a cell under 4 bytes): returns where the caller writes the payload's bytes;
 * -1, changing nothing, when the payload spills or the page lacks room.
 */
export function reserveLocalCell(page: Uint8Array, pgno: number, usable: number, idx: number, payloadSize: number, rowid?: number | bigint): number {
  const isTable = rowid !== undefined;
  const p = payloadSize;
  if (localPayloadSize(p, usable, isTable) < p) return -1;
  const hdr = varintLength(p) + (isTable ? varintLength(rowid) : 0);
  const size = Math.max(4, hdr + p);
  const at = reserveCellInPlace(page, pgno, usable, idx, size);
  if (at < 0) return -1;
  let off = at + writeVarint(page, at, p);
  if (isTable) off += writeVarint(page, off, rowid);
  // A cell is at least 4 bytes; the padding of a shorter one is zero, as in buildLocalCell's.
  if (off + p < at + size) page.fill(0, off + p, at + size);
  return off;
}

/**
 * A leaf cell for `payload` (table leaf when `rowid` is given, else index), writing its
 * overflow pages (allocated from the pager) when the payload does not fit locally.
 */
export async function buildCell(pager: Pager, payload: Uint8Array, rowid?: number | bigint): Promise<Uint8Array> {
  const usable = pager.usableSize;
  const inPage = buildLocalCell(usable, payload, rowid);
  if (inPage !== undefined) return inPage;
  const isTable = rowid !== undefined;
  const p = payload.length;
  const local = localPayloadSize(p, usable, isTable);
  const hdr = varintLength(p) + (isTable ? varintLength(rowid) : 0);
  const spill = local < p;
  const cell = new Uint8Array(hdr + local + (spill ? 4 : 0));
  let off = writeVarint(cell, 0, p);
  if (isTable) off += writeVarint(cell, off, rowid);
  cell.set(payload.subarray(0, local), off);
  if (spill) {
    const cap = overflowCapacity(usable);
    const count = overflowPageCount(p, local, usable);
    const pages: { pgno: number; data: Uint8Array }[] = [];
    // Each page allocated near the one before, as SQLite's fillInCell asks (in an auto-vacuum
    // database near the next page number that is not a pointer-map or lock-byte page).
    let near = 0;
    for (let i = 0; i < count; i++) {
      if (pager.autoVacuum) near = nextOrdinaryPgno(near, pager.pageSize, usable);
      const page = await pager.allocatePage({ nearby: near, role: 'overflow' });
      pages.push(page);
      near = page.pgno;
    }
    let src = local;
    for (let i = 0; i < count; i++) {
      const { data } = pages[i]!;
      writeU32(data, 0, i + 1 < count ? pages[i + 1]!.pgno : 0);
      const n = Math.min(cap, p - src);
      data.set(payload.subarray(src, src + n), 4);
      src += n;
    }
    writeU32(cell, hdr + local, pages[0]!.pgno);
  }
  return pad4(cell);
}

/** Puts every overflow page of `cell` (found on page `pgno`) on the freelist; the chain is checked as it is walked. */
export async function freeOverflow(pager: Pager, pgno: number, cell: Cell): Promise<void> {
  if (cell.overflowPgno === 0) return;
  const usable = pager.usableSize;
  const needed = overflowPageCount(cell.payloadSize, cell.localSize, usable);
  const lockByte = lockBytePgno(pager.pageSize);
  const seen = new Set<number>();
  let prev = pgno;
  let next = cell.overflowPgno;
  for (let k = 0; k < needed; k++) {
    if (next < 2 || next > pager.pageCount || next === lockByte) throw new CorruptError(`overflow page ${next} out of range`, prev);
    if (seen.has(next)) throw new CorruptError(`cyclic overflow chain through page ${next}`, prev);
    seen.add(next);
    const page = pager.peekPage(next) ?? (await pager.getPage(next));
    const after = readU32(page, 0);
    if (k + 1 === needed && after !== 0) throw new CorruptError(`overflow chain longer than the payload (next page ${after})`, next);
    await pager.freePage(next);
    prev = next;
    next = after;
  }
}

/** The leaf-format bytes of an index cell without padding. */
function indexBodyLength(body: Uint8Array, usable: number, pgno: number): number {
  return parseCell(body, 0, PageType.IndexLeaf, pgno, usable).cellSize;
}

/** An index leaf cell as an interior cell with left child `child`. */
export function toInteriorIndexCell(leafCell: Uint8Array, child: number, usable: number, pgno: number): Uint8Array {
  const n = indexBodyLength(leafCell, usable, pgno);
  const out = new Uint8Array(4 + n);
  writeU32(out, 0, child);
  out.set(leafCell.subarray(0, n), 4);
  return out;
}

/** An index interior cell as a leaf cell (its left child dropped). */
export function toLeafIndexCell(interiorCell: Uint8Array, usable: number, pgno: number): Uint8Array {
  const body = interiorCell.subarray(4);
  const n = indexBodyLength(body, usable, pgno);
  return pad4(body.slice(0, n));
}

/** An interior cell with its left child replaced. */
export function withLeftChild(cell: Uint8Array, child: number): Uint8Array {
  const out = cell.slice();
  writeU32(out, 0, child);
  return out;
}

/** A table interior cell: u32 left child | varint rowid. */
export function tableInteriorCell(child: number, rowid: number | bigint): Uint8Array {
  const out = new Uint8Array(4 + varintLength(rowid));
  writeU32(out, 0, child);
  writeVarint(out, 4, rowid);
  return out;
}

/** The first page number after `pgno` that is neither a pointer-map page nor the lock-byte page. */
function nextOrdinaryPgno(pgno: number, pageSize: number, usable: number): number {
  let p = pgno + 1;
  while (isPtrmapPage(p, pageSize, usable) || p === lockBytePgno(pageSize)) p++;
  return p;
}
