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
 *   For a stream of unknown length, a length mismatch is found at the end: what was written is
 *   then undone (the new blocks removed, or on a replace the old database rolled back) and
 *   `NotADatabaseError` is thrown.
 * - Under the writer lease (`P-lock`, as any commit; waiting up to `busyTimeoutMs` for another
 *   writer, else `BusyError`), it looks at the destination (existing-database.ts: one round trip):
 *     - nothing there: the blocks are uploaded in parallel, at most `concurrency` at once, block 0
 *       (the header) last, so that an interrupted import leaves no database;
 *     - a database (block 0, or any block: the debris of an interrupted import): refused with
 *       `CantOpenError` naming the location, nothing written — unless `replace: true`, which
 *       replaces it as one crash-safe commit (replace.ts).
 * - `locking: 'none'` skips the lease (and the conditional-write probe a replace needs), as
 *   `--unsafe-no-lock` does for every writer; a replace still journals.
 */
import { CantOpenError, NotADatabaseError } from '../errors.js';
import { deleteJournal } from '../pager/journal-writer.js';
import type { BlockStore } from '../store/block-store.js';
import { DEFAULT_BLOCK_SIZE } from '../store/block-store.js';
import { type LockingMode, requireSafeWrites } from '../store/capability-probe.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import { Lease, type LeaseOptions } from '../vfs/lease.js';
import { BlockUploader } from './block-uploader.js';
import { cutIntoBlocks, listBlocksFrom } from './cut-blocks.js';
import { findExisting } from './existing-database.js';
import { expectedFileSize } from './header-check.js';
import { readHead } from './input-head.js';
import { replaceDatabase } from './replace.js';

export { cutIntoBlocks } from './cut-blocks.js';

export interface DeserializeOptions {
  /** Bytes per block object (default 4096, the layout of sqlite-s3vfs; a replace keeps the old database's). */
  readonly blockSize?: number;
  /** Uploads in flight at once (default 64). */
  readonly concurrency?: number;
  /** The total length of the input, when known (e.g. from `stat`): checked before writing. */
  readonly sourceSize?: number;
  /** Called as blocks are uploaded (on a replace: as the old database is journaled, then as blocks are uploaded). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Replace a database that exists at the target (default false: `CantOpenError`, nothing is
   * written). The replace is one commit: a crash at any point leaves the old database or the new
   * one, whole, once the next opener has recovered.
   */
  readonly replace?: boolean;
  /** 'lease' (default): the writer lease, as every commit; 'none': no lease (sqlite-s3vfs behaviour). */
  readonly locking?: LockingMode;
  /** How long to wait for another writer's lease, in ms (default 0: `BusyError` at once). */
  readonly busyTimeoutMs?: number;
  /** Lease timing (tests), and `host`/`pid` shown to other writers. */
  readonly lease?: LeaseOptions;
}

export interface DeserializeResult {
  readonly bytes: number;
  readonly blocks: number;
  readonly blockSize: number;
  /** Blocks of an earlier, larger database (or of an interrupted import) that were removed. */
  readonly removedBlocks: number;
  /** Whether a database was there and has been replaced. */
  readonly replaced: boolean;
  /** On a replace, the bytes of the old database copied into the rollback journal first. */
  readonly journaledBytes: number;
}

const DEFAULT_CONCURRENCY = 64;

