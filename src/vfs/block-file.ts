/**
 * One file of the block VFS (block-vfs.ts has the layout, the size rule and the write-back in
 * its header comment): reads through the block caches, writes into the dirty set, syncs that
 * upload block 0 first (a database) or last (a journal), locks and the lease.
 * The second guard on block writes (block-versions.ts) rides on the reads and writes here.
 */
import {
  CorruptError,
  IoError,
  MisuseError,
  ReadOnlyError,
  type SqliteError,
  asSqliteError,
} from '../errors.js';
import { BlockStore } from '../store/block-store.js';
import { mapLimit } from '../store/concurrency.js';
import type { WriteFence } from '../store/write-fence.js';
import { type FoundSize, MAX_BLOCK_INDEX, blockCount, headerVouchesFor, io, listSize, probeDatabaseSize } from './block-size.js';
import { BlockVersions } from './block-versions.js';
import { Lease } from './lease.js';
import { type FileLock } from './lock-table.js';
import {
  DeviceCharacteristics,
  LockLevel,
  type VfsFile,
  checkOffset,
  markShortRead,
} from './vfs.js';
import { DEFAULT_BLOCK_CACHE_BYTES, DELETE_CHUNK } from './block-size.js';

export interface BlockFileInit {
  readonly blockSize: number;
  readonly size: number;
  /** Blocks with index ≥ this are known not to exist in the store. */
  readonly storedBlocks: number;
  readonly block0?: Uint8Array;
  /** The etag of `block0` as read ('' or absent when unknown): the second guard's first entry. */
  readonly block0Etag?: string;
  /** The header in `block0` vouches for `size` (see `headerVouchesFor`). */
  readonly vouched?: boolean;
  readonly concurrency: number;
  readonly maxDirtyBytes: number;
  /** Budget of the clean-block cache (default 8 MiB). */
  readonly blockCacheBytes?: number;
  readonly readOnly: boolean;
  /** Confirm a database's size with HEADs when it is found again (BlockVfsOptions.verifySize). */
  readonly verifySize?: boolean;
  readonly deleteOnClose: boolean;
  /**
   * Block 0 is uploaded BEFORE the other dirty blocks of a sync (a database: page 1's new change
   * counter lands before any other page changes, which lets a reader's end check be one GET of
   * block 0), else AFTER them (a journal: its header may exist only once every record it counts
   * has landed). Default false.
   */
  readonly headerFirst?: boolean;
  readonly lock: FileLock;
  readonly lease: Lease | undefined;
}

export class BlockFile implements VfsFile {
  /** Bytes per block: every block but the last has exactly this many. */
  readonly blockSize: number;
  readonly #concurrency: number;
  readonly #maxDirtyBytes: number;
  readonly #readOnly: boolean;
  readonly #verifySize: boolean;
  readonly #deleteOnClose: boolean;
  readonly #headerFirst: boolean;
  readonly #lock: FileLock;
  readonly #lease: Lease | undefined;

