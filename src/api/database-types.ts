/**
 * The public types of `Database` (database.ts): what it opens, the options of `open` and
 * `create`, and what `run`, `tables` and `execRows` report.
 */
import type { SqlValue, StorageClass } from '../record/value.js';
import type { LockingMode } from '../store/capability-probe.js';
import type { BlockStore } from '../store/block-store.js';
import type { ObjectStore } from '../store/object-store.js';
import type { VfsFile } from '../vfs/vfs.js';
import type { Location } from './location.js';
import type { StoreOptions } from './store-options.js';

export interface OpenOptions extends StoreOptions {
  /** Open for reading only (default true: pass `readonly: false` to write). */
  readonly readonly?: boolean;
  /** Byte budget of the page cache (default 8 MiB). */
  readonly cacheBytes?: number;
  /**
   * 'lease' (default): one writer at a time through a lease object with conditional writes,
   * refused on stores that ignore them. 'none': no lock at all, as sqlite-s3vfs — only safe
   * when you know nobody else writes. The rollback journal is kept either way.
   */
  readonly locking?: LockingMode;
  /** How long a writer waits for another writer's lease before BusyError (ms, default 0). */
  readonly busyTimeout?: number;
  /**
   * How long the writer's lease lives without renewal (ms, default 30 000; renewed every third of
   * it while a transaction runs). A writer paused longer than this loses the lease to the next one.
   */
  readonly leaseDuration?: number;
  /**
   * The write fence's safety margin (ms, default 5 000): no request that changes the database is
   * sent later than this before the lease could expire (write-fence.ts). It covers a request's time
   * in flight and, on stores that report no clock, clock skew between machines.
   */
  readonly leaseMargin?: number;
}

/** What `Database.open` accepts. */
export type DatabaseSource =
  | string
  | Location
  | BlockStore
  | { readonly objects: ObjectStore; readonly prefix: string }
  | VfsFile;

export interface TableSummary {
  readonly type: 'table' | 'index' | 'view' | 'virtual table';
  readonly name: string;
  readonly tblName: string;
  readonly rootPage: number;
  /** Entries in the b-tree; null for views and virtual tables. */
  readonly rowCount: number | null;
}

export interface CreateDatabaseOptions extends StoreOptions {
  /** As in `OpenOptions`. */
  readonly locking?: LockingMode;
  readonly busyTimeout?: number;
  /** Page size of the new database (default 4096). */
  readonly pageSize?: number;
  /** Byte budget of the page cache (default 8 MiB). */
  readonly cacheBytes?: number;
}

/** What `run()` reports, as sqlite3_changes() and sqlite3_last_insert_rowid() do. */
export interface RunResult {
  /** Rows inserted, updated or deleted by the last statement (0 for DDL and transaction control). */
  readonly changes: number;
  /** The rowid of the most recent successful INSERT on this connection (0 before any). */
  readonly lastInsertRowid: number | bigint;
  /** The result column names, when the statement returns rows (RETURNING, SELECT, PRAGMA). */
  readonly columns?: readonly string[];
  /** The rows it returned (objects keyed by column name), when it returns rows. */
  readonly rows?: Record<string, SqlValue>[];
}

/** The rows one statement returned, with their storage classes (what `s3lite exec` prints). */
export interface ReturnedRows {
  readonly columns: readonly string[];
  readonly rows: readonly { readonly values: SqlValue[]; readonly classes: StorageClass[] }[];
}
