/**
 * ALTER TABLE (https://www.sqlite.org/lang_altertable.html), rewriting sqlite_schema as SQLite
 * does (rename-sql.ts has the text edits):
 *
 * - RENAME TO new: the table's row (name, tbl_name, sql), its indexes' rows (tbl_name, sql; the
 *   automatic ones become sqlite_autoindex_new_N), its triggers' rows, every view and trigger
 *   whose text names the table, other tables' REFERENCES to it, and its sqlite_sequence row.
 * - RENAME COLUMN old TO new: the table's text, its indexes, triggers and views naming the
 *   column, and other tables' REFERENCES t(old).
 * - ADD COLUMN def: `, def` inserted before the table constraints (or the closing parenthesis);
 *   with SQLite's restrictions. Existing rows are not touched: a record shorter than the table
 *   reads the column's DEFAULT.
 * - DROP COLUMN: refused for a PRIMARY KEY or UNIQUE column, the only column, and a column an
 *   index, CHECK, view or trigger uses (SQLite's messages); else its definition leaves the text
 *   and every row is rewritten without it.
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { countEntries } from '../../btree/count-entries.js';
import { insertRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import { decodeRecord } from '../../record/record.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { AlterTableStatement, ColumnDef } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { encodeTableRecord, encodeValues } from '../dml/row-codec.js';
import { fromStored, type Value } from '../value.js';
import { checkReservedName } from './names.js';
import { readSchema, type Schema } from '../../schema/read-schema.js';
import { connectionSchema } from '../../schema/connection-schema.js';
import { ddlEnv } from './ddl-database.js';
import { compileSelect } from '../select/compile-select.js';
import { topRun } from '../dml/dml-run.js';
import { checkTriggers } from '../dml/trigger-check.js';
import { tableTriggerTarget } from '../dml/update.js';
import { addColumnOffset, dropColumnIn, renameColumnIn, renameTableIn } from './rename-sql.js';
import { deleteIndexEntry, insertIndexEntry } from '../../btree/index-write.js';
import { keyInfoOf, recordCompare, TableWriter, type StoredRow } from '../dml/table-writer.js';
import { alterRtree } from '../vtab/rtree-rename.js';
import { rtreeTarget } from '../vtab/rtree-dml.js';
import { checkAddedGenerated, checkGeneratedAfter, verifyAddedColumn } from '../generated/add-column-check.js';

export interface SchemaEntry {
  readonly rowid: number | bigint;
  type: string;
  name: string;
  tblName: string;
  readonly rootPage: Value;
  sql: string | null;
}

export async function readEntries(env: ExecEnv): Promise<SchemaEntry[]> {
  const out: SchemaEntry[] = [];
  const cur = new TableCursor(env.pager, 1);
  for (let ok = await cur.first(); ok; ok = await cur.next()) {
    const rec = decodeRecord(await cur.payload(), env.encoding);
    const v = rec.values.map((x, i) => fromStored(x ?? null, rec.classes[i] ?? 'null'));
    out.push({ rowid: cur.rowid, type: String(v[0]), name: String(v[1]), tblName: String(v[2]), rootPage: v[3] ?? null, sql: v[4] === null || v[4] === undefined ? null : String(v[4]) });
  }
  return out;
}

/**
 * SQLite's check after a rename (sqlite_rename_test): every view and trigger of the changed
 * schema must still compile, else the ALTER fails with "error in view v: …" and changes nothing.
 */
