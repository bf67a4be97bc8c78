/**
 * Test helper: real SQLite (sql.js, in process) as the oracle for schema questions.
 */
import { createRequire } from 'node:module';
import type { IndexInfo, SchemaRow, TableInfo } from '../../src/schema/schema-types.js';

// sql.js ships no type declarations: the little of its API these tests use, typed here.
export interface SqlJsStatement {
  step(): boolean;
  getAsObject(): Record<string, unknown>;
  free(): void;
}
export interface SqlJsDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  prepare(sql: string): SqlJsStatement;
  close(): void;
}
interface SqlJs {
  Database: new () => SqlJsDatabase;
}

const require = createRequire(import.meta.url);
const initSqlJs = require('sql.js') as () => Promise<SqlJs>;
let sqlJs: Promise<SqlJs> | undefined;

export async function openSqlJs(): Promise<SqlJsDatabase> {
  sqlJs ??= initSqlJs();
  return new (await sqlJs).Database();
}

export type Row = Record<string, unknown>;

export function query(db: SqlJsDatabase, sql: string): Row[] {
  const out: Row[] = [];
  const stmt = db.prepare(sql);
  try {
    while (stmt.step()) out.push(stmt.getAsObject() as Row);
  } finally {
    stmt.free();
  }
  return out;
}

export function schemaRows(db: SqlJsDatabase): SchemaRow[] {
  return query(db, 'SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema').map((r) => ({
    type: String(r['type']),
    name: String(r['name']),
    tblName: String(r['tbl_name']),
    rootPage: Number(r['rootpage']),
    sql: r['sql'] === null ? null : String(r['sql']),
  }));
}

/** Quotes a name for a PRAGMA argument. */
export function q(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

function same(actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`ours:   ${JSON.stringify(actual)}\nsqlite: ${JSON.stringify(expected)}`);
  }
}

/** Checks `table` against PRAGMA table_xinfo, index_list and index_xinfo; throws on a difference. */
export function compareTable(db: SqlJsDatabase, table: TableInfo): void {
  const xinfo = query(db, `PRAGMA table_xinfo(${q(table.name)})`);
  same(
    table.columns.map((c, cid) => ({
      cid,
      name: c.name,
      type: c.declaredType,
      notnull: c.notNull ? 1 : 0,
      dflt_value: c.defaultText ?? null,
      pk: c.pk,
      hidden: c.hidden,
    })),
    xinfo,
  );

  const indexList = query(db, `PRAGMA index_list(${q(table.name)})`);
  const ours: IndexInfo[] = [...table.indexes, ...(table.primaryKeyIndex === undefined ? [] : [table.primaryKeyIndex])];
  same(ours.map((i) => i.name).sort(), indexList.map((r) => String(r['name'])).sort());
  for (const row of indexList) {
    const index = ours.find((i) => i.name === row['name']) as IndexInfo;
    same(
      { unique: index.unique ? 1 : 0, origin: index.origin, partial: index.partial === undefined ? 0 : 1 },
      { unique: row['unique'], origin: row['origin'], partial: row['partial'] },
    );
    const ixinfo = query(db, `PRAGMA index_xinfo(${q(index.name)})`);
    same(
      index.recordColumns.map((c, seqno) => ({
        seqno,
        cid: c.column,
        name: c.name,
        desc: c.desc ? 1 : 0,
        coll: c.collation,
        key: c.key ? 1 : 0,
      })),
      ixinfo,
    );
  }
  if (table.primaryKeyIndex !== undefined) {
    same(table.storageToDeclared, table.primaryKeyIndex.recordColumns.map((c) => c.column));
  }
  // Root pages of stored indexes come from sqlite_schema.
  for (const index of table.indexes) {
    if (index.rootPage <= 1) throw new Error(`index ${index.name} has root page ${index.rootPage}`);
  }
}