export async function deserialize(
  target: BlockStore,
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DeserializeOptions = {},
): Promise<DeserializeResult> {
  const blockSize = options.blockSize;
  if (blockSize !== undefined && (!Number.isSafeInteger(blockSize) || blockSize < 1)) {
    throw new globalThis.RangeError(`bad block size: ${blockSize}`);
  }
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);

  const source = await readHead(input, 100);
  try {
    const expected = expectedFileSize(source.head, options.sourceSize);
    if (options.sourceSize !== undefined && options.sourceSize !== expected) {
      throw new NotADatabaseError(
        `the input is ${options.sourceSize} bytes but its header describes ${expected} bytes (truncated or damaged file)`,
      );
    }
    const locking = options.locking ?? 'lease';
    const lease =
      locking === 'lease'
        ? new Lease(target.objects, target.prefix, { ...options.lease, busyTimeoutMs: options.busyTimeoutMs ?? options.lease?.busyTimeoutMs ?? 0 })
        : undefined;
    await lease?.acquire();
    // Every block request of the import carries the lease's write fence (store/write-fence.ts).
    if (lease !== undefined) target.fenceSource = () => lease.fence;
    let result: DeserializeResult;
    try {
      const existing = await findExisting(target);
      if (existing.anyBlock && options.replace !== true) {
        throw new CantOpenError(
          existing.block0
            ? `a database already exists at ${target.url}; import --replace (API: { replace: true }) replaces it. Nothing was written`
            : `blocks of an interrupted import (no block 0) are at ${target.url}; import --replace (API: { replace: true }) removes them. Nothing was written`,
        );
      }
      // Replacing needs a lease that really excludes other writers: refuse a store that ignores
      // conditional writes (unless `locking: 'none'` says to write without one).
      if (existing.anyBlock && lease !== undefined) await requireSafeWrites(target.objects, target.prefix, 'lease');
      if (existing.block0) {
        const replaced = await replaceDatabase({
          target,
          lease,
          input: source.rest,
          expected,
          journalFound: existing.journal,
          blockSize,
          concurrency,
          onProgress: options.onProgress,
        });
        result = { ...replaced, replaced: true };
      } else {
        // No database: the debris of an interrupted import goes (only with `replace`, see above),
        // and a journal without a database — restoring its pages over the new database would
        // corrupt it — is finalized and deleted.
        let removed = 0;
        if (existing.anyBlock) {
          const debris = await listBlocksFrom(target, 0);
          lease?.check();
          await target.deleteBlocks(debris);
          removed = debris.length;
        }
        if (existing.journal) {
          lease?.check();
          await deleteJournal(new BlockVfs(target.objects), target.prefix);
        }
        const fresh = await importFresh(target, cutIntoBlocks(source.rest, blockSize ?? DEFAULT_BLOCK_SIZE), expected, {
          blockSize: blockSize ?? DEFAULT_BLOCK_SIZE,
          concurrency,
          onProgress: options.onProgress,
          check: () => lease?.check(),
        });
        result = { ...fresh, removedBlocks: removed, replaced: false, journaledBytes: 0 };
      }
    } catch (err) {
      await lease?.release().catch(() => undefined);
      throw err;
    }
    await lease?.release();
    return result;
  } finally {
    await source.close();
  }
}

interface FreshOptions {
  readonly blockSize: number;
  readonly concurrency: number;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
  /** Runs before every PUT (the lease check). */
  readonly check: () => void;
}

/**
 * Uploads a database where there is none: blocks 1.. in parallel, block 0 (the header) last, so
 * that until the import is complete there is no database at all (and a reader never finds a new
 * header over missing pages). On failure the blocks written are removed again (best effort).
 */
async function importFresh(
  target: BlockStore,
  blocks: AsyncGenerator<Uint8Array>,
  expected: number,
  options: FreshOptions,
): Promise<{ bytes: number; blocks: number; blockSize: number }> {
  let done = 0;
  const uploader = new BlockUploader(
    target,
    options.concurrency,
    (bytes) => {
      done += bytes;
      options.onProgress?.(done, expected);
    },
    options.check,
  );
  let index = 0;
  let total = 0;
  let block0: Uint8Array | undefined;
  let wrote0 = false;
  try {
    try {
      // After a failed upload no new one starts; those in flight are waited for below.
      for (let next = await blocks.next(); next.done !== true && !uploader.failed; next = await blocks.next()) {
        total += next.value.length;
        if (total > expected) break;
        if (index === 0) block0 = next.value;
        else await uploader.add(index, next.value);
        index++;
      }
    } finally {
      // Whatever happened (a failed upload, a failing input stream), nothing keeps running behind
      // the caller's back.
      await uploader.drain();
    }
    await uploader.finish();
    if (total !== expected) {
      throw new NotADatabaseError(
        `the input ${total > expected ? 'is longer than' : `ended after ${total} bytes, shorter than`} the ${expected} bytes its header describes`,
      );
    }
    if (block0 !== undefined) {
      options.check();
      wrote0 = true;
      await target.write(0, block0);
      done += block0.length;
      options.onProgress?.(done, expected);
    }
  } catch (err) {
    // Block 0 goes last (it may have landed although its PUT failed): never a header over nothing.
    await target
      .deleteBlocks(range(1, index))
      .then(() => (wrote0 ? target.deleteBlocks([0]) : undefined))
      .catch(() => undefined);
    throw err;
  }
  return { bytes: total, blocks: index, blockSize: options.blockSize };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
