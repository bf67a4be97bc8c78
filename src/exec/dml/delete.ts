/**
 * DELETE FROM t [WHERE …] [RETURNING …] (https://www.sqlite.org/lang_delete.html). Without
 * WHERE, triggers and RETURNING the table and its indexes are cleared wholesale (SQLite's
 * truncate optimisation, OP_Clear); otherwise the matching identities are collected first, then
 * each row is re-read and, after its BEFORE DELETE triggers (a row they deleted is skipped), it
 * and its index entries go; then its RETURNING row (the old values) and AFTER DELETE triggers.
 */
import { clearTree } from '../../btree/tree-admin.js';
import { countEntries } from '../../btree/count-entries.js';
import type { DeleteStatement } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { addTableSource, newScope, placeRow, rowBuffer, topRun, withCtes, type DmlRun } from './dml-run.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { compileReturning, returningRow, type Returning } from './returning.js';
import { targetSchema, targetTable } from './target-table.js';
import { pagerOf } from '../../schema/connection-schema.js';
import { TableWriter } from './table-writer.js';
import { fireTriggers, selectTriggers, type TriggerTarget } from './triggers.js';
import { checkTriggers } from './trigger-check.js';
import { tableTriggerTarget } from './update.js';
import { matchRows, planMatch, type MatchPlan } from './match-rows.js';
import { PlanMemo } from './plan-memo.js';
import type { CoreScope, Source } from '../select/query-scope.js';
import type { TableInfo, TriggerInfo } from '../../schema/schema-types.js';
import { insteadOfDelete } from './view-write.js';
import { fkActions, fkOldRow, fkPlan } from './foreign-keys.js';
import { rtreeDelete, rtreeTarget } from '../vtab/rtree-dml.js';

export function executeDelete(env: ExecEnv, stmt: DeleteStatement, text?: string): Promise<StatementResult> {
  return runDelete(topRun(env), stmt, text);
}

/**
 * What a DELETE compiles from its AST and the schema: built once and reused while the schema
 * and the enclosing scope are the same (plan-memo.ts). `match` is decided at the first pass 1.
 */
interface DeletePlan {
  readonly table: TableInfo;
  readonly before: readonly TriggerInfo[];
  readonly after: readonly TriggerInfo[];
  readonly target: TriggerTarget;
  readonly scope: CoreScope;
  readonly source: Source;
  readonly returning: Returning | undefined;
  /** Made at the first execution that does not clear the table wholesale. */
  writer: TableWriter | undefined;
  match: MatchPlan | undefined;
}

const deletePlans = new PlanMemo<DeleteStatement, DeletePlan>();

function buildDeletePlan(run: DmlRun, stmt: DeleteStatement, text: string | undefined): DeletePlan {
  const env = run.env;
  const table = targetTable(env, stmt.table);
  const dropping = run.dropping === true;
  const before = dropping ? [] : selectTriggers(run, table, 'DELETE', 'BEFORE');
  const after = dropping ? [] : selectTriggers(run, table, 'DELETE', 'AFTER');
  const target = tableTriggerTarget(table);
  checkTriggers(run, [...before, ...after], target, true, false);
  const scope = newScope(run);
  const source = addTableSource(scope, table, stmt.alias ?? table.name);
  const returning = stmt.returning === undefined ? undefined : compileReturning(stmt.returning, scope, source, table, run, text);
  return { table, before, after, target, scope, source, returning, writer: undefined, match: undefined };
}

export async function runDelete(outer: DmlRun, stmt: DeleteStatement, text: string | undefined): Promise<StatementResult> {
  const run = withCtes(outer, stmt.with);
  const env = run.env;
  // A statement with a plan names a table (plans are made for tables only): no view or R*Tree to look for.
  if (!deletePlans.has(stmt, env.schema, run.frame?.scope)) {
    const view = targetSchema(env.schema, stmt.table).view(stmt.table.name);
    if (view !== undefined) return insteadOfDelete(run, view, stmt, text);
    const rtree = rtreeTarget(env.schema, stmt.table);
    if (rtree !== undefined) return rtreeDelete(run, rtree, stmt);
  }
  // A WITH clause's CTEs (and DROP's implicit statements) are per run: such a statement is compiled each time.
  if (run.ctes !== undefined || run.dropping === true) return deleteWith(run, stmt, buildDeletePlan(run, stmt, text));
  return deletePlans.with(stmt, env.schema, run.frame?.scope, () => buildDeletePlan(run, stmt, text), (plan) => deleteWith(run, stmt, plan));
}

async function deleteWith(run: DmlRun, stmt: DeleteStatement, plan: DeletePlan): Promise<StatementResult> {
  const env = run.env;
  const { table, before, after, target, scope, source, returning } = plan;
  const fk = fkPlan(run, table, 'delete', { ignoreErrors: run.dropping === true });
  if (stmt.where === undefined && stmt.returning === undefined && before.length === 0 && after.length === 0 && fk === undefined) {
    const pager = pagerOf(table, env.pager);
    const changes = await countEntries(pager, table.rootPage);
    await clearTree(pager, table.rootPage);
    for (const ix of table.indexes) if (ix.rootPage > 0 && ix.rootPage !== table.rootPage) await clearTree(pager, ix.rootPage);
    return { changes, lastInsertRowid: undefined, schemaChanged: false };
  }
  const writer = (plan.writer ??= new TableWriter(env, table));
  writer.rebind(env);
  writer.replaceDelete = undefined;
  plan.match ??= planMatch(run, table, scope, source, stmt.where);
  const matched = await matchRows(run, plan.match, writer, scope, source);
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
