/**
 * A database as SQLite sees it with its write-ahead log applied: a read-only `VfsFile` over the
 * database file (`base`) and its `-wal` (`wal`, indexed by `scanWal`), so that the pager reads it
 * unchanged.
 *
 *   xRead      page p = the newest committed frame of p in the log when there is one, else the
 *              base file's page p (zeros past the end of the base file, as SQLite reads them);
 *   xFileSize  the last commit's database size × page size.
 *
 * Only the index (pgno → frame offset) is in memory; pages are read from the log when asked.
 *
 * A writer of this process that checkpoints the log removes it (`pager/wal-checkpoint.ts`):
 * every read that covers offset 0 (page 1 — every read of the pager begins with the header)
 * first asks `stillThere()`, and once the log is gone the overlay reads the base file only. The
 * checkpoint has by then written every logged page into the base file, so nothing read before
 * differs from what is read after.
 */
import { ReadOnlyError } from '../errors.js';
import type { WalIndex } from './wal-index.js';
import { type LockLevel, type VfsFile, markShortRead } from './vfs.js';

export interface WalOverlayOptions {
  /** The log's name, for messages. */
  readonly walName: string;
  /** Whether the log still exists (asked on reads of page 1); absent: it always does. */
  readonly stillThere?: () => Promise<boolean>;
  /** The message of every write's ReadOnlyError (default: open it for writing to checkpoint the log). */
  readonly readOnlyMessage?: string;
  /** Closes the base file along with the log (default true). */
  readonly closeBase?: boolean;
}

export class WalOverlayFile implements VfsFile {
  #index: WalIndex | undefined;

  constructor(
    readonly base: VfsFile,
    readonly wal: VfsFile,
    index: WalIndex,
    private readonly options: WalOverlayOptions,
  ) {
    this.#index = index;
  }

  /** The log's facts while it is applied; undefined once it was found gone. */
  get index(): WalIndex | undefined {
    return this.#index;
  }

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    if (offset === 0 && this.#index !== undefined && this.options.stillThere !== undefined && !(await this.options.stillThere())) {
      this.#index = undefined;
    }
    const index = this.#index;
    if (index === undefined) return this.base.xRead(amount, offset);
    const ps = index.pageSize;
    const size = index.dbPages * ps;
    const out = new Uint8Array(amount);
    const end = Math.min(offset + amount, size);
    // Runs of pages not in the log are read from the base file in one read each.
    let runStart = -1;
    const flushRun = async (to: number): Promise<void> => {
      if (runStart < 0) return;
      const bytes = await this.base.xRead(to - runStart, runStart);
      out.set(bytes, runStart - offset);
      runStart = -1;
    };
    for (let pos = offset; pos < end; ) {
      const pgno = Math.floor(pos / ps) + 1;
      const pageEnd = Math.min(pgno * ps, end);
      const frameData = index.pages.get(pgno);
      if (frameData === undefined) {
        if (runStart < 0) runStart = pos;
      } else {
        await flushRun(pos);
        const within = pos - (pgno - 1) * ps;
        const bytes = await this.wal.xRead(pageEnd - pos, frameData + within);
        out.set(bytes, pos - offset);
      }
      pos = pageEnd;
    }
    await flushRun(Math.max(end, offset));
    return end - offset < amount ? markShortRead(out) : out;
  }

  // The base file's read-ahead (a single object's ranges; src/btree/read-ahead.ts finds it by
  // these members), passed through: a hint for a page the log holds only fills the base file's
  // cache with bytes nobody asks for, the log still serves the page.
  get blockSize(): number | undefined {
    return prefetcherOf(this.base)?.blockSize;
  }

  get prefetchCapacity(): number {
    return prefetcherOf(this.base)?.prefetchCapacity ?? 0;
  }

  prefetch(amount: number, offset: number): number {
    return prefetcherOf(this.base)?.prefetch(amount, offset) ?? 0;
  }

  async xFileSize(): Promise<number> {
    const index = this.#index;
    return index === undefined ? this.base.xFileSize() : index.dbPages * index.pageSize;
  }

  async xWrite(_data: Uint8Array, _offset: number): Promise<void> {
    throw this.#readOnly();
  }

  async xTruncate(_size: number): Promise<void> {
    throw this.#readOnly();
  }

  async xSync(): Promise<void> {}

  xLock(level: LockLevel): Promise<void> {
    return this.base.xLock(level);
  }

  xUnlock(level: LockLevel): Promise<void> {
    return this.base.xUnlock(level);
  }

  xCheckReservedLock(): Promise<boolean> {
    return this.base.xCheckReservedLock();
  }

  xSectorSize(): number {
    return this.base.xSectorSize();
  }

  xDeviceCharacteristics(): number {
    return this.base.xDeviceCharacteristics();
  }

  async xClose(): Promise<void> {
    try {
      await this.wal.xClose();
    } finally {
      if (this.options.closeBase !== false) await this.base.xClose();
    }
  }

  #readOnly(): ReadOnlyError {
    if (this.options.readOnlyMessage !== undefined) return new ReadOnlyError(this.options.readOnlyMessage);
    return new ReadOnlyError(
      `attempt to write a readonly database (read with its write-ahead log ${this.options.walName} applied; open it for writing to checkpoint the log first)`,
    );
  }
}

interface Prefetcher {
  readonly blockSize: number;
  readonly prefetchCapacity: number;
  prefetch(amount: number, offset: number): number;
}

function prefetcherOf(file: VfsFile): Prefetcher | undefined {
  const f = file as Partial<Record<keyof Prefetcher, unknown>>;
  if (typeof f.prefetch !== 'function' || typeof f.blockSize !== 'number' || typeof f.prefetchCapacity !== 'number') return undefined;
  return file as unknown as Prefetcher;
}
