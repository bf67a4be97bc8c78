/**
 * SQLite compiles the trigger programs a statement may run when it prepares the statement, so a
 * trigger whose body names a missing table, column or function makes the statement fail even
 * when no row fires it ("no such table: main.t3", "table log has no column named x"). This
 * does the same: before a statement runs, every trigger it may fire (and, in turn, theirs) is
 * compiled once per schema without running anything.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TriggerInfo } from '../../schema/schema-types.js';
import type { Statement } from '../../sql/ast.js';
import { compileSelect } from '../select/compile-select.js';
import { addTableSource, compileEnvOf, newScope, type DmlRun } from './dml-run.js';
import { insertTargets } from './insert-rows.js';
import { targetTable } from './target-table.js';
import { TableWriter } from './table-writer.js';
import { bodyOf, selectTriggers, triggerEnv, triggerScope, type TriggerTarget } from './triggers.js';
import { compileSets, tableTriggerTarget } from './update.js';
import { compileUpserts } from './upsert.js';
import { rtreeTarget } from '../vtab/rtree-dml.js';

const checked = new WeakMap<Schema, Set<string>>();

/** Compiles `triggers` (fired with OLD and/or NEW rows of `target`) and what they may fire. */
export function checkTriggers(run: DmlRun, triggers: readonly TriggerInfo[], target: TriggerTarget, old: boolean, neu: boolean, stack: readonly string[] = []): void {
  const schema = run.env.schema;
  let done = checked.get(schema);
  if (done === undefined) {
    done = new Set();
    checked.set(schema, done);
  }
  for (const t of triggers) {
    const key = asciiLower(t.name);
    if (done.has(key) || stack.includes(key)) continue;
    const scope = triggerScope(run, target, old, neu);
    if (t.when !== undefined) scope.compile(t.when);
    const sub: DmlRun = { ...run, env: triggerEnv(run.env, t), frame: { scope, row: [] } };
    for (const stmt of bodyOf(t)) checkStatement(sub, stmt, [...stack, key]);
    done.add(key);
  }
}

function checkStatement(run: DmlRun, stmt: Statement, stack: readonly string[]): void {
  const schema = run.env.schema;
  switch (stmt.kind) {
    case 'insert': {
      if (schema.view(stmt.table.name) !== undefined || rtreeTarget(schema, stmt.table) !== undefined) return;
      const table = targetTable(run.env, stmt.table, true);
      const targets = stmt.source.kind === 'default-values' ? [] : insertTargets(table, stmt.columns);
      const src = stmt.source;
      if (src.kind === 'values') {
        const scope = newScope(run);
        for (const row of src.rows) {
          if (row.length !== targets.length) {
            throw new SqliteError(
              'SQLITE_ERROR',
              stmt.columns === undefined ? `table ${table.name} has ${table.columns.length} columns but ${row.length} values were supplied` : `${row.length} values for ${targets.length} columns`,
            );
          }
          for (const e of row) scope.compile(e);
        }
      } else if (src.kind === 'select') {
        compileSelect(src.select, compileEnvOf(run), run.frame?.scope);
      }
      if (stmt.upsert !== undefined && stmt.upsert.length > 0) compileUpserts(run, table, new TableWriter(run.env, table), stmt.alias ?? table.name, stmt.upsert);
      const target = tableTriggerTarget(table);
      checkTriggers(run, [...selectTriggers(run, table, 'INSERT', 'BEFORE'), ...selectTriggers(run, table, 'INSERT', 'AFTER')], target, false, true, stack);
      return;
    }
    case 'update': {
      if (schema.view(stmt.table.name) !== undefined || rtreeTarget(schema, stmt.table) !== undefined) return;
      const table = targetTable(run.env, stmt.table, true);
      const scope = newScope(run);
      addTableSource(scope, table, stmt.alias ?? table.name);
      if (stmt.from === undefined) {
        compileSets(run, table, stmt.set, scope);
        if (stmt.where !== undefined) scope.compile(stmt.where);
      }
      const names = stmt.set.flatMap((s) => s.columns);
      const target = tableTriggerTarget(table);
      checkTriggers(run, [...selectTriggers(run, table, 'UPDATE', 'BEFORE', names), ...selectTriggers(run, table, 'UPDATE', 'AFTER', names)], target, true, true, stack);
      return;
    }
    case 'delete': {
      if (schema.view(stmt.table.name) !== undefined || rtreeTarget(schema, stmt.table) !== undefined) return;
      const table = targetTable(run.env, stmt.table, true);
      const scope = newScope(run);
      addTableSource(scope, table, stmt.alias ?? table.name);
      if (stmt.where !== undefined) scope.compile(stmt.where);
      const target = tableTriggerTarget(table);
      checkTriggers(run, [...selectTriggers(run, table, 'DELETE', 'BEFORE'), ...selectTriggers(run, table, 'DELETE', 'AFTER')], target, true, false, stack);
      return;
    }
    case 'select':
      compileSelect(stmt, compileEnvOf(run), run.frame?.scope);
      return;
    default:
      return;
  }
}