export function testSchema(env: ExecEnv, entries: readonly SchemaEntry[], when: string): void {
  let schema: Schema;
  try {
    const rows = entries.map((e) => ({ type: e.type, name: e.name, tblName: e.tblName, rootPage: Number(e.rootPage ?? 0), sql: e.sql }));
    // TEMP's objects are checked with main's beside them (a TEMP view reads main tables).
    const temp = env.schema.temp;
    const main = env.whole?.schema.connection?.main;
    schema = temp !== undefined && main !== undefined ? connectionSchema(main, readSchema(rows, { temp })) : readSchema(rows);
  } catch (err) {
    throw new SqliteError('SQLITE_ERROR', `error in schema${when}: ${(err as Error).message}`);
  }
  const sub: ExecEnv = { ...env, schema };
  const run = topRun(sub);
  for (const e of entries) {
    try {
      if (e.type === 'view') {
        const view = schema.view(e.name);
        if (view !== undefined) compileSelect(view.select, { schema, ctes: new Map(), viewStack: [asciiLower(view.name)] }, undefined);
      } else if (e.type === 'trigger') {
        const trigger = schema.trigger(e.name);
        if (trigger === undefined) continue;
        const table = schema.table(trigger.tableName);
        const view = schema.view(trigger.tableName);
        if (table === undefined && view === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: main.${trigger.tableName}`);
        const target =
          table !== undefined
            ? tableTriggerTarget(table)
            : { name: view!.name, columns: compileSelect(view!.select, { schema, ctes: new Map(), viewStack: [] }, undefined).columns.map((c, i) => ({ name: view!.columns?.[i] ?? c.name, affinity: c.affinity, collation: c.collation })), hasRowid: false };
        checkTriggers(run, [trigger], target, trigger.event !== 'INSERT', trigger.event !== 'DELETE');
      }
    } catch (err) {
      if (!(err instanceof SqliteError)) throw err;
      const message = err.message.replace(/^no such table: (?!main\.)/, 'no such table: main.');
      throw new SqliteError('SQLITE_ERROR', `error in ${e.type} ${e.name}${when}: ${message}`);
    }
  }
}

/** Writes back the entries that changed (same rowids, so sqlite_schema keeps its order). */
export async function writeEntries(env: ExecEnv, before: readonly string[], entries: readonly SchemaEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (JSON.stringify([e.type, e.name, e.tblName, e.sql]) === before[i]) continue;
    await insertRow(env.pager, 1, e.rowid, encodeValues([e.type, e.name, e.tblName, e.rootPage, e.sql], env.encoding));
  }
  env.pager.markSchemaChanged();
}

export function snapshot(entries: readonly SchemaEntry[]): string[] {
  return entries.map((e) => JSON.stringify([e.type, e.name, e.tblName, e.sql]));
}

function alterable(env: ExecEnv, stmt: AlterTableStatement): TableInfo {
  const name = stmt.table.name;
  const key = asciiLower(name);
  if (key.startsWith('sqlite_')) throw new SqliteError('SQLITE_ERROR', `table ${key === 'sqlite_schema' ? 'sqlite_master' : name} may not be altered`);
  const table = env.schema.table(name);
  if (table === undefined) {
    if (env.schema.view(name) !== undefined) {
      throw new SqliteError('SQLITE_ERROR', stmt.action.kind === 'add-column' ? 'Cannot add a column to a view' : `view ${name} may not be altered`);
    }
    throw new SqliteError('SQLITE_ERROR', `no such table: ${name}`);
  }
  if (env.schema.virtualTables.some((v) => asciiLower(v.name) === key)) throw new SqliteError('SQLITE_ERROR', `virtual table ${name} may not be altered`);
  return table;
}

export async function executeAlterTable(env: ExecEnv, stmt: AlterTableStatement): Promise<StatementResult> {
  const rtree = rtreeTarget(env.schema, stmt.table);
  if (rtree !== undefined) return alterRtree(env, rtree, stmt);
  const table = alterable(env, stmt);
  const action = stmt.action;
  switch (action.kind) {
    case 'rename-table':
      await renameTable(env, table, action.newName);
      break;
    case 'rename-column':
      await renameColumn(env, table, action.column, action.newName);
      break;
    case 'add-column':
      await addColumn(env, table, action.column, action.text);
      break;
    case 'drop-column':
      await dropColumn(env, table, action.column);
      break;
  }
  return { ...NO_CHANGES, schemaChanged: true };
}

async function renameTable(env: ExecEnv, table: TableInfo, newName: string): Promise<void> {
  const schema = env.schema;
  if (schema.relation(newName) !== undefined || schema.index(newName) !== undefined) {
    throw new SqliteError('SQLITE_ERROR', `there is already another table or index with this name: ${newName}`);
  }
  checkReservedName(newName);
  const entries = await readEntries(env);
  const before = snapshot(entries);
  const oldKey = asciiLower(table.name);
  const autoPrefix = `sqlite_autoindex_${table.name}_`;
  for (const e of entries) {
    const mine = asciiLower(e.tblName) === oldKey;
    if (e.sql !== null) e.sql = renameTableIn(e.sql, table.name, newName);
    if (!mine) continue;
    if (e.type === 'table') e.name = newName;
    if (e.type === 'index' && e.name.startsWith(autoPrefix)) e.name = `sqlite_autoindex_${newName}_${e.name.slice(autoPrefix.length)}`;
    e.tblName = newName;
  }
  testSchema(env, entries, '');
  await writeEntries(env, before, entries);
  if (table.temp === undefined) await renameInTemp(env, table.name, newName);
  // AUTOINCREMENT's row in sqlite_sequence follows the name.
  const seq = schema.table('sqlite_sequence');
  if (seq !== undefined && table.autoincrement) {
    const cur = new TableCursor(env.pager, seq.rootPage);
    const rows: [number | bigint, Value][] = [];
    for (let ok = await cur.first(); ok; ok = await cur.next()) {
      const rec = decodeRecord(await cur.payload(), env.encoding);
      if (rec.values[0] === table.name) rows.push([cur.rowid, fromStored(rec.values[1] ?? null, rec.classes[1] ?? 'null')]);
    }
    for (const [rowid, value] of rows) await insertRow(env.pager, seq.rootPage, rowid, encodeValues([newName, value], env.encoding));
  }
}

/**
 * A main table renamed: TEMP views and triggers that name it follow (SQLite rewrites
 * sqlite_temp_schema too), a TEMP trigger on it included.
 */
async function renameInTemp(env: ExecEnv, oldName: string, newName: string): Promise<void> {
  const links = env.whole?.schema.connection;
  if (links === undefined) return;
  const tempEnv = ddlEnv(env.whole!, 'temp');
  const entries = await readEntries(tempEnv);
  const before = snapshot(entries);
  const oldKey = asciiLower(oldName);
  for (const e of entries) {
    if ((e.type !== 'view' && e.type !== 'trigger') || e.sql === null) continue;
    e.sql = renameTableIn(e.sql, oldName, newName);
    const trigger = e.type === 'trigger' ? links.temp.trigger(e.name) : undefined;
    if (trigger !== undefined && asciiLower(e.tblName) === oldKey && trigger.onTemp !== true) e.tblName = newName;
  }
  if (snapshot(entries).some((s, i) => s !== before[i])) await writeEntries(tempEnv, before, entries);
}

async function renameColumn(env: ExecEnv, table: TableInfo, column: string, newName: string): Promise<void> {
  const col = table.columns.find((c) => asciiLower(c.name) === asciiLower(column));
  if (col === undefined) throw new SqliteError('SQLITE_ERROR', `no such column: "${column}"`);
  if (table.columns.some((c) => c !== col && asciiLower(c.name) === asciiLower(newName))) {
    throw new SqliteError('SQLITE_ERROR', `error in table ${table.name} after rename: duplicate column name: ${newName}`);
  }
  const entries = await readEntries(env);
  const before = snapshot(entries);
  // As SQLite's renameColumn: the schema must compile before ("error in …") and after the
  // rename ("error in … after rename").
  testSchema(env, entries, '');
  const key = asciiLower(table.name);
  for (const e of entries) {
    if (e.sql === null) continue;
    const kind = e.type as 'table' | 'index' | 'trigger' | 'view';
    const owner = asciiLower(e.tblName) === key;
    e.sql = renameColumnIn(e.sql, kind, table.name, owner, col.name, newName, `${e.type} ${e.name}`);
  }
  testSchema(env, entries, ' after rename');
  await writeEntries(env, before, entries);
}

async function addColumn(env: ExecEnv, table: TableInfo, def: ColumnDef, text: string): Promise<void> {
  if (table.columns.some((c) => asciiLower(c.name) === asciiLower(def.name))) throw new SqliteError('SQLITE_ERROR', `duplicate column name: ${def.name}`);
  const has = (kind: string): boolean => def.constraints.some((k) => k.kind === kind);
  if (has('primary-key')) throw new SqliteError('SQLITE_ERROR', 'Cannot add a PRIMARY KEY column');
  if (has('unique')) throw new SqliteError('SQLITE_ERROR', 'Cannot add a UNIQUE column');
  const dflt = def.constraints.find((k) => k.kind === 'default');
  const dfltExpr = dflt !== undefined && dflt.kind === 'default' ? dflt.expr : undefined;
  // SQLite refuses these only when the table has rows (the rows would read a wrong value).
  const rows = await countEntries(env.pager, table.rootPage);
  const generated = checkAddedGenerated(def, rows);
  if (rows > 0 && !generated) {
    const constant =
      dfltExpr === undefined ||
      dfltExpr.kind === 'literal' ||
      (dfltExpr.kind === 'unary' && (dfltExpr.op === '-' || dfltExpr.op === '+') && dfltExpr.operand.kind === 'literal');
    if (!constant) throw new SqliteError('SQLITE_ERROR', 'Cannot add a column with non-constant default');
    const isNull = dfltExpr === undefined || (dfltExpr.kind === 'literal' && dfltExpr.type === 'null');
    if (has('not-null') && isNull) throw new SqliteError('SQLITE_ERROR', 'Cannot add a NOT NULL column with default value NULL');
  }
  const entries = await readEntries(env);
  const before = snapshot(entries);
  const entry = entries.find((e) => e.type === 'table' && asciiLower(e.name) === asciiLower(table.name));
  if (entry?.sql === null || entry === undefined) throw new SqliteError('SQLITE_CORRUPT', `table ${table.name} has no CREATE TABLE text`);
  const at = addColumnOffset(entry.sql);
  // The definition as written, without trailing blanks or semicolons (as SQLite trims it).
  const colText = text.replace(/[\s;]+$/, '');
  entry.sql = `${entry.sql.slice(0, at)}, ${colText}${entry.sql.slice(at)}`;
  const next = readSchema(entries.map((e) => ({ type: e.type, name: e.name, tblName: e.tblName, rootPage: Number(e.rootPage ?? 0), sql: e.sql }))).table(table.name)!;
  await verifyAddedColumn(env, next, def.name);
  await writeEntries(env, before, entries);
}

/** Whether an expression (AST) reads column `name` (unqualified or qualified by anything). */
function mentions(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((n) => mentions(n, name));
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'column' && typeof o.column === 'string' && asciiLower(o.column) === asciiLower(name)) return true;
  return Object.values(o).some((v) => mentions(v, name));
}

async function dropColumn(env: ExecEnv, table: TableInfo, column: string): Promise<void> {
  const at = table.columns.findIndex((c) => asciiLower(c.name) === asciiLower(column));
  if (at < 0) throw new SqliteError('SQLITE_ERROR', `no such column: "${column}"`);
  const col = table.columns[at]!;
  if (col.pk > 0) throw new SqliteError('SQLITE_ERROR', `cannot drop PRIMARY KEY column: "${col.name}"`);
  if (table.indexes.some((ix) => ix.origin === 'u' && ix.columns.some((c) => c.column === at))) {
    throw new SqliteError('SQLITE_ERROR', `cannot drop UNIQUE column: "${col.name}"`);
  }
  if (table.columns.length === 1) throw new SqliteError('SQLITE_ERROR', `cannot drop column "${col.name}": no other columns exist`);
  const after = (what: string, msg: string): SqliteError => new SqliteError('SQLITE_ERROR', `error in ${what} after drop column: ${msg}`);
  for (const ix of table.indexes) {
    if (ix.columns.some((c) => c.column === at) || mentions(ix.partial, col.name) || ix.columns.some((c) => mentions(c.expr, col.name))) {
      throw after(`index ${ix.name}`, `no such column: ${col.name}`);
    }
  }
  if (table.checks.some((c) => mentions(c, col.name))) throw after(`table ${table.name}`, `no such column: ${col.name}`);
  const entries = await readEntries(env);
  const before = snapshot(entries);
  const entry = entries.find((e) => e.type === 'table' && asciiLower(e.name) === asciiLower(table.name));
  if (entry?.sql === null || entry === undefined) throw new SqliteError('SQLITE_CORRUPT', `table ${table.name} has no CREATE TABLE text`);
  entry.sql = dropColumnIn(entry.sql, col.name);
  testSchema(env, entries, ' after drop column');
  const next = readSchema(entries.map((e) => ({ type: e.type, name: e.name, tblName: e.tblName, rootPage: Number(e.rootPage ?? 0), sql: e.sql }))).table(table.name)!;
  checkGeneratedAfter(next, 'drop column');
  // Every row again, without the column (indexes hold no trace of it: none may use it).
  const oldWriter = new TableWriter(env, table);
  const rows: StoredRow[] = [];
  await oldWriter.scan((r) => {
    rows.push(r);
  });
  for (const r of rows) {
    const row = r.row.filter((_v, i) => i !== at);
    if (table.withoutRowid) {
      await deleteIndexEntry(env.pager, table.rootPage, recordCompare(table.primaryKey.map((c) => r.row[c] ?? null), pkKeyInfo(table, env)));
      await insertIndexEntry(env.pager, next.rootPage, encodeTableRecord(next, row, env.encoding), recordCompare(next.primaryKey.map((c) => row[c] ?? null), pkKeyInfo(next, env)));
    } else {
      await insertRow(env.pager, table.rootPage, r.rowid!, encodeTableRecord(next, row, env.encoding));
    }
  }
  await writeEntries(env, before, entries);
}

function pkKeyInfo(table: TableInfo, env: ExecEnv): ReturnType<typeof keyInfoOf> {
  return keyInfoOf(
    table.primaryKey.map((_c, i) => ({ collation: table.primaryKeyCollations[i] ?? 'BINARY', desc: table.primaryKeyDesc[i] ?? false })),
    env,
  );
}
