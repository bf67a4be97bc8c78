/**
 * CREATE TABLE (https://www.sqlite.org/lang_createtable.html), as SQLite's build.c lays it out:
 *   1. the table's root page (a table b-tree, or an index b-tree for WITHOUT ROWID) and its
 *      sqlite_schema row (type 'table', sql = the stored CREATE text);
 *   2. one b-tree and one sqlite_schema row (sql NULL) per automatic index
 *      sqlite_autoindex_T_N of a UNIQUE / non-rowid PRIMARY KEY constraint, in source order;
 *   3. with AUTOINCREMENT and no sqlite_sequence yet: that table
 *      ("CREATE TABLE sqlite_sequence(name,seq)"), created now, as SQLite does.
 * Every definition error SQLite reports (buildTable's SchemaError) is reported before anything
 * is written.
 */
import { createTable } from '../../btree/tree-admin.js';
import { SqliteError } from '../../errors.js';
import { buildTable } from '../../schema/table-info.js';
import type { CreateTableStatement } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { checkReservedName, nameClash } from './names.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';
import { executeCreateTableAs } from './create-table-as.js';
import { validateGeneratedColumns } from '../generated/validate-generated.js';

const SEQUENCE_SQL = 'CREATE TABLE sqlite_sequence(name,seq)';

export async function executeCreateTable(env: ExecEnv, stmt: CreateTableStatement, text: string): Promise<StatementResult> {
  const name = stmt.table.name;
  if (nameClash(env.schema, name, 'table')) {
    if (stmt.ifNotExists) return NO_CHANGES;
    const what = env.schema.view(name) !== undefined ? 'view' : 'table';
    throw new SqliteError('SQLITE_ERROR', `${what} ${name} already exists`);
  }
  checkReservedName(name);
  if (stmt.asSelect !== undefined) return executeCreateTableAs(env, stmt, text);
  const sql = storedCreateText(text, 'CREATE TABLE');
  const built = buildTable(stmt, 0, sql); // validates before anything is written
  validateGeneratedColumns(built.table);
  const root = await createTable(env.pager, stmt.withoutRowid ? 'index' : 'table');
  await appendSchemaRow(env, { type: 'table', name, tblName: name, rootPage: root, sql });
  for (const ix of built.autoIndexes) {
    const ixRoot = await createTable(env.pager, 'index');
    await appendSchemaRow(env, { type: 'index', name: ix.name, tblName: name, rootPage: ixRoot, sql: null });
  }
  if (built.table.autoincrement && env.schema.table('sqlite_sequence') === undefined) {
    const seqRoot = await createTable(env.pager, 'table');
    await appendSchemaRow(env, { type: 'table', name: 'sqlite_sequence', tblName: 'sqlite_sequence', rootPage: seqRoot, sql: SEQUENCE_SQL });
  }
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}
