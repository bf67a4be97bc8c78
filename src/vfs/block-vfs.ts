/**
 * A VFS whose files are fixed-size blocks in an `ObjectStore`: file `P` is the objects
 * `P/0000000000`, `P/0000000001`, … (`block-key.ts`), the layout sqlite-s3vfs uses. A rollback
 * journal is just another file: `xOpen(P + '-journal')` lives at `P-journal/…`.
 *
 * Layout invariants this file keeps after every successful `xSync` (and expects, but does not
 * trust, when it opens a file):
 *
 *   block i covers file bytes [i·B, (i+1)·B)            B = block size
 *   every block but the last is exactly B bytes long     (a missing one — a hole — reads as zeros)
 *   the last block exists and is (size − lastIndex·B) bytes long, 1..B
 *   block 0 exists whenever the file is not empty         (xAccess and block-size inference read it)
 *
 * Holes are legal: SQLite never writes the lock-byte page at 1 GiB, and a write past the end of
 * file leaves the blocks in between unwritten.
 *
 * ## The size of a file, found once
 * `xFileSize` must be cheap (the pager asks often) and must never under-report (a header page
 * count larger than the file is corruption to SQLite). So the size is established once, at open,
 * and tracked in memory from then on:
 *
 * 1. GET block 0 (kept for the first `xRead`, which almost always wants the header).
 * 2. If block 0 begins with a database header whose in-header page count is valid
 *    (https://www.sqlite.org/fileformat2.html#in_header_database_size: "version-valid-for" at
 *    offset 92 equals the change counter at 24, and the page count at 28 is non-zero), the file
 *    is pageCount·pageSize bytes: SQLite itself reads that many pages and no more, and every
 *    commit rewrites the header. No further request (an open costs one GET). With `verifySize`
 *    (export: the copy must be exactly the file that is there) it is confirmed by a HEAD of the
 *    block that holds the last byte (its size must match exactly) and a HEAD of the block after
 *    it (it must not exist); a disagreement falls through to 3.
 * 3. Otherwise — not a database (a journal), a header written by a pre-3.7.0 SQLite, a size that
 *    disagrees — list the prefix ONCE: size = lastIndex·B + size of the last block.
 *
 * Blocks missing inside the vouched size read as zeros (which the b-tree layer reports as
 * corruption where they matter); blocks past it are ignored, as SQLite ignores bytes past its
 * page count. With `verifySize` either case sends the open to the listing, so an export copies
 * exactly the bytes that are there.
 *
 * The file is never listed again while it is open.
 *
 * ## Block size
 * Recorded nowhere (as in sqlite-s3vfs): for a file with more than one block it is the size of
 * block 0; for a new or single-block file it is the configured block size (or the length of that
 * single block, if it is longer than the configured size, so the block still holds the whole file).
 * It need not equal the page size.
 *
 * ## Write-back
 * Writes go to an in-memory dirty set of whole blocks; reads see it. `xSync` uploads each dirty
 * block once, in parallel (bounded), then deletes blocks that a truncation dropped. Block 0 goes
 * alone: FIRST for a database (its new change counter must land before any other page changes:
 * commit-protocol.ts, the readers' invariant), LAST for a journal (its header must not exist
 * before the records it counts). The dirty set is flushed early when it exceeds
 * `maxDirtyBytes`, so memory stays bounded. Nothing is durable before `xSync` (or `xClose`).
 *
 * Calls that change the file (write, truncate, sync, close) run one at a time in call order;
 * reads run concurrently with them and see a consistent snapshot of the in-memory state.
 */
import { CantOpenError, MisuseError, asSqliteError } from '../errors.js';
import { BlockStore, DEFAULT_BLOCK_SIZE } from '../store/block-store.js';
import { normalizePrefix } from '../store/block-key.js';
import type { ObjectStore } from '../store/object-store.js';
import type { WriteFence } from '../store/write-fence.js';
import { BlockFile } from './block-file.js';

export { BlockFile } from './block-file.js';
export { DEFAULT_BLOCK_CACHE_BYTES } from './block-size.js';
import { DEFAULT_BLOCK_CACHE_BYTES, DELETE_CHUNK, io, listSize, probeDatabaseSize } from './block-size.js';
import { Lease, type LeaseOptions } from './lease.js';
import { LockTable } from './lock-table.js';
import {
  OpenFlags,
  type Vfs,
} from './vfs.js';

