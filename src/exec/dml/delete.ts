/**
 * DELETE FROM t [WHERE …] (https://www.sqlite.org/lang_delete.html). Without WHERE the table
 * and its indexes are cleared wholesale (SQLite's truncate optimisation, OP_Clear); with WHERE
 * the matching identities are collected first, then each row and its index entries go.
 */
import { clearTree } from '../../btree/tree-admin.js';
import { countEntries } from '../../btree/count-entries.js';
import { SqliteError } from '../../errors.js';
import type { DeleteStatement } from '../../sql/ast.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { targetTable } from './target-table.js';
import { TableWriter, type StoredRow } from './table-writer.js';
import { tableScope } from './table-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { rowidLookup } from './rowid-lookup.js';

export async function executeDelete(env: ExecEnv, stmt: DeleteStatement): Promise<StatementResult> {
  const table = targetTable(env.schema, stmt.table);
  if (stmt.returning !== undefined) throw new SqliteError('SQLITE_ERROR', 'RETURNING is not supported yet');
  if (stmt.with !== undefined) throw new SqliteError('SQLITE_ERROR', 'WITH on DELETE is not supported yet');
  if (stmt.where === undefined) {
    const changes = await countEntries(env.pager, table.rootPage);
    await clearTree(env.pager, table.rootPage);
    for (const ix of table.indexes) if (ix.rootPage > 0 && ix.rootPage !== table.rootPage) await clearTree(env.pager, ix.rootPage);
    return { changes, lastInsertRowid: undefined, schemaChanged: false };
  }
  const scope = tableScope(table, stmt.alias);
  const where = env.compile(stmt.where, scope);
  const writer = new TableWriter(env, table);
  const matched: StoredRow[] = [];
  const only = rowidLookup(table, stmt.where, scope, env);
  if (only === undefined) {
    await writer.scan((r) => {
      if (isTrue(where([...r.row, r.rowid ?? null], env.ctx))) matched.push(r);
    });
  } else if (only !== null) {
    const r = await writer.readByRowid(only);
    if (r !== undefined) matched.push(r);
  }
  for (const r of matched) await writer.deleteStored(r);
  return { changes: matched.length, lastInsertRowid: undefined, schemaChanged: false };
}
