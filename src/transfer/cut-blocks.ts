/**
 * Cutting a byte stream into blocks, and finding the blocks of a prefix past a given index: the
 * two halves of writing a database's blocks from a stream (import, replace).
 */
import type { BlockStore } from '../store/block-store.js';

/** Re-cuts a stream of arbitrary chunks into blocks of exactly `blockSize` bytes (last may be short). */
export async function* cutIntoBlocks(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  blockSize: number,
): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(blockSize);
  let filled = 0;
  for await (const chunk of input) {
    let at = 0;
    while (at < chunk.length) {
      if (filled === 0 && chunk.length - at >= blockSize) {
        // Whole block straight from the input: copy once (the caller may reuse its buffer).
        yield chunk.slice(at, at + blockSize);
        at += blockSize;
        continue;
      }
      const n = Math.min(blockSize - filled, chunk.length - at);
      pending.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === blockSize) {
        yield pending;
        pending = new Uint8Array(blockSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield pending.slice(0, filled);
}

/**
 * The indices of the stored blocks at or past `count`. The listing starts after the key of the
 * last block before `count`, so it costs one LIST request per 1000 keys past it (one request when
 * there are none), however large the database.
 */
export async function listBlocksFrom(target: BlockStore, count: number): Promise<number[]> {
  const indices: number[] = [];
  for await (const block of target.list(count)) indices.push(block.index);
  return indices;
}