export interface BlockVfsOptions {
  /** Block size for new files (and single-block files); default 4096. */
  readonly blockSize?: number;
  /**
   * Block size for new journals (files opened as a journal); default 1 MiB. A rollback journal
   * is written once, read only by recovery and deleted at the commit point: one object for a
   * typical commit's journal makes it one PUT and one DELETE instead of one per 4 KiB.
   */
  readonly journalBlockSize?: number;
  /** Most store requests in flight at once per call; default 64. */
  readonly concurrency?: number;
  /** Flush the dirty set once it holds more than this many bytes; default 64 MiB. */
  readonly maxDirtyBytes?: number;
  /**
   * Memory for clean blocks kept after a read, when a block holds several pages (block size
   * ≥ 16 KiB): at most this many bytes and 64 blocks, at least 2 blocks; default 8 MiB. It also
   * bounds how far a scan's read-ahead fetches ahead (`BlockFile.prefetchCapacity`).
   */
  readonly blockCacheBytes?: number;
  /**
   * Cross-machine locking: when given, a main database opened read-write gets a `Lease`
   * (`lease.ts`, object `P-lock`) that `xLock(RESERVED)` takes and `xUnlock(SHARED)` releases,
   * on top of the in-process lock table. Without it, locks are in-process only.
   */
  readonly lease?: LeaseOptions;
  /**
   * Confirm a database's size with two HEADs instead of trusting its header (see "The size of a
   * file, found once"): for export, which must copy exactly the file that is there. Default false.
   */
  readonly verifySize?: boolean;
}

export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_JOURNAL_BLOCK_SIZE = 1 << 20;
export const DEFAULT_MAX_DIRTY_BYTES = 64 * 1024 * 1024;

/** Files opened with any of these are journals, never leased. */
const JOURNAL_FLAGS =
  OpenFlags.SQLITE_OPEN_MAIN_JOURNAL | OpenFlags.SQLITE_OPEN_TEMP_JOURNAL | OpenFlags.SQLITE_OPEN_SUBJOURNAL | OpenFlags.SQLITE_OPEN_SUPER_JOURNAL;


export class BlockVfs implements Vfs {
  readonly blockSize: number;
  readonly journalBlockSize: number;
  readonly concurrency: number;
  readonly maxDirtyBytes: number;
  readonly blockCacheBytes: number;
  readonly leaseOptions: LeaseOptions | undefined;
  readonly verifySize: boolean;
  private readonly locks = new LockTable();
  /**
   * The lease of each database (by key prefix) that this VFS's files are written under: the
   * database's own blocks and its journal's (`P-journal`) carry its fence (write-fence.ts).
   */
  readonly #leases = new Map<string, Lease>();

  constructor(
    readonly objects: ObjectStore,
    options: BlockVfsOptions = {},
  ) {
    this.blockSize = positiveInteger('blockSize', options.blockSize ?? DEFAULT_BLOCK_SIZE);
    this.journalBlockSize = positiveInteger('journalBlockSize', options.journalBlockSize ?? DEFAULT_JOURNAL_BLOCK_SIZE);
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxDirtyBytes = positiveInteger('maxDirtyBytes', options.maxDirtyBytes ?? DEFAULT_MAX_DIRTY_BYTES);
    this.blockCacheBytes = positiveInteger('blockCacheBytes', options.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES);
    this.leaseOptions = options.lease;
    this.verifySize = options.verifySize === true;
  }

  /** The key prefix a name maps to (trailing slashes removed). */
  xFullPathname(name: string): string {
    try {
      return normalizePrefix(name);
    } catch (err) {
      throw new MisuseError(`bad file name ${JSON.stringify(name)}: ${(err as Error).message}`);
    }
  }

  /**
   * Puts the writes of database `name` and of its journal under `lease`'s fence: every block
   * request queued while the lease is held is refused once its deadline has passed.
   */
  fenceWith(name: string, lease: Lease): void {
    this.#leases.set(this.xFullPathname(name), lease);
  }

