/**
 * CREATE VIEW [IF NOT EXISTS] v [(cols)] AS SELECT … (https://www.sqlite.org/lang_createview.html):
 * one sqlite_schema row ('view', v, v, 0, "CREATE VIEW " + the text from the name on). As in
 * SQLite 3.40 the SELECT is not checked against the schema here: it is compiled when the view
 * is read.
 */
import { SqliteError } from '../../errors.js';
import type { CreateViewStatement } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { checkReservedName } from './names.js';
import { checkNoTempReference } from './ddl-database.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';

export async function executeCreateView(env: ExecEnv, stmt: CreateViewStatement, text: string): Promise<StatementResult> {
  const name = stmt.view.name;
  const schema = env.schema;
  if (schema.relation(name) !== undefined) {
    if (stmt.ifNotExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `${schema.view(name) !== undefined ? 'view' : 'table'} ${name} already exists`);
  }
  if (schema.index(name) !== undefined) throw new SqliteError('SQLITE_ERROR', `there is already an index named ${name}`);
  checkReservedName(name);
  if (schema.temp === undefined) checkNoTempReference('view', name, stmt.select);
  await appendSchemaRow(env, { type: 'view', name, tblName: name, rootPage: 0, sql: storedCreateText(text, 'CREATE VIEW') });
  return { ...NO_CHANGES, schemaChanged: true };
}