  /** Logical file size, including unsynced writes. */
  #size: number;
  /**
   * Blocks [0, validBlocks) in the store hold this file's bytes (where they exist); blocks at or
   * past it are stale (a truncation dropped them) or absent, and read as zeros unless dirty.
   */
  #validBlocks: number;
  /** Blocks at or past this index are known not to exist in the store; [validBlocks, this) are deleted at sync. */
  #storedBlocks: number;
  /** Dirty blocks, each a full `blockSize` buffer whose bytes past end of file are zero. */
  readonly #dirty = new Map<number, Uint8Array>();
  /**
   * Block 0 as read at open (or refresh), for the opener's first reads — the header, then
   * page 1 — so that opening costs one GET of it; dropped after those two reads or when
   * overwritten. Later reads of block 0 always go to the store: block 0 holds the change counter,
   * which is how a reader learns that another writer has committed.
   */
  #block0: Uint8Array | undefined;
  #block0Uses = 2;
  /**
   * Recently read clean blocks, kept only when a block holds several pages (block size ≥ 16 KiB):
   * without it every page read would GET its whole block again. Trusted while block 0 is
   * unchanged — every SQLite commit rewrites block 0 (the change counter), and a read of the
   * header alone always goes to the store and empties the cache when block 0 has changed — and
   * emptied by any write, truncate or refresh of this handle.
   */
  readonly #clean = new Map<number, Uint8Array>();
  /** Reads of clean blocks in flight, by `${generation}:${index}`. */
  readonly #inflight = new Map<string, Promise<Uint8Array | undefined>>();
  readonly #cleanLimit: number;
  /**
   * Blocks in `#clean` (or on their way there) that `prefetch` fetched and no read has used yet.
   * Eviction passes over them while it can: a read-ahead's blocks land long before the reader
   * gets to them, and plain LRU would drop them for the blocks the reader has just left behind.
   */
  readonly #unread = new Set<number>();
  /** The bytes of block 0 last fetched from the store, to notice a commit by someone else. */
  #seenBlock0: Uint8Array | undefined;
  /** The block 0 the current size was learned with (at open or the last refresh). */
  #sizedBy: Uint8Array | undefined;
  /** Whether the header in `#sizedBy` vouches for the size (then an unchanged block 0 = an unchanged size). */
  #sizeVouched = false;
  /** The version of each block as this handle last read or wrote it (the second guard). */
  readonly #versions: BlockVersions;
  /** Bumped by every change to this handle's view; a fetch that started earlier is not cached. */
  #generation = 0;
  #closed = false;
  /** Why a sync failed: then the dirty set was dropped and nothing more is written (#flushOrFail). */
  #failed: SqliteError | undefined;
  /** Tail of the queue that runs write/truncate/sync/close one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** The blocks, for the transfer code (import/export go straight to the blocks). */
    readonly store: BlockStore,
    init: BlockFileInit,
  ) {
    this.blockSize = init.blockSize;
    this.#size = init.size;
    const blocks = blockCount(init.size, init.blockSize);
    this.#validBlocks = blocks;
    this.#storedBlocks = Math.max(blocks, init.storedBlocks);
    this.#block0 = init.block0;
    this.#seenBlock0 = init.block0;
    this.#sizedBy = init.block0;
    this.#sizeVouched = init.vouched === true;
    const cacheBytes = init.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES;
    this.#cleanLimit = init.blockSize >= 16384 ? Math.max(2, Math.min(64, Math.floor(cacheBytes / init.blockSize))) : 0;
    if (init.block0 !== undefined && this.#cleanLimit > 0) this.#clean.set(0, init.block0);
    this.#concurrency = init.concurrency;
    this.#maxDirtyBytes = init.maxDirtyBytes;
    this.#readOnly = init.readOnly;
    this.#verifySize = init.verifySize === true;
    this.#deleteOnClose = init.deleteOnClose;
    this.#headerFirst = init.headerFirst === true;
    this.#lock = init.lock;
    this.#lease = init.lease;
    this.#versions = new BlockVersions(this.store, init.readOnly);
    this.#versions.learn(0, init.block0Etag);
  }

  /** The cross-machine writer lease of this file, when the VFS was given lease options. */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /**
   * Block 0 as this handle learned its size from (at open or the last refresh), without a
   * request: the header a reader's first consistency check starts from.
   */
  get lastBlock0(): Uint8Array | undefined {
    return this.#sizedBy;
  }

  /**
   * Forgets every clean block kept in memory, and any read in flight will not be kept: for a
   * reader that found a journal or a read a commit overlapped (blocks of two states may be here).
   */
  dropCaches(): void {
    this.#forgetClean();
    this.#block0 = undefined;
  }

  /** Bytes currently held in the dirty set. */
  get dirtyBytes(): number {
    return this.#dirty.size * this.blockSize;
  }

  /**
   * How many blocks a read-ahead may have fetched ahead of the reader at once (`prefetch`):
   * the clean-block cache's capacity less one (the block being read), so that blocks fetched
   * ahead are not evicted before they are read. The cache holds at most `blockCacheBytes`
   * (default 8 MiB) and 64 blocks (64 at 64 KiB blocks, 8 at 1 MiB: a window bounded in bytes); 0 when blocks
   * are under 16 KiB (no cache: a block holds at most a few pages, and the pager's own
   * read-ahead of pages is enough).
   */
  get prefetchCapacity(): number {
    return this.#cleanLimit > 1 ? this.#cleanLimit - 1 : 0;
  }

  /**
   * A read-ahead hint: starts fetching, in the background, every clean block that holds a byte
   * of [offset, offset + amount) and is neither in memory (dirty, kept clean, block 0 from open)
   * nor already being fetched; a block already kept becomes the most recently used. Until a read
   * uses it, a block fetched here is evicted only when every kept block is such a block. A later
   * `xRead` of those bytes then costs no request: it shares the GET in flight or finds the block
   * kept — as long as no more than `prefetchCapacity` blocks are hinted ahead of the reader. Never waits and never throws: a failed fetch is forgotten, and the
   * read that needs the block fetches it again and reports the error. Does nothing when there is
   * no clean-block cache (`prefetchCapacity` 0) or the file is closed. Returns the GETs started.
   */
  prefetch(amount: number, offset: number): number {
    if (this.#closed || this.#cleanLimit === 0 || !(amount > 0) || !(offset >= 0)) return 0;
    const bs = this.blockSize;
    const end = Math.min(offset + amount, this.#size);
    const generation = this.#generation;
    let started = 0;
    for (let i = Math.floor(offset / bs), last = Math.floor((end - 1) / bs); i <= last; i++) {
      // Block 0 is re-read from the store by design (the change counter lives there).
      if (i === 0 || i >= this.#validBlocks || this.#dirty.has(i)) continue;
      const kept = this.#clean.get(i);
      if (kept !== undefined) {
        // Wanted again (a read-ahead hints its whole window on every walk): most recently used,
        // so that eviction takes the blocks the reader has left instead. Not marked unread: the
        // reader may already have every page of it it needs, and a mark no read clears would
        // shelter it for good.
        this.#clean.delete(i);
        this.#clean.set(i, kept);
        continue;
      }
      if (this.#inflight.has(`${generation}:${i}`)) continue;
      this.#unread.add(i);
      this.#fetchShared(i, generation).catch(() => {
        this.#unread.delete(i);
      });
      started++;
    }
    return started;
  }

  /**
   * Ends a read (Pager.seal): blocks still being fetched — read-ahead the read did not wait
   * for — will not be kept nor shared with later reads, since they may land after the read's
   * consistency check and nothing vouches for them. Blocks already kept stay.
   */
  seal(): void {
    this.#generation++;
    for (const i of this.#unread) if (!this.#clean.has(i)) this.#unread.delete(i);
  }

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    this.#checkOpen();
    checkOffset('xRead amount', amount);
    checkOffset('xRead offset', offset);
    const out = new Uint8Array(amount);
    const wanted = offset + amount;
    const size = this.#size; // the size this read answers for, whatever happens while it waits
    const end = Math.min(wanted, size);
    if (end > offset) {
      const bs = this.blockSize;
      const fetch: number[] = [];
      // Everything in memory is copied now, synchronously, so the read sees one consistent state.
      for (let i = Math.floor(offset / bs), last = Math.floor((end - 1) / bs); i <= last; i++) {
        const dirty = this.#dirty.get(i);
        if (dirty !== undefined) copyBlock(out, offset, end, i * bs, dirty, bs);
        else if (i >= this.#validBlocks) continue; // stale or never written: zeros
        else if (i === 0 && this.#block0 !== undefined) {
          copyBlock(out, offset, end, 0, this.#block0, bs);
          if (--this.#block0Uses <= 0) this.#block0 = undefined;
        } else {
          // A read of the header alone (how readers check the change counter) always goes to
          // the store; other reads may use the clean cache, block 0 included.
          const clean = i === 0 && end <= 100 ? undefined : this.#clean.get(i);
          if (clean !== undefined) {
            // Most recently used last (Map keeps insertion order).
            this.#unread.delete(i);
            this.#clean.delete(i);
            this.#clean.set(i, clean);
            copyBlock(out, offset, end, i * bs, clean, bs);
          } else fetch.push(i);
        }
      }
      const generation = this.#generation;
      for (const i of fetch) this.#unread.delete(i);
      await mapLimit(fetch, this.#concurrency, async (i) => {
        const data = await this.#fetchShared(i, generation);
        // A missing block inside the file is a hole (zeros); a short one is zero-padded.
        if (data !== undefined) copyBlock(out, offset, end, i * bs, data, bs);
      });
    }
    // Short: fewer than `amount` bytes exist there (a zero-byte read is never short).
    return Math.max(0, end - offset) < amount ? markShortRead(out) : out;
  }

  xWrite(data: Uint8Array, offset: number): Promise<void> {
    return this.#exclusive(async () => {
      this.#checkWritable();
      checkOffset('xWrite offset', offset);
      const end = offset + data.length;
      checkOffset('xWrite end', end);
      if (data.length === 0) return;
      const bs = this.blockSize;
      const oldSize = this.#size;
      const first = Math.floor(offset / bs);
      const last = Math.floor((end - 1) / bs);
      if (last > MAX_BLOCK_INDEX) throw new MisuseError(`xWrite past the largest block index at ${end}`);

      // Old contents needed: a touched block with bytes below the old end that this write does
      // not cover (read-modify-write), and the old last block when it is short and we grow past
      // it (it must become a full block).
      const load = new Set<number>();
      for (const i of first === last ? [first] : [first, last]) {
        const start = i * bs;
        const keepEnd = Math.min(start + bs, oldSize);
        if (start < Math.min(offset, keepEnd) || end < keepEnd) load.add(i);
      }
      if (end > oldSize && oldSize % bs !== 0) load.add(Math.floor(oldSize / bs));
      const loaded = await this.#loadAll(load, oldSize);

      // From here on, synchronous: the new state appears all at once.
      this.#forgetClean();
      for (const [i, buf] of loaded) this.#dirty.set(i, buf);
      if (end > oldSize && first > 0 && this.#validBlocks === 0 && !this.#dirty.has(0)) {
        this.#dirty.set(0, new Uint8Array(bs)); // block 0 must exist in a non-empty file
      }
      for (let i = first; i <= last; i++) {
        let buf = this.#dirty.get(i);
        if (buf === undefined) {
          buf = new Uint8Array(bs);
          this.#dirty.set(i, buf);
        }
        const start = i * bs;
        const from = Math.max(offset, start);
        const to = Math.min(end, start + bs);
        buf.set(data.subarray(from - offset, to - offset), from - start);
      }
      if (this.#dirty.has(0)) this.#block0 = undefined;
      if (end > oldSize) this.#size = end;
      if (this.dirtyBytes > this.#maxDirtyBytes) await this.#flushOrFail();
    });
  }

  xTruncate(size: number): Promise<void> {
    return this.#exclusive(async () => {
      this.#checkWritable();
      checkOffset('xTruncate size', size);
      const oldSize = this.#size;
      if (size === oldSize) return;
      const bs = this.blockSize;
      const blocks = blockCount(size, bs);
      if (blocks - 1 > MAX_BLOCK_INDEX) throw new MisuseError(`xTruncate past the largest block index: ${size}`);
      this.#forgetClean();
      if (size === 0) {
        this.#dirty.clear();
        this.#validBlocks = 0;
        this.#block0 = undefined;
        this.#size = 0;
        return;
      }
      // The new last block is rewritten with its exact new length (it may have been full, or a
      // hole, before); when growing, a short old last block is padded to a full one.
      const load = new Set<number>([blocks - 1]);
      if (size > oldSize && oldSize % bs !== 0) load.add(Math.floor(oldSize / bs));
      const loaded = await this.#loadAll(load, oldSize);

      for (const [i, buf] of loaded) this.#dirty.set(i, buf);
      if (this.#validBlocks === 0 && !this.#dirty.has(0)) this.#dirty.set(0, new Uint8Array(bs));
      for (const i of [...this.#dirty.keys()]) if (i >= blocks) this.#dirty.delete(i);
      const lastBuf = this.#dirty.get(blocks - 1);
      if (lastBuf !== undefined) lastBuf.fill(0, size - (blocks - 1) * bs);
      if (this.#dirty.has(0)) this.#block0 = undefined;
      this.#validBlocks = Math.min(this.#validBlocks, blocks);
      this.#size = size;
    });
  }

  /** Uploads every dirty block once (block 0 first for a database, last for a journal) and deletes dropped blocks; `flags` do not change that. */
  xSync(_flags: number): Promise<void> {
    return this.#exclusive(async () => {
      this.#checkOpen();
      this.#checkNotFailed();
      await this.#flushOrFail();
    });
  }

  /**
   * `#flush`, and when it fails: the dirty blocks are DROPPED and the handle refuses every later
   * write and sync. They belong to a commit that did not complete; sent later (at close, say) they
   * would land after another writer may have taken the lease over and rolled that commit back —
   * tearing the database. Recovery is the next opener's rollback of the journal.
   */
  async #flushOrFail(): Promise<void> {
    try {
      await this.#flush();
    } catch (err) {
      this.#failed = asSqliteError(err, `syncing ${this.store.url}`);
      this.#dirty.clear();
      this.#forgetClean();
      this.#block0 = undefined;
      this.#generation++;
      throw err;
    }
  }

  async xFileSize(): Promise<number> {
    this.#checkOpen();
    return this.#size;
  }

  /**
   * In-process lock first (lock-table.ts); then, for RESERVED and above with a lease, the lease
   * (BusyError after its busy timeout). If the lease is refused the in-process lock goes back to
   * where it was, so a failed xLock changes nothing.
   */
  async xLock(level: LockLevel): Promise<void> {
    this.#checkOpen();
    const before = this.#lock.level;
    this.#lock.lock(level);
    if (level >= LockLevel.RESERVED && this.#lease !== undefined && !this.#lease.held) {
      try {
        await this.#lease.acquire();
      } catch (err) {
        this.#lock.unlock(before >= LockLevel.SHARED ? LockLevel.SHARED : LockLevel.NONE);
        throw err;
      }
    }
  }

  /** Lowers the in-process lock; dropping below RESERVED releases the lease. */
  async xUnlock(level: LockLevel): Promise<void> {
    this.#checkOpen();
    this.#lock.unlock(level);
    if (level < LockLevel.RESERVED && this.#lease?.held === true) await this.#lease.release();
  }

  /**
   * Whether any handle this VFS opened on the same name holds RESERVED or higher, or (with a
   * lease) any connection anywhere holds a live lease on the file (one GET of `P-lock`).
   */
  async xCheckReservedLock(): Promise<boolean> {
    this.#checkOpen();
    if (this.#lock.reservedByAnyone()) return true;
    return this.#lease !== undefined && (await this.#lease.isLive());
  }

  /** 4096: a typical page size; SQLite uses it to align journal headers. */
  xSectorSize(): number {
    return 4096;
  }

  /**
   * ATOMIC<B> when the block size B is one of SQLite's sizes: an aligned B-byte write is exactly
   * one object PUT at sync, which S3 applies entirely or not at all. POWERSAFE_OVERWRITE: a
   * block's neighbours are separate objects, never rewritten by a write to it. Not SAFE_APPEND
   * (blocks upload in parallel, so appended data may land before the bytes that precede it) and
   * not SEQUENTIAL, for the same reason.
   */
  xDeviceCharacteristics(): number {
    return atomicBit(this.blockSize) | DeviceCharacteristics.SQLITE_IOCAP_POWERSAFE_OVERWRITE;
  }

  /**
   * Syncs (or, for a DELETEONCLOSE file, deletes every block) and releases the lock. If the
   * final sync fails the file stays open, so the caller may retry.
   */
  xClose(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) return;
      if (this.#deleteOnClose && this.#failed === undefined) {
        this.#dirty.clear();
        this.#validBlocks = 0;
        this.#size = 0;
      }
      // After a failed sync nothing more is written (see #flushOrFail): just close.
      if (this.#failed === undefined && !this.#readOnly) await this.#flushOrFail();
      this.#lock.unlock(LockLevel.NONE);
      if (this.#lease?.held === true) await this.#lease.release().catch(() => undefined);
      this.#closed = true;
    });
  }

  /**
   * Finds the size again, exactly as at open (GET block 0 [+ two HEADs with verifySize], or one listing when the
   * header cannot vouch for the size), for a handle that learned — from the change counter, a
   * lock, a lease — that another connection has committed since it opened. This is the one
   * deliberate exception to "find the size once": it runs only when the caller asks. Refused
   * (MisuseError) while this handle has unsynced changes. Returns the new size.
   *
   * `known`: block 0 as the caller has just fetched it (a reader's consistency check GETs it
   * anyway). Then there is no GET; and when it is byte for byte the block 0 this handle last
   * saw, nothing changed (every commit rewrites the change counter), so there are no HEADs either.
   */
  refresh(known?: { readonly block0: Uint8Array | undefined; readonly etag?: string | undefined }): Promise<number> {
    return this.#exclusive(async () => {
      this.#checkOpen();
      const blocks = blockCount(this.#size, this.blockSize);
      if (this.#dirty.size > 0 || this.#validBlocks !== blocks || this.#storedBlocks !== blocks) {
        throw new MisuseError(`refresh of ${this.store.url} with unsynced changes`);
      }
      // (An unchanged block 0 keeps the etag we know unless the caller read a newer one.)
      if (known !== undefined && known.block0 !== undefined && this.#unchangedSince(known.block0)) {
        if (known.etag !== undefined) this.#versions.learn(0, known.etag);
        return this.#size;
      }
      let block0: Uint8Array | undefined;
      let block0Etag: string | undefined;
      if (known !== undefined) ({ block0, etag: block0Etag } = known);
      else {
        const read = await io(this.store, 0, 'reading', () => this.#versions.read(0));
        block0 = read?.data;
        block0Etag = read?.etag;
      }
      // The block 0 the size was learned with, unchanged: so is the size (no HEADs).
      if (block0 !== undefined && this.#unchangedSince(block0)) {
        if (block0Etag !== undefined) this.#versions.learn(0, block0Etag);
        this.#block0 = block0;
        this.#block0Uses = 2;
        this.#seenBlock0 = block0;
        return this.#size;
      }
      let found: FoundSize = { blockSize: this.blockSize, size: 0, storedBlocks: 0 };
      if (block0 !== undefined) {
        found =
          (await probeDatabaseSize(this.store, block0, this.blockSize, this.#verifySize)) ??
          (await listSize(this.store, block0, this.blockSize));
      }
      if (found.blockSize !== this.blockSize) {
        throw new CorruptError(`${this.store.url}: block size changed from ${this.blockSize} to ${found.blockSize}`);
      }
      const count = blockCount(found.size, this.blockSize);
      this.#size = found.size;
      this.#validBlocks = count;
      this.#storedBlocks = Math.max(count, found.storedBlocks);
      this.#forgetClean();
      // Another writer committed: what we knew of the other blocks' versions is gone.
      this.#versions.clear();
      this.#versions.learn(0, block0Etag);
      this.#block0 = block0;
      this.#block0Uses = 2;
      this.#seenBlock0 = block0;
      this.#sizedBy = block0;
      this.#sizeVouched = found.vouched === true;
      if (block0 !== undefined && this.#cleanLimit > 0) this.#clean.set(0, block0);
      return found.size;
    });
  }

  // ── internals ────────────────────────────────────────────────────────────────────────

  /** Uploads the dirty set and deletes stale blocks; afterwards the store holds exactly the file. */
  async #flush(): Promise<void> {
    const bs = this.blockSize;
    const size = this.#size;
    const blocks = blockCount(size, bs);
    const valid = this.#validBlocks;
    const stored = this.#storedBlocks;
    // Every request of this flush carries the fence of the lease it was queued under, even if
    // that holding ends (released, lost) while they wait for a slot.
    const fence = this.store.currentFence();
    const upload = async (i: number): Promise<void> => {
      const buf = this.#dirty.get(i);
      if (buf === undefined) return;
      const length = Math.min(bs, size - i * bs);
      const data = buf.subarray(0, length);
      await io(this.store, i, 'writing', () => this.#versions.write(i, data, fence, stored));
    };
    const others = [...this.#dirty.keys()].filter((i) => i !== 0).sort((a, b) => a - b);
    if (this.#headerFirst && this.#dirty.has(0)) await upload(0);
    // Stale blocks inside the file (dropped by a truncation, then grown over) must go now, or
    // they would reappear where the file has holes; run those deletes alongside the uploads.
    const results = await Promise.allSettled([
      mapLimit(others, this.#concurrency, upload),
      this.#deleteRange(valid, Math.min(stored, blocks), fence),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    if (!this.#headerFirst && this.#dirty.has(0)) await upload(0);
    // Blocks past the new end go last: a crash before this point leaves a file that is too
    // long (harmless, the header says how much is database), never one that is too short.
    await this.#deleteRange(Math.max(valid, blocks), stored, fence);
    // What we just wrote is what the store holds: the size is known from it (no refresh needed).
    const block0 = this.#dirty.get(0);
    if (block0 !== undefined) {
      // Also kept for the next two reads of block 0, as after open (e.g. the journal's header
      // being zeroed at the commit point needs no GET of what was just written).
      this.#seenBlock0 = this.#block0 = block0.slice(0, Math.min(bs, size));
      this.#block0Uses = 2;
      this.#sizedBy = this.#block0;
      this.#sizeVouched = headerVouchesFor(this.#block0, size);
    } else if (this.#dirty.size > 0 || stored !== blocks) this.#sizeVouched = false;
    this.#dirty.clear();
    this.#validBlocks = blocks;
    this.#storedBlocks = blocks;
  }

  /**
   * Deletes the blocks [from, to) that are not dirty, in batches, without listing: highest
   * first and block 0 alone at the very end, so that an interrupted delete never leaves later
   * blocks behind a missing block 0 (which would read as "no file" with debris after it).
   */
  async #deleteRange(from: number, to: number, fence: WriteFence | undefined): Promise<void> {
    for (let i = from; i < to; i++) if (!this.#dirty.has(i)) this.#versions.learn(i, undefined);
    const low = Math.max(from, 1);
    let chunk: number[] = [];
    for (let i = to - 1; i >= low; i--) {
      if (!this.#dirty.has(i)) chunk.push(i);
      if (chunk.length === DELETE_CHUNK || (i === low && chunk.length > 0)) {
        const batch = chunk;
        chunk = [];
        await io(this.store, batch[0] ?? i, 'deleting', () => this.store.deleteBlocks(batch, fence));
      }
    }
    if (from === 0 && to > 0 && !this.#dirty.has(0)) {
      await io(this.store, 0, 'deleting', () => this.store.deleteBlocks([0], fence));
    }
  }

  /**
   * A private full-size copy of each block in `indices`, for modification: the dirty buffer if
   * there is one, zeros past the valid blocks, otherwise the stored block cut to `limit` bytes
   * of file (bytes past the old end of file must read as zeros once the file grows).
   */
  async #loadAll(indices: Set<number>, limit: number): Promise<Map<number, Uint8Array>> {
    const bs = this.blockSize;
    const loaded = new Map<number, Uint8Array>();
    const fetch: number[] = [];
    for (const i of indices) {
      const dirty = this.#dirty.get(i);
      if (dirty !== undefined) loaded.set(i, dirty);
      else if (i >= this.#validBlocks) loaded.set(i, new Uint8Array(bs));
      else if (i === 0 && this.#block0 !== undefined) loaded.set(0, fitBlock(this.#block0, bs, limit));
      else fetch.push(i);
    }
    await mapLimit(fetch, this.#concurrency, async (i) => {
      const data = await this.#fetch(i);
      loaded.set(i, data === undefined ? new Uint8Array(bs) : fitBlock(data, bs, limit - i * bs));
    });
    return loaded;
  }

  /** GETs block `index`; a writable handle learns its etag on the way (the second guard). */
  async #fetch(index: number): Promise<Uint8Array | undefined> {
    const read = await io(this.store, index, 'reading', () => this.#versions.read(index));
    if (read === undefined) return undefined;
    if (index === 0 && this.#seenBlock0 !== undefined && !sameBytes(this.#seenBlock0, read.data)) this.#versions.clear(); // someone committed
    this.#versions.learn(index, read.etag);
    return read.data;
  }

  /**
   * A read's fetch of a clean block: concurrent reads of one block (read-ahead of several pages
   * that share it) share one GET, and the result is remembered for the next reads.
   */
  #fetchShared(index: number, generation: number): Promise<Uint8Array | undefined> {
    const key = `${generation}:${index}`;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetch(index).then(
        (data) => {
          this.#inflight.delete(key);
          if (data !== undefined) this.#remember(index, data, generation);
          return data;
        },
        (err: unknown) => {
          this.#inflight.delete(key);
          throw err;
        },
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** Keeps a fetched clean block (see #clean); a changed block 0 means someone committed. */
  #remember(index: number, data: Uint8Array, generation: number): void {
    if (generation !== this.#generation || this.#dirty.has(index)) return;
    if (index === 0) {
      if (this.#seenBlock0 !== undefined && !sameBytes(this.#seenBlock0, data)) this.#forgetClean();
      this.#seenBlock0 = data;
    }
    if (this.#cleanLimit === 0) return;
    this.#clean.set(index, data);
    if (this.#clean.size > this.#cleanLimit) {
      // The least recently used block that is not waiting to be read (see #unread); when every
      // block is, the oldest of them.
      let victim: number | undefined;
      for (const key of this.#clean.keys()) {
        if (key !== index && !this.#unread.has(key)) {
          victim = key;
          break;
        }
      }
      victim ??= this.#clean.keys().next().value;
      if (victim !== undefined) {
        this.#clean.delete(victim);
        this.#unread.delete(victim);
      }
    }
  }

  /** `block0` is the block 0 the size was learned with, and its header vouches for that size. */
  #unchangedSince(block0: Uint8Array): boolean {
    return this.#sizeVouched && this.#sizedBy !== undefined && sameBytes(block0, this.#sizedBy);
  }

  #forgetClean(): void {
    this.#generation++;
    this.#clean.clear();
    this.#unread.clear();
  }

  /** Runs `fn` after every earlier write/truncate/sync/close has finished. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkOpen(): void {
    if (this.#closed) throw new MisuseError(`${this.store.url} is closed`);
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.#readOnly) throw new ReadOnlyError(`${this.store.url} was opened read-only`);
    this.#checkNotFailed();
  }

  #checkNotFailed(): void {
    if (this.#failed !== undefined) {
      throw new IoError(`${this.store.url}: a sync failed earlier; nothing more is written through this handle (reopen)`, {
        cause: this.#failed,
      });
    }
  }
}

/** Copies the part of `block` (which starts at file offset `start`) that falls in [offset, end) into `out`. */
function copyBlock(out: Uint8Array, offset: number, end: number, start: number, block: Uint8Array, bs: number): void {
  const from = Math.max(offset, start);
  const to = Math.min(end, start + Math.min(bs, block.length));
  if (to > from) out.set(block.subarray(from - start, to - start), from - offset);
}
/** A fresh `bs`-byte copy of the first min(bs, limit) bytes of `data` (untrusted length), zero-padded. */
function fitBlock(data: Uint8Array, bs: number, limit: number): Uint8Array {
  const buf = new Uint8Array(bs);
  buf.set(data.subarray(0, Math.max(0, Math.min(bs, limit, data.length))));
  return buf;
}
function atomicBit(bs: number): number {
  switch (bs) {
    case 512: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC512;
    case 1024: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC1K;
    case 2048: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC2K;
    case 4096: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC4K;
    case 8192: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC8K;
    case 16384: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC16K;
    case 32768: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC32K;
    case 65536: return DeviceCharacteristics.SQLITE_IOCAP_ATOMIC64K;
    default: return 0;
  }
}
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  // Four bytes at a time where both arrays allow it (every read compares a whole block 0).
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >> 2;
    const wa = new Int32Array(a.buffer, a.byteOffset, words);
    const wb = new Int32Array(b.buffer, b.byteOffset, words);
    for (; i < words; i++) if (wa[i] !== wb[i]) return false;
    i = words << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
