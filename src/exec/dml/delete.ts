/**
 * DELETE FROM t [WHERE …] [RETURNING …] (https://www.sqlite.org/lang_delete.html). Without
 * WHERE, triggers and RETURNING the table and its indexes are cleared wholesale (SQLite's
 * truncate optimisation, OP_Clear); otherwise the matching identities are collected first, then
 * each row is re-read and, after its BEFORE DELETE triggers (a row they deleted is skipped), it
 * and its index entries go; then its RETURNING row (the old values) and AFTER DELETE triggers.
 */
import { clearTree } from '../../btree/tree-admin.js';
import { countEntries } from '../../btree/count-entries.js';
import { asciiLower } from '../../schema/affinity.js';
import type { DeleteStatement } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { addTableSource, newScope, placeRow, rowBuffer, topRun, withCtes, type DmlRun } from './dml-run.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { compileReturning, returningRow } from './returning.js';
import { targetTable } from './target-table.js';
import { TableWriter } from './table-writer.js';
import { fireTriggers, selectTriggers } from './triggers.js';
import { checkTriggers } from './trigger-check.js';
import { matchRows, tableTriggerTarget } from './update.js';
import { insteadOfDelete } from './view-write.js';
import { fkActions, fkOldRow, fkPlan } from './foreign-keys.js';
import { rtreeDelete, rtreeTarget } from '../vtab/rtree-dml.js';

export function executeDelete(env: ExecEnv, stmt: DeleteStatement, text?: string): Promise<StatementResult> {
  return runDelete(topRun(env), stmt, text);
}

export async function runDelete(outer: DmlRun, stmt: DeleteStatement, text: string | undefined): Promise<StatementResult> {
  const run = withCtes(outer, stmt.with);
  const env = run.env;
  const view = env.schema.view(stmt.table.name);
  if (view !== undefined && (stmt.table.schema === undefined || asciiLower(stmt.table.schema) === 'main')) return insteadOfDelete(run, view, stmt, text);
  const rtree = rtreeTarget(env.schema, stmt.table);
  if (rtree !== undefined) return rtreeDelete(run, rtree, stmt);
  const table = targetTable(env, stmt.table);
  const dropping = run.dropping === true;
  const before = dropping ? [] : selectTriggers(run, table.name, 'DELETE', 'BEFORE');
  const after = dropping ? [] : selectTriggers(run, table.name, 'DELETE', 'AFTER');
  checkTriggers(run, [...before, ...after], tableTriggerTarget(table), true, false);
  const fk = fkPlan(run, table, 'delete', { ignoreErrors: dropping });
  if (stmt.where === undefined && stmt.returning === undefined && before.length === 0 && after.length === 0 && fk === undefined) {
    const changes = await countEntries(env.pager, table.rootPage);
    await clearTree(env.pager, table.rootPage);
    for (const ix of table.indexes) if (ix.rootPage > 0 && ix.rootPage !== table.rootPage) await clearTree(env.pager, ix.rootPage);
    return { changes, lastInsertRowid: undefined, schemaChanged: false };
  }
  const scope = newScope(run);
  const source = addTableSource(scope, table, stmt.alias ?? table.name);
  const returning = stmt.returning === undefined ? undefined : compileReturning(stmt.returning, scope, source, table, run, text);
  const writer = new TableWriter(env, table);
  const target = tableTriggerTarget(table);
  const matched = await matchRows(run, table, writer, scope, source, stmt.where);
  const rows: Value[][] = [];
  let changes = 0;
  for (const m of matched) {
    let old = await writer.reread(m);
    if (old === undefined) continue;
    if (before.length > 0) {
      if (!(await fireTriggers(run, before, target, old, undefined, undefined))) continue;
      old = await writer.reread(old);
      if (old === undefined) continue;
    }
    if (fk !== undefined) await fkOldRow(run, fk, old);
    await writer.deleteStored(old);
    changes++;
    if (fk !== undefined) await fkActions(run, fk, old, undefined);
    if (returning !== undefined) {
      const buffer = rowBuffer(scope, run);
      placeRow(buffer, source, old.row, old.rowid);
      rows.push(await returningRow(returning, buffer, run));
    }
    if (after.length > 0) await fireTriggers(run, after, target, old, undefined, undefined);
  }
  return {
    changes,
    lastInsertRowid: undefined,
    schemaChanged: false,
    ...(returning !== undefined && { returned: { columns: returning.columns, rows } }),
  };
}
