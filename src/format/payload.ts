/**
 * How much of a cell's payload stays on the b-tree page and how much spills to overflow pages
 * (https://www.sqlite.org/fileformat2.html#cellformat, "spills onto overflow pages").
 *
 * With U the usable size and P the payload size:
 *   X = U-35                       on table leaf pages (the largest payload kept entirely local)
 *   X = ((U-12)*64/255)-23         on index pages (leaf and interior)
 *   M = ((U-12)*32/255)-23         the minimum local amount, for all page kinds
 *   K = M+((P-M)%(U-4))
 *   P <= X  -> all P bytes local, no overflow
 *   P >  X  -> K bytes local if K <= X, else M bytes local; the rest goes to overflow pages,
 *              each carrying U-4 bytes after its 4-byte next-page pointer.
 * All divisions are integer (floor) divisions.
 */

export function maxLocalPayload(usableSize: number, isTableLeaf: boolean): number {
  return isTableLeaf ? usableSize - 35 : Math.floor(((usableSize - 12) * 64) / 255) - 23;
}

export function minLocalPayload(usableSize: number): number {
  return Math.floor(((usableSize - 12) * 32) / 255) - 23;
}

/** Number of payload bytes stored on the b-tree page for a payload of `payloadSize` bytes. */
export function localPayloadSize(payloadSize: number, usableSize: number, isTableLeaf: boolean): number {
  const maxLocal = maxLocalPayload(usableSize, isTableLeaf);
  if (payloadSize <= maxLocal) return payloadSize;
  const minLocal = minLocalPayload(usableSize);
  const k = minLocal + ((payloadSize - minLocal) % (usableSize - 4));
  return k <= maxLocal ? k : minLocal;
}

/** Number of overflow pages a payload needs, given how much of it is local. */
export function overflowPageCount(payloadSize: number, localSize: number, usableSize: number): number {
  const rest = payloadSize - localSize;
  return rest <= 0 ? 0 : Math.ceil(rest / (usableSize - 4));
}