  /** The fence for writes to `prefix` now: its database's lease's, when one is registered. */
  #fenceFor(prefix: string): WriteFence | undefined {
    const lease = this.#leases.get(prefix) ?? (prefix.endsWith('-journal') ? this.#leases.get(prefix.slice(0, -'-journal'.length)) : undefined);
    return lease?.fence;
  }

  /** The blocks of `prefix`, their writes fenced by the lease registered for its database. */
  #blockStore(prefix: string): BlockStore {
    const store = new BlockStore(this.objects, prefix);
    store.fenceSource = () => this.#fenceFor(prefix);
    return store;
  }

  /**
   * Opens file `name`. `afterBlock0` runs as soon as block 0 has been read, before the size is
   * probed: a reader starts its look at the journal there, which must come AFTER block 0 was read
   * (commit-protocol.ts, "Readers") and then costs no round trip of its own.
   */
  async xOpen(name: string, flags: OpenFlags, afterBlock0?: () => void): Promise<BlockFile> {
    const prefix = this.xFullPathname(name);
    const store = this.#blockStore(prefix);
    const readOnly = (flags & OpenFlags.SQLITE_OPEN_READWRITE) === 0;
    // A writable handle keeps block 0's etag (BlockFile, "The second guard"); a reader needs none.
    const first = await io(store, 0, 'reading', () =>
      readOnly ? store.read(0).then((data) => (data === undefined ? undefined : { data, etag: '' })) : store.readVersioned(0),
    );
    const block0 = first?.data;
    if (block0 !== undefined) afterBlock0?.();
    const settings = {
      concurrency: this.concurrency,
      maxDirtyBytes: this.maxDirtyBytes,
      blockCacheBytes: this.blockCacheBytes,
      readOnly,
      verifySize: this.verifySize,
      deleteOnClose: (flags & OpenFlags.SQLITE_OPEN_DELETEONCLOSE) !== 0,
      // A database puts block 0 (its change counter) first; a journal puts it (its header) last.
      headerFirst: (flags & JOURNAL_FLAGS) === 0,
      lock: this.locks.handle(prefix),
      lease:
        this.leaseOptions !== undefined && !readOnly && (flags & JOURNAL_FLAGS) === 0
          ? new Lease(this.objects, prefix, this.leaseOptions)
          : undefined,
    };
    if (settings.lease !== undefined) this.#leases.set(prefix, settings.lease);
    if (block0 === undefined) {
      // No block 0: the file does not exist (we always write block 0 of a non-empty file, and
      // xDelete removes it last).
      if ((flags & OpenFlags.SQLITE_OPEN_CREATE) === 0 || readOnly) {
        throw new CantOpenError(`unable to open ${store.url}: no such file (block 0 is missing)`);
      }
      const blockSize = (flags & JOURNAL_FLAGS) !== 0 ? this.journalBlockSize : this.blockSize;
      return new BlockFile(store, { ...settings, blockSize, size: 0, storedBlocks: 0 });
    }
    if ((flags & OpenFlags.SQLITE_OPEN_EXCLUSIVE) !== 0 && (flags & OpenFlags.SQLITE_OPEN_CREATE) !== 0) {
      throw new CantOpenError(`unable to create ${store.url}: it already exists`);
    }
    const found =
      (await probeDatabaseSize(store, block0, this.blockSize, this.verifySize)) ?? (await listSize(store, block0, this.blockSize));
    return new BlockFile(store, { ...settings, ...found, block0, block0Etag: first?.etag ?? '' });
  }

  /** Deletes every block of `name` (one listing), block 0 last so a half-done delete still reads as "no file". */
  async xDelete(name: string): Promise<void> {
    const store = this.#blockStore(this.xFullPathname(name));
    const fence = store.currentFence();
    const indices: number[] = [];
    try {
      for await (const block of store.list()) indices.push(block.index);
    } catch (err) {
      throw asSqliteError(err, `listing ${store.url}/`);
    }
    const rest = indices.filter((i) => i !== 0);
    for (let start = 0; start < rest.length; start += DELETE_CHUNK) {
      const chunk = rest.slice(start, start + DELETE_CHUNK);
      await io(store, chunk[0] ?? 0, 'deleting', () => store.deleteBlocks(chunk, fence));
    }
    if (indices.includes(0)) await io(store, 0, 'deleting', () => store.deleteBlocks([0], fence));
  }

  /** Whether `name` exists: one HEAD of block 0. */
  async xAccess(name: string): Promise<boolean> {
    const store = new BlockStore(this.objects, this.xFullPathname(name));
    return (await io(store, 0, 'checking', () => store.size(0))) !== undefined;
  }
}

// ── helpers ────────────────────────────────────────────────────────────────────────────





function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new MisuseError(`${name} must be a positive integer, got ${value}`);
  return value;
}

