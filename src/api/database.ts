/**
 * `Database`: the public face of s3lite. Opens a database where it lies — S3 blocks, a block
 * directory, a plain file, any `BlockStore`/`ObjectStore`, or a `VfsFile` — and reads it
 * through the pager's cache, a page at a time, never downloading it whole.
 */
import { censusPages, type PageCensus } from '../btree/page-census.js';
import { countEntries } from '../btree/count-entries.js';
import { CorruptError, MisuseError, SqliteError } from '../errors.js';
import type { DatabaseHeader } from '../format/db-header.js';
import { Pager } from '../pager/pager.js';
import type { SqlValue, StorageClass } from '../record/value.js';
import { readSchema, type Schema } from '../schema/read-schema.js';
import type { SchemaRow, TableInfo } from '../schema/schema-types.js';
import { BlockStore } from '../store/block-store.js';
import type { ObjectStore } from '../store/object-store.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import { OpenFlags, type VfsFile } from '../vfs/vfs.js';
import { parseLocation, type Location } from './location.js';
import { openLocation } from './open-location.js';
import { readSchemaRows } from './schema-rows.js';
import type { StoreOptions } from './store-options.js';
import { tableRows, type RowsOptions, type TypedRow } from './table-rows.js';

export interface OpenOptions extends StoreOptions {
  /** Open for reading only (default false; writing arrives with the write engine). */
  readonly readonly?: boolean;
  /** Byte budget of the page cache (default 8 MiB). */
  readonly cacheBytes?: number;
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

export type { RowsOptions, TypedRow } from './table-rows.js';

export class Database {
  private schemaCache: { rows: SchemaRow[]; schema: Schema } | undefined;
  private closed = false;

  private constructor(
    private readonly pager: Pager,
    private readonly release: () => Promise<void>,
    /** Where the database lives, as users write it. */
    readonly url: string,
  ) {}

  /**
   * Opens a database: `s3://bucket/prefix`, a block directory (`dir/`), a plain `.sqlite` file,
   * a parsed `Location`, a `BlockStore`, `{ objects, prefix }`, or any `VfsFile`.
   */
  static async open(source: DatabaseSource, options: OpenOptions = {}): Promise<Database> {
    const { file, url, close } = await openSource(source, options);
    try {
      const pager = await Pager.open(file, { ...(options.cacheBytes !== undefined && { cacheBytes: options.cacheBytes }) });
      return new Database(pager, close, url);
    } catch (err) {
      await close();
      throw err;
    }
  }

  /** The decoded 100-byte database header. */
  get header(): DatabaseHeader {
    return this.pager.header;
  }

  /** Pages read from the store so far and cache hits (for tests and benchmarks). */
  get stats(): { readonly reads: number; readonly hits: number } {
    return this.pager.stats;
  }

  /** The rows of sqlite_schema, in stored order. */
  async schema(): Promise<SchemaRow[]> {
    return [...(await this.loadSchema()).rows];
  }

  /** Every table, index, view and virtual table with its root page and entry count. */
  async tables(): Promise<TableSummary[]> {
    const { rows } = await this.loadSchema();
    const out: TableSummary[] = [];
    for (const row of rows) {
      if (row.type === 'trigger') continue;
      const isVirtual = row.type === 'table' && row.rootPage === 0 && /^\s*create\s+virtual\b/i.test(row.sql ?? '');
      const type = isVirtual ? 'virtual table' : (row.type as TableSummary['type']);
      const counted = (row.type === 'table' || row.type === 'index') && row.rootPage > 0;
      out.push({
        type,
        name: row.name,
        tblName: row.tblName,
        rootPage: row.rootPage,
        rowCount: counted ? await countEntries(this.pager, row.rootPage) : null,
      });
    }
    return out;
  }

  /** Column names of a table in declaration order. */
  async columns(table: string): Promise<string[]> {
    return (await this.table(table)).columns.map((c) => c.name);
  }

  /** Rows of a table in rowid (or primary key) order, values in declaration order. */
  async *rows(table: string, options: RowsOptions = {}): AsyncGenerator<SqlValue[]> {
    for await (const row of this.typedRows(table, options)) yield row.values;
  }

  /** Rows with their storage classes (tells INTEGER 2 from REAL 2.0). */
  async *typedRows(table: string, options: RowsOptions = {}): AsyncGenerator<TypedRow> {
    const info = await this.table(table);
    yield* tableRows(this.pager, info, options);
  }

  /** A census of every page by kind and owner, like the dbstat virtual table. */
  async pages(): Promise<PageCensus> {
    const { rows } = await this.loadSchema();
    return censusPages(
      this.pager,
      rows.filter((r) => r.rootPage > 0).map((r) => ({ name: r.name, rootPgno: r.rootPage })),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }

  private async table(name: string): Promise<TableInfo> {
    const { schema } = await this.loadSchema();
    const relation = schema.relation(name);
    if (relation === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: ${name}`);
    if (relation.kind === 'virtual-table') {
      throw new SqliteError('SQLITE_ERROR', `virtual table module ${relation.module} is not supported`);
    }
    if (relation.kind === 'view') {
      throw new SqliteError('SQLITE_ERROR', `${name} is a view; reading views needs the query engine`);
    }
    return relation;
  }

  private async loadSchema(): Promise<{ rows: SchemaRow[]; schema: Schema }> {
    if (this.closed) throw new MisuseError('the database is closed');
    if (this.schemaCache === undefined) {
      const rows = await readSchemaRows(this.pager);
      this.schemaCache = { rows, schema: readSchema(rows) };
    }
    return this.schemaCache;
  }
}

async function openSource(
  source: DatabaseSource,
  options: OpenOptions,
): Promise<{ file: VfsFile; url: string; close: () => Promise<void> }> {
  const flags = options.readonly === false ? OpenFlags.SQLITE_OPEN_READWRITE : OpenFlags.SQLITE_OPEN_READONLY;
  if (typeof source === 'string' || 'kind' in source) {
    const location = typeof source === 'string' ? await parseLocationString(source) : source;
    const opened = await openLocation(location, { ...options, readonly: options.readonly !== false });
    return { file: opened.file, url: opened.url, close: () => opened.close() };
  }
  if (source instanceof BlockStore || ('objects' in source && 'prefix' in source)) {
    const vfs = new BlockVfs(source.objects, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    });
    const file = await vfs.xOpen(source.prefix, flags);
    const url = source instanceof BlockStore ? source.url : new BlockStore(source.objects, source.prefix).url;
    return { file, url, close: () => file.xClose() };
  }
  if (typeof (source as VfsFile).xRead === 'function') {
    return { file: source as VfsFile, url: 'vfs:', close: async () => {} };
  }
  throw new MisuseError('Database.open expects a location string, a BlockStore, { objects, prefix } or a VfsFile');
}

/** Local paths need a `stat` to tell a block directory from a file; only then load Node's fs. */
async function parseLocationString(spec: string): Promise<Location> {
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && spec !== '-' && !spec.endsWith('/');
  let isDirectory = false;
  if (local) {
    const { isExistingDirectory } = await import('../store/directory-probe.js');
    isDirectory = await isExistingDirectory(spec);
  }
  return parseLocation(spec, () => isDirectory);
}

export { CorruptError };
