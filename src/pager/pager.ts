/**
 * The pager: the only code that reads and writes pages of the file. Readers get pages from a
 * byte-budgeted cache; one writer at a time changes copies of pages in a dirty set and
 * `commit()` writes them back.
 *
 * Invariants
 * ----------
 * 1. `state` (header, page count) describes one committed state of the file: set by `open()`,
 *    changed only by `refresh()` and by a successful `commit()`.
 * 2. Every page in the cache is a byte-exact copy of that committed state. `refresh()` drops the
 *    whole cache when page 1's change counter moved, so no page of an older state survives; a
 *    commit moves its dirty pages into the cache once they are written and synced.
 * 3. Pages handed out are shared with the cache and MUST NOT be mutated by readers. The writer
 *    changes only pages it got from `getWritable()` / `allocatePage()`: copy-on-write into the
 *    dirty set, so the cached clean page (and any reader holding it) never changes.
 * 4. At most one read per pgno is in flight: concurrent `getPage(p)` calls share one promise.
 * 5. `getPage(p)` accepts only 1 <= p <= pageCount; anything else is CorruptError(p), because
 *    page numbers come from file bytes. During a write transaction `pageCount` is the
 *    transaction's (pages appended by `allocatePage()` are readable), and `getPage()` /
 *    `peekPage()` return the dirty copy of a page when there is one: the writer reads its own
 *    changes, through the same calls the cursors use.
 * 6. A write transaction keeps the freelist head, freelist count and page count in memory; they
 *    reach page 1 only in `commit()`, which is the one place the database header is written.
 * 7. Every page appended in a transaction is in the dirty set, so after a commit the file is
 *    exactly pageCount pages (the lock-byte page, never written, is a hole that reads as zeros).
 *
 * States
 * ------
 *
 *      open()/create() ──► OPEN ──refresh()──► OPEN (cache dropped if the change counter moved)
 *                           │ ▲
 *              beginWrite() │ │ commit() ok / rollback()
 *                           ▼ │
 *                          WRITER ── getWritable / allocatePage / freePage ──► WRITER (dirty set grows)
 *                           │
 *                           └── I/O error inside commit() ──► ERROR (every call throws IoError; reopen)
 *                               (or BusyError: the lease was lost, the write fence refused a request)
 *
 *      any state ──close()──► CLOSED (every call throws MisuseError)
 *
 * Hooks (`CommitHooks`; `commit-protocol.ts` supplies the lease + journal ones): `beforeBegin`
 * runs at the start of `beginWrite()` (lease, hot-journal recovery), `afterEnd` once the
 * transaction is over however it ended (lease release). The commit path, in order:
 *   1. page 1 gets the new header (change counter + 1, version-valid-for, page count, freelist
 *      head and count, SQLITE_VERSION_NUMBER, schema cookie + 1 after `markSchemaChanged()`);
 *   2. hook `beforeOverwrite(originals)`: the original bytes of every dirty page that existed
 *      before the transaction (pgno <= old page count) — the journal writes them here;
 *   3. xWrite page 1 first, then every other dirty page in pgno order (THE READERS' INVARIANT:
 *      no page but page 1 is overwritten before page 1 carries the new change counter, and the
 *      journal exists until every page is written — so a reader's end check is one read of page
 *      1; a block file uploads block 0 alone, before the rest);
 *   4. xTruncate when the database shrank;
 *   5. xSync;
 *   6. hook `afterSync()`: the journal is deleted here (the commit point).
 *
 * An empty file (size 0) cannot be opened for reading: `open()` throws EmptyDatabaseError (a
 * NotADatabaseError) so that a caller may treat it as a new database and call `create()`.
 */
