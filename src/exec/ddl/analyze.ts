/**
 * ANALYZE [schema | [schema.]table | [schema.]index] (https://www.sqlite.org/lang_analyze.html),
 * as SQLite's analyze.c (without STAT4, as the sqlite3 shell of Debian and sql.js are built):
 *
 * 1. sqlite_stat1 is created when missing, stored as "CREATE TABLE sqlite_stat1(tbl,idx,stat)"
 *    (a schema change); when it exists, its rows for what is analyzed go first — all of them
 *    for a database, `tbl = table` for a table, `idx = index` for one index (exact text
 *    equality) — and the same rows of sqlite_stat4 / sqlite_stat3 when another build made those.
 * 2. Per table (not views, virtual tables or sqlite_* tables), per index in SQLite's list order
 *    (newest first), a row (tbl, idx, stat) with analyze-stats.ts's text; an empty index gets
 *    no row unless it is partial. A WITHOUT ROWID table's own b-tree is its PRIMARY KEY index,
 *    named by the table. A table without a non-partial index gets (tbl, NULL, row count) when
 *    it has rows.
 * 3. Rows go in at max(rowid) + 1; a whole database visits its tables in SQLite's table-hash
 *    order (analyze-order.ts), so the rowids match sqlite3's.
 *
 * With no name, ANALYZE covers main (never TEMP, as SQLite); a name that is a database covers
 * it; else an index is looked for before a table, TEMP before main. The planner reads the new
 * numbers when the schema is next loaded, so the statement reports a schema change (without
 * touching the schema cookie unless sqlite_stat1 was created).
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { countEntries } from '../../btree/count-entries.js';
import { createTable, clearTree } from '../../btree/tree-admin.js';
import { deleteRow, insertRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { decodeRecord } from '../../record/record.js';
import { asciiLower } from '../../schema/affinity.js';
import { pagerOf } from '../../schema/connection-schema.js';
import type { Schema } from '../../schema/read-schema.js';
import { readSchemaRows } from '../../schema/schema-rows.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { MaintenanceStatement } from '../../sql/ast.js';
import type { ExecEnv, StatementResult } from '../dml/exec-env.js';
import { encodeValues } from '../dml/row-codec.js';
import { hashOrder } from './analyze-order.js';
import { indexStat, type IndexShape } from './analyze-stats.js';
import { ddlEnv } from './ddl-database.js';
import { appendSchemaRow } from './schema-table.js';

const STAT1_SQL = 'CREATE TABLE sqlite_stat1(tbl,idx,stat)';

/** What one ANALYZE covers in one database. */
type Target =
  | { readonly kind: 'database' }
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'index'; readonly table: string; readonly index: IndexInfo }
  | { readonly kind: 'nothing' };

export async function executeAnalyze(env: ExecEnv, stmt: MaintenanceStatement): Promise<StatementResult> {
  const { db, target } = resolveTarget(env.schema, stmt);
  if (target.kind === 'nothing') return { changes: 0, lastInsertRowid: undefined, schemaChanged: false };
  const dbEnv = env.schema.connection === undefined ? env : ddlEnv(env, db);
  // The tables in load order, read before sqlite_stat1 may be created: SQLite walks its hash as
  // it was when the statement was compiled.
  const loadOrder = target.kind === 'database' ? (await readSchemaRows(dbEnv.pager)).filter((r) => r.type === 'table' || r.type === 'view').map((r) => r.name) : [];
  const created = await clearStatRows(dbEnv, target);
  const stat1 = dbEnv.schema.table('sqlite_stat1')?.rootPage ?? created!;
  const writer = new StatWriter(dbEnv, stat1);
  await writer.init();
  if (target.kind === 'database') {
    for (const name of hashOrder(['sqlite_master', ...loadOrder])) {
      const table = dbEnv.schema.table(name);
      if (table !== undefined && asciiLower(table.name) === asciiLower(name)) await analyzeTable(dbEnv, writer, table, undefined);
    }
  } else {
    const table = dbEnv.schema.table(target.table);
    if (table !== undefined) await analyzeTable(dbEnv, writer, table, target.kind === 'index' ? target.index : undefined);
  }
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}

/** sqlite3Analyze's name resolution (see the header). */
function resolveTarget(schema: Schema, stmt: MaintenanceStatement): { db: 'main' | 'temp'; target: Target } {
  const name = stmt.name;
  const hasTemp = schema.connection !== undefined;
  if (name === undefined) return { db: 'main', target: { kind: 'database' } };
  if (name.schema === undefined) {
    const key = asciiLower(name.name);
    if (key === 'main') return { db: 'main', target: { kind: 'database' } };
    if (key === 'temp') return { db: 'temp', target: hasTemp ? { kind: 'database' } : { kind: 'nothing' } };
  }
  const dbs: ('main' | 'temp')[] = [];
  if (name.schema !== undefined) {
    const key = asciiLower(name.schema);
    if (key !== 'main' && key !== 'temp') throw new SqliteError('SQLITE_ERROR', `unknown database ${name.schema}`);
    if (key === 'main' || hasTemp) dbs.push(key);
  } else {
    if (hasTemp) dbs.push('temp');
    dbs.push('main');
  }
  const part = (db: 'main' | 'temp'): Schema => schema.database(db) ?? schema;
  for (const db of dbs) {
    const index = part(db).index(name.name);
    if (index !== undefined) return { db, target: { kind: 'index', table: index.tableName, index } };
  }
  for (const db of dbs) {
    const relation = part(db).relation(name.name) ?? part(db).table(name.name);
    if (relation !== undefined) return { db, target: { kind: 'table', table: relation.name } };
  }
  const shown = name.schema === undefined ? name.name : `${name.schema}.${name.name}`;
  throw new SqliteError('SQLITE_ERROR', `no such table: ${shown}`);
}

