/**
 * The freelist (https://www.sqlite.org/fileformat2.html#the_freelist): a linked list of trunk
 * pages starting at header offset 32, each holding pgnos of free leaf pages.
 *
 *   Trunk page:
 *   Offset Size  Field
 *     0      4   next trunk pgno, 0 on the last trunk
 *     4      4   number of leaf pgnos L on this trunk
 *     8     4*L  leaf pgnos
 *
 * SQLite bounds L by (U/4)-2 (the entries must fit in the usable space); a larger L is corrupt.
 * Leaf pages carry no information.
 */
import { CorruptError } from '../errors.js';
import { readU32 } from './bytes.js';

export interface FreelistTrunk {
  readonly next: number;
  readonly leaves: readonly number[];
}

export function maxTrunkLeaves(usableSize: number): number {
  return Math.floor(usableSize / 4) - 2;
}

/** Decodes trunk page `pgno`; leaf pgnos are checked to be in 2..pageCount. */
export function decodeFreelistTrunk(page: Uint8Array, pgno: number, usableSize: number, pageCount: number): FreelistTrunk {
  const next = readU32(page, 0);
  const count = readU32(page, 4);
  if (count > maxTrunkLeaves(usableSize)) throw new CorruptError(`freelist trunk claims ${count} leaves`, pgno);
  if (next !== 0 && (next < 2 || next > pageCount)) throw new CorruptError(`freelist trunk points to page ${next}`, pgno);
  const leaves: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const leaf = readU32(page, 8 + 4 * i);
    if (leaf < 2 || leaf > pageCount) throw new CorruptError(`freelist leaf page ${leaf} out of range`, pgno);
    leaves[i] = leaf;
  }
  return { next, leaves };
}