import { BusyError, CorruptError, IoError, MisuseError, ReadOnlyError, SqliteError, asSqliteError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import {
  decodeDatabaseHeader,
  isValidPageSize,
  type DatabaseHeader,
} from '../format/db-header.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { autoVacuumCommit } from './auto-vacuum.js';
import { allocate, putOnFreelist, type AllocateOptions, type FreelistAccess } from './freelist-ops.js';
import { PageCache } from './page-cache.js';
import { journalFrom, journalPage, restoreJournal } from './savepoint-journal.js';
import { isWritablePageFile, type PageFile, type WritablePageFile } from './page-file.js';

/** xSync flags value SQLITE_SYNC_NORMAL (vfs.ts SyncFlags; repeated to keep the pager free of the vfs module). */
const SYNC_NORMAL = 0x02;

import {
  DEFAULT_CACHE_BYTES,
  SQLITE_VERSION_NUMBER,
  type CreateOptions,
  type FileState,
  MAX_RUN_PAGES,
  type PagerOptions,
  type PagerStats,
  type WriteTx,
  readState,
  recycle,
} from './pager-state.js';

export type { CommitHooks, CreateOptions, PagerOptions, PagerStats } from './pager-state.js';
export type { AllocateOptions } from './freelist-ops.js';
export { DEFAULT_CACHE_BYTES, SQLITE_VERSION_NUMBER } from './pager-state.js';
export { emptyDatabasePage1 } from './empty-page1.js';
import { emptyDatabasePage1 } from './empty-page1.js';

export class Pager {
  private state: FileState;
  private readonly cache: PageCache;
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private closed = false;
  private tx: WriteTx | undefined;
  /** Set when a commit failed half-way: the pager refuses all work until reopened. */
  private broken: SqliteError | undefined;
  #stamp = 0;
  readonly stats: PagerStats = { reads: 0, hits: 0, writes: 0 };

  private constructor(
    readonly file: PageFile,
    state: FileState,
    cacheBytes: number,
    private readonly options: PagerOptions,
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
    return new Pager(file, state, options.cacheBytes ?? DEFAULT_CACHE_BYTES, options);
  }

  /**
   * Writes a new, empty database into the empty `file` and opens it: page 1 holds a valid
   * header (schema format 4, UTF-8) and an empty sqlite_schema table-leaf root, as SQLite's
   * empty database is once it has been written. MisuseError when the file is not empty.
   */
  static async create(file: WritablePageFile, options: CreateOptions = {}): Promise<Pager> {
    const pageSize = options.pageSize ?? 4096;
    const reserved = options.reservedBytes ?? 0;
    if (!isValidPageSize(pageSize)) throw new MisuseError(`invalid page size ${pageSize}`);
    if (!Number.isInteger(reserved) || reserved < 0 || reserved > 255 || pageSize - reserved < 480) {
      throw new MisuseError(`invalid reserved bytes ${reserved} for page size ${pageSize}`);
    }
    try {
      if ((await file.xFileSize()) !== 0) throw new MisuseError('Pager.create needs an empty file');
      await file.xWrite(emptyDatabasePage1(pageSize, reserved), 0);
      await file.xSync(SYNC_NORMAL);
    } catch (err) {
      throw asSqliteError(err, 'creating the database');
    }
    return Pager.open(file, options);
  }

  /** The database header; inside a write transaction, with its page count and freelist. */
  get header(): DatabaseHeader {
    const tx = this.tx;
    if (tx === undefined) return this.state.header;
    const page1 = tx.dirty.get(1);
    tx.header ??= {
      ...this.state.header,
      pageCount: tx.pageCount,
      firstFreelistTrunk: tx.firstFreelistTrunk,
      freelistCount: tx.freelistCount,
      // The auto-vacuum fields change inside a transaction (CREATE / DROP, PRAGMA auto_vacuum).
      ...(page1 === undefined ? {} : { largestRootPage: readU32(page1, 52), incrementalVacuum: readU32(page1, 64) }),
    };
    return tx.header;
  }

  get pageSize(): number {
    return this.state.header.pageSize;
  }

  get usableSize(): number {
    return this.state.header.usableSize;
  }

  /** Whether this is an auto-vacuum database (header offset 52 not zero; in a transaction, as page 1 says now). */
  get autoVacuum(): boolean {
    const page1 = this.tx?.dirty.get(1);
    return (page1 === undefined ? this.state.header.largestRootPage : readU32(page1, 52)) !== 0;
  }

  /** Pages in the database: the header's count when valid, else derived from the file size (the transaction's inside one). */
  get pageCount(): number {
    return this.tx?.pageCount ?? this.state.pageCount;
  }

  /** Byte budget of the page cache (read-ahead sizes its window by it). */
  get cacheBytes(): number {
    return this.cache.budgetBytes;
  }

  /** Pages currently cached (for tests and stats). */
  get cachedPages(): number {
    return this.cache.size;
  }

  /** Whether a write transaction is open. */
  get inWriteTransaction(): boolean {
    return this.tx !== undefined;
  }

  /** Pages in the dirty set (for tests and stats). */
  get dirtyPages(): number {
    return this.tx?.dirty.size ?? 0;
  }

  private checkOpen(): void {
    if (this.closed) throw new MisuseError('pager is closed');
    if (this.broken !== undefined) throw new IoError(`pager unusable after a failed commit (reopen the database): ${this.broken.message}`, { cause: this.broken });
  }

  private checkPgno(pgno: number): void {
    const count = this.pageCount;
    if (!Number.isInteger(pgno) || pgno < 1 || pgno > count) {
      throw new CorruptError(`page number ${pgno} out of range 1..${count}`, pgno);
    }
  }

  /** The cached (or dirty) page, synchronously, or undefined on a miss (no Promise on the hot path). */
  peekPage(pgno: number): Uint8Array | undefined {
    this.checkOpen();
    const dirty = this.tx?.dirty.get(pgno);
    if (dirty !== undefined) return dirty;
    const page = this.cache.get(pgno);
    if (page !== undefined) this.stats.hits++;
    return page;
  }

  /**
   * `peekPage`, and on a miss the page read at once when the file can (a local plain file:
   * SafePageFile.readNow) and nothing is in flight for it; undefined when it cannot — then call
   * getPage. A point lookup on a local file thus costs no Promise even when it misses.
   */
  pageNow(pgno: number): Uint8Array | undefined {
    const hit = this.peekPage(pgno);
    if (hit !== undefined) return hit;
    const file = this.file as PageFile & { readNow?: (amount: number, offset: number) => Uint8Array | undefined };
    if (file.readNow === undefined || this.inflight.has(pgno)) return undefined;
    this.checkPgno(pgno);
    const size = this.state.header.pageSize;
    const page = file.readNow(size, (pgno - 1) * size);
    if (page === undefined) return undefined;
    this.stats.reads++;
    // The same state throughout (nothing ran in between): cached as getPage caches.
    this.cache.set(pgno, page, page[pgno === 1 ? 100 : 0]!);
    return page;
  }

  /**
   * Pages `first`…`first + count - 1` read at once into one buffer they are views of (read-ahead on
   * a local file); false when one is cached or in flight, undefined when the file cannot (getPages).
   */
  readRunNow(first: number, count: number): boolean | undefined {
    const file = this.file as PageFile & { readNow?: (amount: number, offset: number) => Uint8Array | undefined };
    if (file.readNow === undefined || this.tx !== undefined || this.broken !== undefined || this.closed) return undefined;
    this.checkPgno(first);
    this.checkPgno(first + count - 1);
    for (let p = first; p < first + count; p++) if (this.cache.get(p) !== undefined || this.inflight.has(p)) return false;
    const size = this.state.header.pageSize;
    const run = file.readNow(count * size, (first - 1) * size);
    if (run === undefined) return undefined;
    this.stats.reads += count;
    for (let k = 0; k < count; k++) this.cache.set(first + k, run.subarray(k * size, (k + 1) * size), run[k * size + (first + k === 1 ? 100 : 0)]!);
    return true;
  }

  /** Page `pgno` (1-based). The array is shared with the cache: do not mutate it. */
  getPage(pgno: number): Promise<Uint8Array> {
    if (this.tx !== undefined) {
      const dirty = this.tx.dirty.get(pgno);
      if (dirty !== undefined) return Promise.resolve(dirty);
    }
    const hit = this.cache.get(pgno);
    if (hit !== undefined && this.broken === undefined) {
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
   * and adopts the new state. Returns true when the database changed. Not inside a write.
   */
  async refresh(knownHeader?: Uint8Array): Promise<boolean> {
    this.checkOpen();
    if (this.tx !== undefined) throw new MisuseError('refresh() inside a write transaction');
    // `knownHeader`: the first 100 bytes of the file as the caller fetched them a moment ago
    // (a reader's consistency check), which saves reading them again.
    const old = this.state;
    if (knownHeader !== undefined && knownHeader.length >= 100 && sameCommittedState(knownHeader, old)) return false;
    const { state } = await readState(this.file, knownHeader);
    if (state.header.changeCounter === old.header.changeCounter && state.pageCount === old.pageCount) return false;
    this.state = state;
    this.cache.clear();
    this.inflight.clear();
    return true;
  }

  /**
   * Drops every cached page, whatever the change counter says: for a reader that learned its
   * last read overlapped a commit (pages of two states may have been cached under one counter).
   * Not inside a write transaction.
   */
  /**
   * Whether `head` (the file's first 100 bytes, just read by a reader's check) names the state the
   * pager holds: then the read needs no `refresh()`.
   */
  holdsState(head: Uint8Array): boolean {
    return this.tx === undefined && head.length >= 100 && sameCommittedState(head, this.state);
  }

  invalidate(): void {
    this.checkOpen();
    if (this.tx !== undefined) throw new MisuseError('invalidate() inside a write transaction');
    this.cache.clear();
    this.seal();
  }

  /**
   * Ends a read: reads still in flight (read-ahead the read did not wait for) will not be cached
   * nor shared with later reads — they may land after the read's consistency check, so nothing
   * vouches for them. The cache is kept. Not inside a write transaction.
   */
  seal(): void {
    if (this.tx !== undefined) return;
    // A new state object with the same contents: `getPage` caches a page only when the state it
    // was read for is still the current one. (Nothing in flight: nothing to disown.)
    if (this.inflight.size > 0) {
      this.inflight.clear();
      this.state = { ...this.state };
    }
    // The file may keep blocks of its own (a block file's cache): the same rule there.
    (this.file as PageFile & { seal?: () => void }).seal?.();
  }

  // ── Write transactions ──────────────────────────────────────────────────────────────────

  /**
   * Starts the write transaction: re-reads the header first (another writer may have committed).
   * MisuseError when one is already open; ReadOnlyError when the pager or file is read-only, or
   * the database is one we cannot write safely (a future write version). A WAL-mode
   * database (header bytes 18–19 = 2) is written in rollback-journal mode, those bytes kept: the
   * open path has checkpointed any `-wal` first (wal-attach.ts); a bare file's log is the caller's.
   */
  async beginWrite(): Promise<void> {
    this.checkOpen();
    if (this.tx !== undefined) throw new MisuseError('a write transaction is already open');
    if (this.options.readonly === true) throw new ReadOnlyError('attempt to write a readonly database (opened read-only)');
    if (!isWritablePageFile(this.file)) throw new ReadOnlyError('attempt to write a readonly database (the file cannot be written)');
    const hooks = this.options.hooks;
    await hooks?.beforeBegin?.();
    try {
      await this.refresh();
      const h = this.state.header;
      if (h.writeVersion > 2) throw new ReadOnlyError(`file format write version ${h.writeVersion} is newer than s3lite can write`);
    } catch (err) {
      await hooks?.afterEnd?.().catch(() => undefined);
      throw err;
    }
    const h = this.state.header;
    this.#stamp++;
    this.tx = {
      dirty: new Map(),
      originals: new Map(),
      startPageCount: this.state.pageCount,
      pageCount: this.state.pageCount,
      firstFreelistTrunk: h.firstFreelistTrunk,
      freelistCount: h.freelistCount,
      schemaChanged: false,
      header: undefined,
      statement: undefined,
      savepoints: [],
      spare: [],
    };
  }

  /**
   * Opens a savepoint (SQL's SAVEPOINT) inside the write transaction, nested in those open:
   * from now on the first change to each page keeps its prior state in this savepoint's
   * journal too. Returns its depth (0 = outermost).
   */
  openSavepoint(): number {
    const tx = this.requireTx();
    tx.savepoints.push(journalFrom(tx));
    return tx.savepoints.length - 1;
  }

  /** Keeps the changes of savepoint `depth` and of those inside it, and closes them. */
  releaseSavepoint(depth: number): void {
    const tx = this.requireTx();
    tx.savepoints.length = Math.min(tx.savepoints.length, depth);
  }

  /**
   * Undoes every change since savepoint `depth` was opened; it stays open (empty again), the
   * savepoints inside it are closed.
   */
  rollbackToSavepoint(depth: number): void {
    const tx = this.requireTx();
    const sp = tx.savepoints[depth];
    if (sp === undefined) throw new MisuseError(`no savepoint at depth ${depth}`);
    if (tx.statement !== undefined) this.endStatement();
    restoreJournal(tx, sp, false);
    this.#stamp++;
    tx.savepoints.length = depth;
    tx.savepoints.push(journalFrom(tx));
  }

  /**
   * Opens a statement savepoint inside the write transaction (replacing any open one): from
   * now on the first change to each page keeps its prior dirty state, so `rollbackStatement()`
   * can undo exactly the changes made since.
   */
  beginStatement(): void {
    const tx = this.requireTx();
    if (tx.statement !== undefined) for (const b of tx.statement.pages.values()) recycle(tx, b);
    tx.statement = journalFrom(tx);
  }

  /** Keeps the statement's changes and closes its savepoint. */
  endStatement(): void {
    const tx = this.requireTx();
    if (tx.statement !== undefined) for (const b of tx.statement.pages.values()) recycle(tx, b);
    tx.statement = undefined;
  }

  /** Undoes every change since `beginStatement()` and closes the savepoint. */
  rollbackStatement(): void {
    const tx = this.requireTx();
    const stmt = tx.statement;
    if (stmt === undefined) throw new MisuseError('no statement savepoint is open');
    restoreJournal(tx, stmt, true);
    tx.statement = undefined;
    this.#stamp++;
  }

  private requireTx(): WriteTx {
    this.checkOpen();
    if (this.tx === undefined) {
      if (this.options.readonly === true) throw new ReadOnlyError('attempt to write a readonly database (opened read-only)');
      throw new MisuseError('no write transaction is open');
    }
    return this.tx;
  }

  /**
   * Page `pgno`, writable: the first call in a transaction copies the committed page into the
   * dirty set; later calls return the same array. Mutate it freely until commit/rollback.
   */
  async getWritable(pgno: number): Promise<Uint8Array> {
    const cached = this.writableCached(pgno);
    if (cached !== undefined) return cached;
    const clean = await this.getPage(pgno);
    // The page may have become dirty while it was being fetched.
    return this.writableCached(pgno) ?? this.copyForWrite(this.requireTx(), pgno, clean);
  }

  /**
   * `getWritable` without a Promise when the page is dirty already or in the cache (the bulk
   * load's case: its leaf and the path to it stay cached); undefined, changing nothing, on a
   * miss.
   */
  writableCached(pgno: number): Uint8Array | undefined {
    const tx = this.requireTx();
    const dirty = tx.dirty.get(pgno);
    if (dirty !== undefined) {
      this.#stamp++;
      journalPage(tx, pgno, dirty);
      return dirty;
    }
    this.checkPgno(pgno);
    const clean = this.broken === undefined ? this.cache.get(pgno) : undefined;
    if (clean === undefined) return undefined;
    this.stats.hits++;
    return this.copyForWrite(tx, pgno, clean);
  }

  /** The first change to a clean page in this transaction: its copy joins the dirty set. */
  private copyForWrite(tx: WriteTx, pgno: number, clean: Uint8Array): Uint8Array {
    this.#stamp++;
    journalPage(tx, pgno, undefined);
    const copy = clean.slice();
    tx.dirty.set(pgno, copy);
    if (pgno <= tx.startPageCount) tx.originals.set(pgno, clean);
    return copy;
  }

  /**
   * A number that moves whenever a page may have changed in the writer's view: each page taken
   * for writing, each statement rollback, transaction start, commit and rollback. Unchanged
   * means nothing changed: a statement run without a savepoint that leaves it alone changed
   * nothing (src/api/database.ts), and a path remembered at that stamp is still good (the bulk
   * append of table-writer.ts).
   */
  get writeStamp(): number {
    return this.#stamp;
  }

  /** A zero-filled dirty page for `pgno`, whose old content does not matter (reused or appended). */
  private async freshPage(tx: WriteTx, pgno: number): Promise<Uint8Array> {
    this.#stamp++;
    let data = tx.dirty.get(pgno);
    journalPage(tx, pgno, data);
    if (data === undefined) {
      // The journal needs the original of a page that existed, even a free one (byte-exact rollback).
      if (pgno <= tx.startPageCount && this.options.hooks?.beforeOverwrite !== undefined) {
        tx.originals.set(pgno, await this.getPage(pgno));
      }
      data = new Uint8Array(this.pageSize);
      tx.dirty.set(pgno, data);
    } else {
      data.fill(0);
    }
    return data;
  }

  private setFreelist(tx: WriteTx, trunk: number, count: number): void {
    tx.firstFreelistTrunk = trunk;
    tx.freelistCount = count;
    tx.header = undefined;
  }

  private checkFreelistPgno(pgno: number, from: number): void {
    if (pgno < 2 || pgno > this.pageCount || pgno === lockBytePgno(this.pageSize)) {
      throw new CorruptError(`freelist page ${pgno} out of range`, from);
    }
  }

  /**
   * A new page for the writer (zero-filled, already in the dirty set), as SQLite's
   * allocateBtreePage: off the freelist when there is one, else appended (freelist-ops.ts, where
   * `options` — nearby page, search mode, pointer-map role — are described).
   */
  async allocatePage(options: AllocateOptions = {}): Promise<{ pgno: number; data: Uint8Array }> {
    const tx = this.requireTx();
    return allocate(this.freelistAccess(tx), options);
  }

  /**
   * `allocatePage()` without a Promise in its usual case (a bulk load's new leaf): no freelist,
   * no pointer map, the page appended past the pages the transaction started with (nothing of
   * it to read or journal); undefined, changing nothing, in any other case.
   */
  appendPageNow(): { pgno: number; data: Uint8Array } | undefined {
    const tx = this.requireTx();
    const pgno = tx.pageCount + 1;
    if (tx.firstFreelistTrunk !== 0 || tx.freelistCount !== 0 || this.autoVacuum || pgno <= tx.startPageCount || pgno === lockBytePgno(this.pageSize) || pgno > 0xfffffffe) return undefined;
    tx.pageCount = pgno;
    tx.header = undefined;
    // As freshPage does for such a page.
    this.#stamp++;
    let data = tx.dirty.get(pgno);
    journalPage(tx, pgno, data);
    if (data === undefined) {
      data = new Uint8Array(this.pageSize);
      tx.dirty.set(pgno, data);
    } else data.fill(0);
    return { pgno, data };
  }

  /** Puts `pgno` on the freelist (freelist-ops.ts). */
  async freePage(pgno: number): Promise<void> {
    const tx = this.requireTx();
    if (!Number.isInteger(pgno) || pgno < 2 || pgno > tx.pageCount) throw new MisuseError(`cannot free page ${pgno}`);
    await putOnFreelist(this.freelistAccess(tx), pgno);
  }

  /** What freelist-ops.ts needs of the transaction. */
  private freelistAccess(tx: WriteTx): FreelistAccess {
    return {
      pager: this,
      get firstTrunk() {
        return tx.firstFreelistTrunk;
      },
      get count() {
        return tx.freelistCount;
      },
      setFreelist: (trunk, count) => this.setFreelist(tx, trunk, count),
      checkPgno: (pgno, from) => this.checkFreelistPgno(pgno, from),
      freshPage: (pgno) => this.freshPage(tx, pgno),
      setPageCount: (count) => {
        tx.pageCount = count;
        tx.header = undefined;
      },
    };
  }

  /** The pgnos of the transaction's dirty pages within the database, ascending (pointer-map upkeep). */
  dirtyPgnos(): number[] {
    const tx = this.requireTx();
    return [...tx.dirty.keys()].filter((p) => p <= tx.pageCount).sort((a, b) => a - b);
  }

  /** Writes u32 `value` at header offset `offset` of page 1 (the auto-vacuum fields 52 and 64). */
  async setHeaderU32(offset: number, value: number): Promise<void> {
    const tx = this.requireTx();
    writeU32(await this.getWritable(1), offset, value);
    tx.header = undefined;
  }

  /**
   * Auto-vacuum: the database ends at page `pageCount` (lower than now); with `clearFreelist`
   * the freelist is emptied too (every free page was past the new end).
   */
  truncatePages(pageCount: number, clearFreelist: boolean): void {
    const tx = this.requireTx();
    if (!Number.isInteger(pageCount) || pageCount < 1 || pageCount > tx.pageCount) throw new MisuseError(`cannot truncate to ${pageCount} pages`);
    tx.pageCount = pageCount;
    if (clearFreelist) this.setFreelist(tx, 0, 0);
    tx.header = undefined;
  }

  /**
   * VACUUM: the database becomes `image` (whole pages, page 1 first, no free pages). Every page
   * is rewritten in this transaction — journaled like any other change — and the commit
   * truncates the file to the image's size.
   */
  async replaceWith(image: Uint8Array): Promise<void> {
    const tx = this.requireTx();
    const size = this.pageSize;
    const count = image.length / size;
    if (!Number.isInteger(count) || count < 1) throw new MisuseError('a database image is whole pages');
    for (let pgno = 1; pgno <= count; pgno++) {
      (await this.freshPage(tx, pgno)).set(image.subarray((pgno - 1) * size, pgno * size));
    }
    tx.pageCount = count;
    this.setFreelist(tx, 0, 0);
  }

  /** The schema changed in this transaction: commit adds 1 to the schema cookie. */
  markSchemaChanged(): void {
    this.requireTx().schemaChanged = true;
  }

  /**
   * Writes the transaction (see the commit path at the top of this file). A transaction that
   * changed nothing writes nothing. After an I/O error the pager is unusable until reopened.
   */
  async commit(): Promise<void> {
    const tx = this.requireTx();
    if (tx.dirty.size === 0 && !tx.schemaChanged) {
      this.tx = undefined;
      this.#stamp++;
      await this.options.hooks?.afterEnd?.().catch(() => undefined);
      return;
    }
    const file = this.file as WritablePageFile;
    const pageSize = this.pageSize;
    let page1: Uint8Array;
    try {
      // Auto-vacuum: pointer map brought up to date; in FULL mode free pages moved out and the
      // file shortened (auto-vacuum.ts) — ordinary page changes, journaled like any other.
      if (this.autoVacuum) await autoVacuumCommit(this);
      if (tx.pageCount < tx.startPageCount) await this.keepTruncatedOriginals(tx);
      page1 = await this.getWritable(1);
    } catch (err) {
      this.tx = undefined;
      this.#stamp++;
      await this.options.hooks?.afterEnd?.().catch(() => undefined);
      throw err;
    }
    const old = this.state.header;
    const changeCounter = (old.changeCounter + 1) >>> 0;
    writeU32(page1, 24, changeCounter);
    writeU32(page1, 28, tx.pageCount);
    writeU32(page1, 32, tx.firstFreelistTrunk);
    writeU32(page1, 36, tx.freelistCount);
    if (tx.schemaChanged) writeU32(page1, 40, (old.schemaCookie + 1) >>> 0);
    if (old.schemaFormat === 0) writeU32(page1, 44, 4);
    writeU32(page1, 92, changeCounter);
    writeU32(page1, 96, SQLITE_VERSION_NUMBER);
    // Page 1 first (it carries the new change counter: no other page may change before it does —
    // commit-protocol.ts, the readers' invariant), then the rest in order.
    const pgnos = [1, ...[...tx.dirty.keys()].filter((p) => p !== 1 && p <= tx.pageCount).sort((a, b) => a - b)];
    try {
      const hooks = this.options.hooks;
      if (hooks?.beforeOverwrite !== undefined) {
        const originals = [...tx.originals.entries()]
          .filter(([p]) => p <= tx.startPageCount)
          .sort((a, b) => a[0] - b[0])
          .map(([pgno, data]) => ({ pgno, data }));
        await hooks.beforeOverwrite(originals, tx.startPageCount);
      }
      // Runs of consecutive pages go down as one write each (a bulk load's new pages are one
      // run): one system call or block-file step per run instead of one per page.
      for (let i = 0; i < pgnos.length; ) {
        let j = i + 1;
        while (j < pgnos.length && j - i < MAX_RUN_PAGES && pgnos[j] === pgnos[j - 1]! + 1) j++;
        const first = pgnos[i]!;
        let bytes = tx.dirty.get(first)!;
        if (j - i > 1) {
          bytes = new Uint8Array((j - i) * pageSize);
          for (let k = i; k < j; k++) bytes.set(tx.dirty.get(pgnos[k]!)!, (k - i) * pageSize);
        }
        await file.xWrite(bytes, (first - 1) * pageSize);
        this.stats.writes += j - i;
        i = j;
      }
      if (tx.pageCount < tx.startPageCount) await file.xTruncate(tx.pageCount * pageSize);
      await file.xSync(SYNC_NORMAL);
      await hooks?.afterSync?.();
    } catch (err) {
      // A lost lease (the write fence refused a request) is SQLITE_BUSY, as SQLite reports a lock
      // it could not keep; anything else that stops a commit half-way is an I/O error.
      const ioErr =
        err instanceof IoError || err instanceof BusyError
          ? err
          : new IoError(`commit failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      this.broken = ioErr;
      this.tx = undefined;
      this.#stamp++;
      this.cache.clear();
      this.inflight.clear();
      await this.options.hooks?.afterEnd?.().catch(() => undefined);
      throw ioErr;
    }
    this.state = { header: decodeDatabaseHeader(page1), pageCount: tx.pageCount };
    this.tx = undefined;
    this.#stamp++;
    for (const p of pgnos) {
      const data = tx.dirty.get(p)!;
      this.cache.set(p, data, data[p === 1 ? 100 : 0]!);
    }
    // The commit is durable; a failure to release the lease only delays the next writer.
    await this.options.hooks?.afterEnd?.().catch(() => undefined);
  }

  /** A commit that shortens the file journals every page past the new end (journal-writer.ts), moved or not. */
  private async keepTruncatedOriginals(tx: WriteTx): Promise<void> {
    if (this.options.hooks?.beforeOverwrite === undefined) return;
    const lockByte = lockBytePgno(this.pageSize);
    for (let p = tx.pageCount + 1; p <= tx.startPageCount; p++) {
      if (p === lockByte || tx.originals.has(p)) continue;
      tx.originals.set(p, this.cache.get(p) ?? (await this.readPage(p)));
    }
  }

  /** Discards the transaction: the dirty set, page count and freelist go back to the committed state. */
  rollback(): void {
    if (this.closed) throw new MisuseError('pager is closed');
    const hadTx = this.tx !== undefined;
    this.tx = undefined;
    this.#stamp++;
    if (hadTx) void this.options.hooks?.afterEnd?.().catch(() => undefined);
  }

  /** Drops the cache; later calls throw MisuseError. */
  close(): void {
    this.closed = true;
    this.tx = undefined;
    this.#stamp++;
    this.cache.clear();
    this.inflight.clear();
  }
}

/**
 * Whether the first 100 bytes of the file, just read, name the state the pager already holds: the
 * same change counter, and an in-header page count that is valid (version-valid-for = counter)
 * and equal to ours. Every commit moves the counter, so nothing can have changed; the file's size
 * was checked against that page count when the state was adopted, and needs no look again (one
 * fstat per statement on a plain file — SQLite's own "version-valid-for" reasoning).
 */
function sameCommittedState(head: Uint8Array, state: { readonly header: { readonly changeCounter: number }; readonly pageCount: number }): boolean {
  const counter = readU32(head, 24);
  return counter === state.header.changeCounter && readU32(head, 92) === counter && readU32(head, 28) === state.pageCount && state.pageCount > 0;
}