/**
 * Empties what the target's statistics were (openStatTable); creates sqlite_stat1 when missing
 * and returns its root page then.
 */
async function clearStatRows(env: ExecEnv, target: Target): Promise<number | undefined> {
  let created: number | undefined;
  if (env.schema.table('sqlite_stat1') === undefined) {
    created = await createTable(env.pager, 'table');
    await appendSchemaRow(env, { type: 'table', name: 'sqlite_stat1', tblName: 'sqlite_stat1', rootPage: created, sql: STAT1_SQL });
  }
  for (const name of ['sqlite_stat1', 'sqlite_stat4', 'sqlite_stat3']) {
    const table = env.schema.table(name);
    if (table === undefined || table.rootPage <= 0) continue;
    if (target.kind === 'database') {
      await clearTree(env.pager, table.rootPage);
      continue;
    }
    // DELETE FROM sqlite_statN WHERE tbl = 'name' | idx = 'name': columns without affinity, so
    // only TEXT with exactly those characters matches.
    const field = target.kind === 'table' ? 0 : 1;
    const wanted = target.kind === 'table' ? target.table : target.kind === 'index' ? target.index.name : '';
    const cursor = new TableCursor(env.pager, table.rootPage);
    const doomed: (number | bigint)[] = [];
    for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
      if (decodeRecord(await cursor.payload(), env.encoding).values[field] === wanted) doomed.push(cursor.rowid);
    }
    for (const rowid of doomed) await deleteRow(env.pager, table.rootPage, rowid);
  }
  return created;
}

/** Appends (tbl, idx, stat) rows to sqlite_stat1 at max(rowid) + 1. */
class StatWriter {
  private next = 1n;
  constructor(
    private readonly env: ExecEnv,
    private readonly root: number,
  ) {}

  async init(): Promise<void> {
    const cursor = new TableCursor(this.env.pager, this.root);
    if (await cursor.last()) this.next = BigInt(cursor.rowid) + 1n;
  }

  async write(tbl: string, idx: string | null, stat: string): Promise<void> {
    await insertRow(this.env.pager, this.root, this.next, encodeValues([tbl, idx, stat], this.env.encoding));
    this.next++;
  }
}

/** analyzeOneTable: the rows of one table's indexes (or of `only`), then its count row. */
async function analyzeTable(env: ExecEnv, writer: StatWriter, table: TableInfo, only: IndexInfo | undefined): Promise<void> {
  if (table.rootPage <= 0 || asciiLower(table.name).startsWith('sqlite_')) return;
  let needCount = true;
  for (const ix of sqliteIndexOrder(table)) {
    if (only !== undefined && ix !== only) continue;
    if (ix.partial === undefined) needCount = false;
    if (ix.rootPage <= 0) continue;
    const { entries, stat } = await indexStat(pagerOf(ix, env.pager), shapeOf(table, ix), env.encoding);
    if (entries === 0 && ix.partial === undefined) continue;
    await writer.write(table.name, isOwnTree(table, ix) ? table.name : ix.name, stat);
  }
  if (only === undefined && needCount) {
    const rows = await countEntries(pagerOf(table, env.pager), table.rootPage);
    if (rows > 0) await writer.write(table.name, null, String(rows));
  }
}

/**
 * pTab->pIndex's order: each index is put at the front when created, so the newest comes first —
 * CREATE INDEX ones in reverse sqlite_schema order, then the automatic ones (created with the
 * table, numbered in creation order: sqlite_autoindex_T_N) from the highest N down.
 */
function sqliteIndexOrder(table: TableInfo): IndexInfo[] {
  const autoNumber = (ix: IndexInfo): number => Number(/_(\d+)$/.exec(ix.name)?.[1] ?? 0);
  const all = table.indexes.some((ix) => isOwnTree(table, ix)) || table.primaryKeyIndex === undefined ? table.indexes : [table.primaryKeyIndex, ...table.indexes];
  const automatic = all.filter((ix) => ix.origin !== 'c').sort((a, b) => autoNumber(a) - autoNumber(b));
  const created = all.filter((ix) => ix.origin === 'c');
  return [...automatic, ...created].reverse();
}

/** A WITHOUT ROWID table's PRIMARY KEY index: the table's own b-tree. */
function isOwnTree(table: TableInfo, ix: IndexInfo): boolean {
  const pk = table.primaryKeyIndex;
  return table.withoutRowid && pk !== undefined && asciiLower(pk.name) === asciiLower(ix.name);
}

/** nKeyCol, nColTest and the collations SQLite's analysis uses for `ix`. */
function shapeOf(table: TableInfo, ix: IndexInfo): IndexShape {
  const collations = ix.recordColumns.map((c) => c.collation);
  if (isOwnTree(table, ix)) {
    const keys = ix.columns.length;
    return { rootPage: ix.rootPage, keyColumns: keys, tested: keys - 1, collations };
  }
  const uniqueNotNull = ix.unique && ix.columns.every((c) => c.column >= 0 && table.columns[c.column]?.notNull === true);
  const keys = ix.columns.length;
  return { rootPage: ix.rootPage, keyColumns: keys, tested: uniqueNotNull ? keys - 1 : ix.recordColumns.length - 1, collations };
}
