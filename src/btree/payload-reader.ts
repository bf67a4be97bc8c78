/**
 * Assembling a cell's full payload: the local part from the b-tree page, then the overflow
 * chain (see format/overflow.ts). The chain is trusted for nothing: its length must be exactly
 * what the payload size implies, each page in range, never the lock-byte page, never repeated.
 */
import { CorruptError } from '../errors.js';
import type { Cell } from '../format/cell.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { overflowCapacity, overflowNext } from '../format/overflow.js';
import { overflowPageCount } from '../format/payload.js';
import type { Pager } from '../pager/pager.js';

/** Local payload of `cell` (a view into the page). */
export function localPayload(page: Uint8Array, cell: Cell): Uint8Array {
  return page.subarray(cell.localOffset, cell.localOffset + cell.localSize);
}

/**
 * Full payload of `cell` found on b-tree page `pgno`. Without overflow this is a view into the
 * page (do not mutate); with overflow a new array.
 */
export async function readPayload(pager: Pager, pgno: number, page: Uint8Array, cell: Cell): Promise<Uint8Array> {
  if (cell.overflowPgno === 0) return localPayload(page, cell);
  // The cell may be a cursor's current cell, filled again when the cursor moves: everything is
  // read from it before the first await.
  const payloadSize = cell.payloadSize;
  const usable = pager.usableSize;
  const needed = overflowPageCount(payloadSize, cell.localSize, usable);
  // Bounds the allocation below by the size of the file, whatever the payload size field says.
  if (needed > pager.pageCount) throw new CorruptError(`payload of ${payloadSize} bytes needs more overflow pages than the file has`, pgno);
  const out = new Uint8Array(payloadSize);
  out.set(localPayload(page, cell), 0);
  let off = cell.localSize;
  let prev = pgno;
  let next = cell.overflowPgno;
  const cap = overflowCapacity(usable);
  const lockByte = lockBytePgno(pager.pageSize);
  const seen = new Set<number>();
  for (let k = 0; k < needed; k++) {
    if (next === 0) throw new CorruptError('overflow chain ends before the payload does', prev);
    if (next < 2 || next > pager.pageCount || next === lockByte) throw new CorruptError(`overflow page ${next} out of range`, prev);
    if (seen.has(next)) throw new CorruptError(`cyclic overflow chain through page ${next}`, prev);
    seen.add(next);
    const ov = pager.peekPage(next) ?? (await pager.getPage(next));
    const n = Math.min(cap, payloadSize - off);
    out.set(ov.subarray(4, 4 + n), off);
    off += n;
    prev = next;
    next = overflowNext(ov);
  }
  if (next !== 0) throw new CorruptError(`overflow chain longer than the payload (next page ${next})`, prev);
  return out;
}
