/**
 * The pager's types and its reading of the file state (page 1's header against the file size),
 * kept apart from the Pager class (pager.ts) so each file keeps one job.
 */
import { CorruptError, NotADatabaseError, asSqliteError } from '../errors.js';
import {
  DATABASE_HEADER_SIZE,
  decodeDatabaseHeader,
  type DatabaseHeader,
} from '../format/db-header.js';
import { EmptyDatabaseError } from './empty-database-error.js';
import { type PageFile } from './page-file.js';

export const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;

/** SQLITE_VERSION_NUMBER we write at header offset 96 (3.46.0). */
export const SQLITE_VERSION_NUMBER = 3046000;

/**
 * Where crash safety slots into `commit()` (the rollback journal). Both are awaited; an error
 * thrown by either aborts the commit like an I/O error.
 */
export interface CommitHooks {
  /**
   * Called before the first database page is overwritten, with the original bytes of every
   * page about to be overwritten that existed before the transaction (pgno <= `oldPageCount`),
   * in pgno order, and the page count before the transaction.
   */
  beforeOverwrite?(originals: readonly { readonly pgno: number; readonly data: Uint8Array }[], oldPageCount: number): Promise<void>;
  /** Called after xSync of the database: the commit point (the journal is deleted here). */
  afterSync?(): Promise<void>;
  /**
   * Called by `beginWrite()` before it re-reads the header: the writer's lock (lease) is taken
   * here, and a hot journal rolled back, so the transaction starts from the latest committed
   * state. An error thrown here fails `beginWrite()`; no transaction is open then.
   */
  beforeBegin?(): Promise<void>;
  /**
   * Called once the write transaction is over, whatever the outcome: after a successful commit
   * (after `afterSync`), after a failed one, and on `rollback()` (not awaited there; errors
   * ignored). The lease is released here.
   */
  afterEnd?(): Promise<void>;
}

export interface PagerOptions {
  /** Byte budget of the page cache (default 8 MiB). */
  readonly cacheBytes?: number;
  /** Opened read-only: `beginWrite()` throws ReadOnlyError. */
  readonly readonly?: boolean;
  /** Journal hooks on the commit path. */
  readonly hooks?: CommitHooks;
}

export interface CreateOptions extends PagerOptions {
  /** Page size of the new database (default 4096). */
  readonly pageSize?: number;
  /** Reserved bytes at the end of each page (default 0). */
  readonly reservedBytes?: number;
}

export interface PagerStats {
  /** Pages read from the file (cache misses that reached xRead). */
  reads: number;
  /** Cache hits. */
  hits: number;
  /** Pages written by commits. */
  writes: number;
}

export interface FileState {
  readonly header: DatabaseHeader;
  readonly pageCount: number;
}

/** The state of the one write transaction (see invariants 5–7). */
export interface WriteTx {
  /** Page copies changed in this transaction (copy-on-write), by pgno. */
  readonly dirty: Map<number, Uint8Array>;
  /** The committed bytes of dirty pages that existed before the transaction (for the journal). */
  readonly originals: Map<number, Uint8Array>;
  readonly startPageCount: number;
  pageCount: number;
  firstFreelistTrunk: number;
  freelistCount: number;
  schemaChanged: boolean;
  /** The header as the transaction sees it (rebuilt when the fields above change). */
  header: DatabaseHeader | undefined;
  /** The open statement savepoint, if any (see `beginStatement`). */
  statement: StatementJournal | undefined;
  /** SQL savepoints (SAVEPOINT name), outermost first (see `openSavepoint`). */
  readonly savepoints: StatementJournal[];
  /**
   * Page-sized buffers a closed statement savepoint no longer needs, reused for the next
   * statement's copies: allocating a fresh 4 KiB copy per statement (a bulk INSERT touches its
   * leaf in every statement) cost more than the rest of the insert.
   */
  readonly spare: Uint8Array[];
}

/** The most pages one commit write carries (a run of consecutive pages is copied into one buffer). */
export const MAX_RUN_PAGES = 256;

/** How many spare statement-journal buffers a transaction keeps. */
export const MAX_SPARE_PAGES = 16;

export function recycle(tx: WriteTx, buffer: Uint8Array | null): void {
  if (buffer !== null && tx.spare.length < MAX_SPARE_PAGES) tx.spare.push(buffer);
}

/**
 * A statement savepoint (SQLite's statement journal, kept in memory): the dirty-set state of
 * every page first touched since `beginStatement()` — a copy of its dirty bytes, or null when
 * the page was not dirty before — and the in-memory header fields, so that one failing
 * statement can be undone without undoing the whole transaction.
 */
export interface StatementJournal {
  readonly pages: Map<number, Uint8Array | null>;
  readonly pageCount: number;
  readonly firstFreelistTrunk: number;
  readonly freelistCount: number;
  readonly schemaChanged: boolean;
}

export async function readState(file: PageFile, knownHeader?: Uint8Array): Promise<{ state: FileState; page1Header: Uint8Array }> {
  let size: number;
  let first: Uint8Array;
  try {
    size = await file.xFileSize();
    if (size === 0) throw new EmptyDatabaseError();
    first = knownHeader !== undefined && knownHeader.length >= DATABASE_HEADER_SIZE ? knownHeader.subarray(0, DATABASE_HEADER_SIZE) : await file.xRead(DATABASE_HEADER_SIZE, 0);
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
