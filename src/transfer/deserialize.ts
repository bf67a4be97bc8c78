/**
 * Import: cut the bytes of a standard `.sqlite` file into blocks `P/{i:010d}` and upload them
 * (sqlite-s3vfs calls this `deserialize`).
 *
 * - The input is any sync or async iterable of byte chunks of any sizes (a file stream, stdin, a
 *   fetch body, an array). Chunks are re-cut into blocks of exactly `blockSize` bytes (the last
 *   may be short) without copying more than one block at a time.
 * - Nothing is written before the first 100 bytes have been validated as a SQLite header
 *   (`NotADatabaseError` otherwise). When the header's page count is valid (every SQLite since
 *   3.7.0 keeps it so) the expected length is known up front; when the caller also passes
 *   `sourceSize` (a file), a truncated or over-long file is refused before anything is written.
 *   For a stream of unknown length, a length mismatch is found at the end: the new blocks are
 *   then removed again and `NotADatabaseError` is thrown (an earlier database under the same
 *   prefix is lost in that case — import streams into a fresh prefix when that matters).
 * - Uploads run in parallel, at most `concurrency` at once; block 0 (the header) goes last so
 *   that a reader never finds a new header over old pages.
 * - Blocks left over from a larger earlier database under the same prefix are deleted (found by
 *   a listing of the keys past the new end only, which runs alongside the uploads; deleted
 *   before block 0 is written).
 */
import { NotADatabaseError } from '../errors.js';
import type { BlockStore } from '../store/block-store.js';
import { DEFAULT_BLOCK_SIZE } from '../store/block-store.js';
import { expectedFileSize } from './header-check.js';

export interface DeserializeOptions {
  /** Bytes per block object (default 4096, the layout of sqlite-s3vfs). */
  readonly blockSize?: number;
  /** Uploads in flight at once (default 64). */
  readonly concurrency?: number;
  /** The total length of the input, when known (e.g. from `stat`): checked before writing. */
  readonly sourceSize?: number;
  /** Called as blocks are uploaded, with bytes done and bytes expected. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DeserializeResult {
  readonly bytes: number;
  readonly blocks: number;
  readonly blockSize: number;
  /** Blocks of an earlier, larger database that were removed. */
  readonly removedBlocks: number;
}

const DEFAULT_CONCURRENCY = 64;

export async function deserialize(
  target: BlockStore,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DeserializeOptions = {},
): Promise<DeserializeResult> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new globalThis.RangeError(`bad block size: ${blockSize}`);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);

  const blocks = cutIntoBlocks(input, blockSize);
  const first = await blocks.next();
  if (first.done) throw new NotADatabaseError('the input is empty, not a SQLite database');
  let header = first.value;
  // A block smaller than the header (block size < 100) cannot hold it: look at more input.
  const headBlocks: Uint8Array[] = [first.value];
  while (header.length < 100) {
    const more = await blocks.next();
    if (more.done) break;
    headBlocks.push(more.value);
    header = concat(header, more.value);
  }
  const expected = expectedFileSize(header, options.sourceSize);
  if (options.sourceSize !== undefined && options.sourceSize !== expected) {
    throw new NotADatabaseError(
      `the input is ${options.sourceSize} bytes but its header describes ${expected} bytes (truncated or damaged file)`,
    );
  }

  // Blocks of an earlier, larger database under this prefix: their indices are found while the
  // uploads run. The listing starts past the new end (StartAfter the last key we write), so it
  // sees only keys we never write; its round trips — one per 1000 stale keys — cost no wall time.
  const staleListing = listBlocksFrom(target, Math.ceil(expected / blockSize));
  staleListing.catch(() => undefined); // observed below; never an unhandled rejection meanwhile

  // At most `concurrency` uploads in flight: a counter and one waiter, so each block costs O(1)
  // bookkeeping (no Promise.race over every upload in flight).
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  let done = 0;
  let index = 0;
  let block0: Uint8Array | undefined;
  const settled = (): void => {
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const upload = async (i: number, data: Uint8Array): Promise<void> => {
    while (inFlight >= concurrency) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    target.write(i, data).then(
      () => {
        done += data.length;
        options.onProgress?.(done, expected);
        settled();
      },
      (err: unknown) => {
        failure ??= err;
        settled();
      },
    );
  };
  const drain = async (): Promise<void> => {
    while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  };

  const handle = async (data: Uint8Array): Promise<void> => {
    if (index === 0) block0 = data;
    else await upload(index, data);
    index++;
  };
  let total = 0;
  try {
    for (const data of headBlocks) {
      total += data.length;
      await handle(data);
    }
    // After a failed upload no new one starts; those in flight are waited for below.
    for (let next = await blocks.next(); !next.done && failure === undefined; next = await blocks.next()) {
      total += next.value.length;
      if (total > expected) break;
      await handle(next.value);
    }
  } finally {
    // Whatever happened (a failed upload, a failing input stream), nothing keeps running behind
    // the caller's back.
    await drain();
  }
  if (failure !== undefined) throw failure;

  if (total !== expected) {
    await target.deleteBlocks(range(1, index));
    throw new NotADatabaseError(
      `the input ${total > expected ? 'is longer than' : `ended after ${total} bytes, shorter than`} the ${expected} bytes its header describes`,
    );
  }
  const stale = await staleListing;
  await target.deleteBlocks(stale);
  const removedBlocks = stale.length;
  if (block0 !== undefined) {
    await target.write(0, block0);
    done += block0.length;
    options.onProgress?.(done, expected);
  }
  return { bytes: total, blocks: index, blockSize, removedBlocks };
}

/**
 * The indices of the stored blocks at or past `count`. The listing starts after the key of the
 * last block the import writes, so it costs one LIST request per 1000 stale keys (one request
 * when there are none), however large the database.
 */
async function listBlocksFrom(target: BlockStore, count: number): Promise<number[]> {
  const indices: number[] = [];
  for await (const block of target.list(count)) indices.push(block.index);
  return indices;
}

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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
