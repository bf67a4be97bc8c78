/**
 * CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t(cols) [WHERE …]
 * (https://www.sqlite.org/lang_createindex.html): a new index b-tree filled from the table's
 * existing rows (entries = key columns…, rowid / PK columns), then its sqlite_schema row.
 * A UNIQUE index over rows that already repeat a key fails with SQLite's message. Indexes on
 * expressions are refused (the expression evaluator is not wired into index maintenance yet).
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { insertIndexEntry } from '../../btree/index-write.js';
import { createTable } from '../../btree/tree-admin.js';
import { ConstraintError, SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import { buildIndex } from '../../schema/index-info.js';
import type { CreateIndexStatement } from '../../sql/ast.js';
import type { ExecEnv, StatementResult } from '../dml/exec-env.js';
import { encodeValues, indexEntryValues } from '../dml/row-codec.js';
import { keyInfoOf, recordCompare, TableWriter, type StoredRow } from '../dml/table-writer.js';
import { tableScope } from '../dml/table-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { checkMainSchema, checkReservedName, nameClash } from './names.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';

export async function executeCreateIndex(env: ExecEnv, stmt: CreateIndexStatement, text: string): Promise<StatementResult> {
  checkMainSchema(stmt.index.schema);
  const name = stmt.index.name;
  const table = env.schema.table(stmt.table);
  if (table === undefined) {
    if (env.schema.view(stmt.table) !== undefined) throw new SqliteError('SQLITE_ERROR', 'views may not be indexed');
    throw new SqliteError('SQLITE_ERROR', `no such table: main.${stmt.table}`);
  }
  if (asciiLower(table.name).startsWith('sqlite_')) throw new SqliteError('SQLITE_ERROR', `table ${table.name} may not be indexed`);
  if (nameClash(env.schema, name, 'index')) {
    if (stmt.ifNotExists) return { changes: 0, lastInsertRowid: undefined, schemaChanged: false };
    throw new SqliteError('SQLITE_ERROR', `index ${name} already exists`);
  }
  checkReservedName(name);
  const sql = storedCreateText(text, stmt.unique ? 'CREATE UNIQUE INDEX' : 'CREATE INDEX');
  const index = buildIndex(stmt, table, 0, sql);
  if (index.columns.some((c) => c.column < 0)) throw new SqliteError('SQLITE_ERROR', 'indexes on expressions are not supported yet');
  const root = await createTable(env.pager, 'index');
  const keyInfo = keyInfoOf(index.recordColumns, env);
  const scope = tableScope(table);
  const partial = index.partial === undefined ? undefined : env.compile(index.partial, scope);
  const rows: StoredRow[] = [];
  await new TableWriter(env, table).scan((r) => {
    if (partial === undefined || isTrue(partial([...r.row, r.rowid ?? null], env.ctx))) rows.push(r);
  });
  const keyCount = index.columns.length;
  for (const r of rows) {
    const values = indexEntryValues(index, table, r.row, r.rowid);
    if (index.unique && !values.slice(0, keyCount).some((v) => v === null)) {
      const cmp = recordCompare(values.slice(0, keyCount), keyInfo);
      const cur = new IndexCursor(env.pager, root);
      if ((await cur.seek(cmp, 'ge')) && cmp(await cur.payload()) === 0) {
        const cols = index.columns.map((c) => `${table.name}.${c.name ?? '<expr>'}`).join(', ');
        throw new ConstraintError('UNIQUE', `UNIQUE constraint failed: ${cols}`);
      }
    }
    await insertIndexEntry(env.pager, root, encodeValues(values, env.encoding), recordCompare(values, keyInfo));
  }
  await appendSchemaRow(env, { type: 'index', name, tblName: table.name, rootPage: root, sql });
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}
