/**
 * DROP TABLE / DROP INDEX / DROP VIEW / DROP TRIGGER [IF EXISTS] (https://www.sqlite.org/lang_droptable.html): the b-trees'
 * pages go to the freelist (largest root first, as SQLite destroys them), the sqlite_schema rows
 * go, and a dropped AUTOINCREMENT table's sqlite_sequence row goes too. Indexes made for
 * UNIQUE / PRIMARY KEY constraints cannot be dropped on their own.
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { deleteRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import { decodeRecord } from '../../record/record.js';
import type { DropStatement } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { dropRoots } from './drop-roots.js';
import { ddlEnv } from './ddl-database.js';
import { fkDropTable } from '../dml/foreign-key-drop.js';
import { deleteSchemaRows } from './schema-table.js';
import { virtualWriteError } from '../vtab/virtual-source.js';
import { isRtreeModule } from '../vtab/rtree-def.js';
import { dropRtree } from '../vtab/rtree-ddl.js';


export async function executeDrop(env: ExecEnv, stmt: DropStatement): Promise<StatementResult> {
  const name = stmt.name.name;
  // Messages name the object as written (`no such table: temp.x`).
  const shown = stmt.name.schema === undefined ? name : `${stmt.name.schema}.${name}`;
  const q = stmt.name.schema === undefined ? undefined : asciiLower(stmt.name.schema);
  if (q !== undefined && q !== 'main' && q !== 'temp') {
    if (stmt.ifExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `no such ${stmt.objectType}: ${shown}`);
  }
  if (stmt.objectType === 'index') {
    const index = env.schema.index(name);
    if (index === undefined) {
      if (stmt.ifExists) return NO_CHANGES;
      throw new SqliteError('SQLITE_ERROR', `no such index: ${shown}`);
    }
    if (index.origin !== 'c') {
      throw new SqliteError('SQLITE_ERROR', 'index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped');
    }
    const key = asciiLower(index.name);
    await deleteSchemaRows(env, (type, n) => type === 'index' && asciiLower(n) === key);
    await dropRoots(env, [index.rootPage]);
    return { ...NO_CHANGES, schemaChanged: true };
  }
  if (stmt.objectType === 'trigger') {
    const trigger = env.schema.trigger(name);
    if (trigger === undefined) {
      if (stmt.ifExists) return NO_CHANGES;
      throw new SqliteError('SQLITE_ERROR', `no such trigger: ${shown}`);
    }
    const tkey = asciiLower(trigger.name);
    await deleteSchemaRows(env, (type, n) => type === 'trigger' && asciiLower(n) === tkey);
    return { ...NO_CHANGES, schemaChanged: true };
  }
  if (stmt.objectType === 'view') {
    const view = env.schema.view(name);
    if (view === undefined) {
      if (env.schema.table(name) !== undefined) throw new SqliteError('SQLITE_ERROR', `use DROP TABLE to delete table ${name}`);
      if (stmt.ifExists) return NO_CHANGES;
      throw new SqliteError('SQLITE_ERROR', `no such view: ${shown}`);
    }
    const vkey = asciiLower(view.name);
    // The view's INSTEAD OF triggers go with it.
    await deleteSchemaRows(env, (type, n, tbl) => (type === 'view' && asciiLower(n) === vkey) || (type === 'trigger' && asciiLower(tbl) === vkey));
    return { ...NO_CHANGES, schemaChanged: true };
  }
  const key = asciiLower(name);
  if (key === 'sqlite_schema' || key === 'sqlite_master') throw new SqliteError('SQLITE_ERROR', `table ${name} may not be dropped`);
  const table = env.schema.table(name);
  if (table === undefined) {
    const vt = env.schema.virtualTable(name);
    if (vt !== undefined) return isRtreeModule(vt.module) ? dropRtree(env, vt) : Promise.reject(virtualWriteError(vt));
    if (env.schema.view(name) !== undefined) throw new SqliteError('SQLITE_ERROR', `use DROP VIEW to delete view ${name}`);
    if (stmt.ifExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `no such table: ${shown}`);
  }
  if (key.startsWith('sqlite_') && key !== 'sqlite_stat1' && key !== 'sqlite_stat4') {
    throw new SqliteError('SQLITE_ERROR', `table ${name} may not be dropped`);
  }
  await fkDropTable(env, table);
  const roots = new Set<number>([table.rootPage]);
  for (const ix of table.indexes) if (ix.rootPage > 0) roots.add(ix.rootPage);
  // SQLite's order (sqlite3CodeDropTable): the sqlite_sequence row, the sqlite_schema rows, then
  // the b-trees (whose root moves in an auto-vacuum database rewrite the rows that remain).
  await deleteSequenceRow(env, table);
  const tkey = asciiLower(table.name);
  // The table's indexes and triggers go with it: the triggers on this table (with a TEMP
  // database, not a trigger on a table of the same name in the other database), TEMP triggers
  // on a main table included.
  const triggers = (env.whole ?? env).schema.triggersOf(table);
  const own = new Set(triggers.filter((t) => (t.temp === undefined) === (table.temp === undefined)).map((t) => asciiLower(t.name)));
  await deleteSchemaRows(env, (type, n, tbl) => ((type === 'table' || type === 'index') && asciiLower(tbl) === tkey) || (type === 'trigger' && own.has(asciiLower(n))));
  await dropRoots(env, roots);
  const tempTriggers = new Set(triggers.filter((t) => t.temp !== undefined && table.temp === undefined).map((t) => asciiLower(t.name)));
  if (tempTriggers.size > 0) await deleteSchemaRows(ddlEnv(env.whole!, 'temp'), (type, n) => type === 'trigger' && tempTriggers.has(asciiLower(n)));
  return { ...NO_CHANGES, schemaChanged: true };
}

/** A dropped AUTOINCREMENT table's sqlite_sequence row goes with it. */
async function deleteSequenceRow(env: ExecEnv, table: { readonly name: string; readonly autoincrement: boolean }): Promise<void> {
  const seq = env.schema.table('sqlite_sequence');
  if (seq !== undefined && table.autoincrement) {
    const cur = new TableCursor(env.pager, seq.rootPage);
    const doomed: (number | bigint)[] = [];
    for (let ok = await cur.first(); ok; ok = await cur.next()) {
      const rec = decodeRecord(await cur.payload(), env.encoding);
      if (rec.values[0] === table.name) doomed.push(cur.rowid);
    }
    for (const r of doomed) await deleteRow(env.pager, seq.rootPage, r);
  }
}
