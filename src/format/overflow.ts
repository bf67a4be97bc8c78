/**
 * Overflow pages (https://www.sqlite.org/fileformat2.html#ovflpgs): a singly linked chain.
 *
 *   Offset Size   Field
 *     0      4    next overflow pgno, 0 on the last page of the chain
 *     4     U-4   payload bytes (the last page uses only as many as remain)
 */
import { readU32 } from './bytes.js';

export const OVERFLOW_HEADER_SIZE = 4;

/** Next pgno in the chain, 0 at its end. */
export function overflowNext(page: Uint8Array): number {
  return readU32(page, 0);
}

/** Payload bytes an overflow page carries. */
export function overflowCapacity(usableSize: number): number {
  return usableSize - OVERFLOW_HEADER_SIZE;
}
