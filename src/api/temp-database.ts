/**
 * A connection's TEMP database (SQLite's database 1, "temp"): a second, private database in
 * memory with its own schema table (sqlite_temp_schema on its page 1) holding what `CREATE TEMP
 * TABLE | VIEW | TRIGGER`, `CREATE TABLE temp.x` and indexes on TEMP tables make. It is created
 * on the first statement that needs it, never written to the main database's location, and
 * gone when the connection closes.
 *
 * Its pager has no journal: a write transaction's changes stay in the pager's dirty set until
 * the connection commits both databases (connection-pagers.ts), so ROLLBACK, a failed statement
 * and ROLLBACK TO undo TEMP changes exactly as main's.
 */
import { writeU32 } from '../format/bytes.js';
import { emptyDatabasePage1, Pager } from '../pager/pager.js';
import { MemoryPageFile } from '../pager/page-file.js';
import { readSchema, type Schema } from '../schema/read-schema.js';
import type { Statement } from '../sql/ast.js';
import { readSchemaRows } from './schema-rows.js';

/** The TEMP database's page size (SQLite's default; nothing outside the connection sees it). */
const TEMP_PAGE_SIZE = 4096;
/** Its page cache: pages live in the memory file anyway, the cache only saves copies. */
const TEMP_CACHE_BYTES = 4 << 20;

export class TempDatabase {
  private cached: Schema | undefined;

  private constructor(readonly pager: Pager) {}

  /** An empty TEMP database whose text encoding is main's (SQLite requires them equal). */
  static async create(textEncoding: number): Promise<TempDatabase> {
    const page1 = emptyDatabasePage1(TEMP_PAGE_SIZE, 0);
    writeU32(page1, 56, textEncoding);
    const pager = await Pager.open(new MemoryPageFile(page1), { cacheBytes: TEMP_CACHE_BYTES });
    return new TempDatabase(pager);
  }

  /** Its schema, every object tagged as TEMP's (read again after `forget`). */
  async schema(): Promise<Schema> {
    if (this.cached === undefined) {
      const rows = await readSchemaRows(this.pager);
      this.cached = readSchema(rows, { temp: { pager: this.pager } });
    }
    return this.cached;
  }

  /** The schema may have changed (a TEMP DDL, a rollback). */
  forget(): void {
    this.cached = undefined;
  }

  /** Opens a write transaction, with `savepoints` savepoints open as main has, unless one is open. */
  async beginWrite(savepoints: number): Promise<void> {
    if (this.pager.inWriteTransaction) return;
    await this.pager.beginWrite();
    for (let i = 0; i < savepoints; i++) this.pager.openSavepoint();
  }

  close(): void {
    this.pager.close();
  }
}

/**
 * Whether a statement names the TEMP database — `CREATE TEMP …`, `temp.x`, `sqlite_temp_schema` —
 * so that the connection opens it first (SQLite opens its temp database on first use too).
 */
export function mentionsTemp(text: string, stmt: Statement): boolean {
  if (!/temp/i.test(text)) return false;
  // Parsed statements are cached and run again (a bulk load into a `temperature` column).
  let yes = seen.get(stmt);
  if (yes === undefined) seen.set(stmt, (yes = visit(stmt)));
  return yes;
}

const seen = new WeakMap<Statement, boolean>();

function visit(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(visit);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.temp === true) return true;
  // `ANALYZE temp`: SQLite's TEMP database always exists, and gets its own sqlite_stat1.
  if (o.kind === 'analyze') {
    const target = o.name as { readonly schema?: string; readonly name: string } | undefined;
    return target !== undefined && target.schema === undefined && target.name.toLowerCase() === 'temp';
  }
  if (typeof o.schema === 'string' && o.schema.toLowerCase() === 'temp') return true;
  if (typeof o.tableSchema === 'string' && o.tableSchema.toLowerCase() === 'temp') return true;
  if (o.kind === 'table' && typeof o.name === 'string' && /^sqlite_temp_/i.test(o.name)) return true;
  // Trigger bodies are text (a TEMP trigger is `temp: true` already).
  return Object.values(o).some(visit);
}
