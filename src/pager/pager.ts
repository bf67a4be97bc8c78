/**
 * The pager: the only code that reads pages from the file. Read side now; the write engine
 * adds transactions on top of the same cache.
 *
 * Invariants
 * ----------
 * 1. `header`, `pageSize`, `usableSize` and `pageCount` describe one committed state of the
 *    file: they are set by `open()` and changed only by `refresh()` (and, later, by commit).
 * 2. Every page in the cache is a byte-exact copy of that state. `refresh()` drops the whole
 *    cache when page 1's change counter moved, so no page of an older state survives.
 * 3. Pages handed out are shared with the cache and MUST NOT be mutated by readers. The write
 *    engine will copy a page before changing it (copy-on-write into a dirty set) so that
 *    readers holding the old array keep a consistent view.
 * 4. At most one read per pgno is in flight: concurrent `getPage(p)` calls share one promise.
 * 5. `getPage(p)` accepts only 1 <= p <= pageCount; anything else is CorruptError(p), because
 *    page numbers come from file bytes.
 *
 * States (read side; the write engine adds the states in brackets)
 * -----------------------------------------------------------------
 *
 *        open() ──► OPEN ──refresh()──► OPEN (cache dropped if the change counter moved)
 *                    │  [begin write ──► WRITER_LOCKED ──► WRITER_DIRTY ──commit/rollback──► OPEN]
 *                    └──close()──► CLOSED (every call throws MisuseError)
 *
 * An empty file (size 0) cannot be opened for reading: `open()` throws EmptyDatabaseError (a
 * NotADatabaseError) so that a caller may treat it as a new database.
 */
import { CorruptError, MisuseError, NotADatabaseError, asSqliteError } from '../errors.js';
import { DATABASE_HEADER_SIZE, decodeDatabaseHeader, type DatabaseHeader } from '../format/db-header.js';
import { EmptyDatabaseError } from './empty-database-error.js';
import { PageCache } from './page-cache.js';
import type { PageFile } from './page-file.js';

export const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;

export interface PagerOptions {
  /** Byte budget of the page cache (default 8 MiB). */
  readonly cacheBytes?: number;
}

export interface PagerStats {
  /** Pages read from the file (cache misses that reached xRead). */
  reads: number;
  /** Cache hits. */
  hits: number;
}

interface FileState {
  readonly header: DatabaseHeader;
  readonly pageCount: number;
}

async function readState(file: PageFile): Promise<{ state: FileState; page1Header: Uint8Array }> {
  let size: number;
  let first: Uint8Array;
  try {
    size = await file.xFileSize();
    if (size === 0) throw new EmptyDatabaseError();
    first = await file.xRead(DATABASE_HEADER_SIZE, 0);
  } catch (err) {
    throw asSqliteError(err, 'reading the database header');
  }
  if (size < DATABASE_HEADER_SIZE) throw new NotADatabaseError('file is not a database (shorter than its header)');
  const header = decodeDatabaseHeader(first);
  const filePages = Math.ceil(size / header.pageSize);
  let pageCount = filePages;
  if (header.pageCountValid) {
    // SQLite: an in-header size larger than the file is corruption.
    if (header.pageCount > filePages) {
      throw new CorruptError(`header says ${header.pageCount} pages but the file has ${filePages}`, 1);
    }
    pageCount = header.pageCount;
  }
  return { state: { header, pageCount }, page1Header: first };
}

export class Pager {
  private state: FileState;
  private readonly cache: PageCache;
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private closed = false;
  readonly stats: PagerStats = { reads: 0, hits: 0 };

  private constructor(
    readonly file: PageFile,
    state: FileState,
    cacheBytes: number,
  ) {
    this.state = state;
    this.cache = new PageCache(cacheBytes);
  }

  /**
   * Opens the database in `file`: reads and validates the header.
   * Throws EmptyDatabaseError for a 0-byte file, NotADatabaseError for a bad header,
   * CorruptError when the header's page count exceeds the file.
   */
  static async open(file: PageFile, options: PagerOptions = {}): Promise<Pager> {
    const { state } = await readState(file);
    return new Pager(file, state, options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  }

  get header(): DatabaseHeader {
    return this.state.header;
  }

  get pageSize(): number {
    return this.state.header.pageSize;
  }

  get usableSize(): number {
    return this.state.header.usableSize;
  }

  /** Pages in the database: the header's count when valid, else derived from the file size. */
  get pageCount(): number {
    return this.state.pageCount;
  }

  /** Pages currently cached (for tests and stats). */
  get cachedPages(): number {
    return this.cache.size;
  }

  private checkOpen(): void {
    if (this.closed) throw new MisuseError('pager is closed');
  }

  private checkPgno(pgno: number): void {
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > this.state.pageCount) {
      throw new CorruptError(`page number ${pgno} out of range 1..${this.state.pageCount}`, pgno);
    }
  }

  /** The cached page, synchronously, or undefined on a miss (no Promise on the hot path). */
  peekPage(pgno: number): Uint8Array | undefined {
    this.checkOpen();
    const page = this.cache.get(pgno);
    if (page !== undefined) this.stats.hits++;
    return page;
  }

  /** Page `pgno` (1-based). The array is shared with the cache: do not mutate it. */
  getPage(pgno: number): Promise<Uint8Array> {
    const hit = this.cache.get(pgno);
    if (hit !== undefined) {
      this.stats.hits++;
      return Promise.resolve(hit);
    }
    try {
      this.checkOpen();
      this.checkPgno(pgno);
    } catch (err) {
      return Promise.reject(err);
    }
    const pending = this.inflight.get(pgno);
    if (pending !== undefined) return pending;
    const state = this.state;
    const read: Promise<Uint8Array> = this.readPage(pgno).then(
      (page) => {
        if (this.inflight.get(pgno) === read) this.inflight.delete(pgno);
        // Do not cache a page read for a state that refresh() has since replaced.
        if (this.state === state) this.cache.set(pgno, page, page[pgno === 1 ? 100 : 0]!);
        return page;
      },
      (err: unknown) => {
        if (this.inflight.get(pgno) === read) this.inflight.delete(pgno);
        throw asSqliteError(err, `reading page ${pgno}`);
      },
    );
    this.inflight.set(pgno, read);
    return read;
  }

  /** Several pages at once; misses are read in parallel (read-ahead for scans and balancing). */
  getPages(pgnos: readonly number[]): Promise<Uint8Array[]> {
    return Promise.all(pgnos.map((p) => this.getPage(p)));
  }

  private async readPage(pgno: number): Promise<Uint8Array> {
    this.stats.reads++;
    const size = this.state.header.pageSize;
    const page = await this.file.xRead(size, (pgno - 1) * size);
    if (page.length !== size) throw new CorruptError(`short read of page ${pgno}`, pgno);
    return page;
  }

  /**
   * Re-reads the header; if page 1's change counter (or the page count) moved, drops the cache
   * and adopts the new state. Returns true when the database changed.
   */
  async refresh(): Promise<boolean> {
    this.checkOpen();
    const { state } = await readState(this.file);
    const old = this.state;
    if (state.header.changeCounter === old.header.changeCounter && state.pageCount === old.pageCount) return false;
    this.state = state;
    this.cache.clear();
    this.inflight.clear();
    return true;
  }

  /** Drops the cache; later calls throw MisuseError. */
  close(): void {
    this.closed = true;
    this.cache.clear();
    this.inflight.clear();
  }
}
