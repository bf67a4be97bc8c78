/**
 * Row triggers (https://www.sqlite.org/lang_createtrigger.html), run as SQLite runs them:
 *
 * - A table's triggers for an event fire newest first (SQLite links each trigger it loads at
 *   the head of the table's list, and loads sqlite_schema in rowid order).
 * - BEFORE triggers run before the row is changed (and before its constraints are checked),
 *   AFTER triggers after the change and after the statement's RETURNING row is computed.
 *   INSTEAD OF triggers (views only) run in place of the change.
 * - `UPDATE OF a, b` fires when the UPDATE's SET list names one of those columns.
 * - WHEN is evaluated with the OLD/NEW rows; the body's INSERT/UPDATE/DELETE/SELECT statements
 *   run in order with OLD./NEW. resolving to the row that fired the trigger.
 * - An OR clause on the statement that fired the trigger overrides the body statements' own.
 * - With recursive_triggers off (SQLite's default) a trigger does not fire while its own program
 *   is running; with it on, nesting stops at 1000 levels ("too many levels of trigger recursion").
 * - RAISE(IGNORE) abandons the program and the row (`fireTriggers` returns false: the caller
 *   skips the row); RAISE(ABORT|FAIL|ROLLBACK, msg) is a TriggerRaiseError.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo, TriggerInfo, ViewInfo } from '../../schema/schema-types.js';
import type { ConflictClause, Statement } from '../../sql/ast.js';
import { parseStatementsWithText } from '../../sql/parser.js';
import { compileSelect } from '../select/compile-select.js';
import { CoreScope, type SourceColumn, type TrackedExpr } from '../select/query-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { RaiseIgnore } from '../expr/raise.js';
import type { Value } from '../value.js';
import { compileEnvOf, evaluate, type DmlRun } from './dml-run.js';
import type { ExecEnv } from './exec-env.js';
import { runTriggerStatement } from './trigger-statements.js';
import { checkTriggers } from './trigger-check.js';
import type { TableWriter } from './table-writer.js';
import { PlanMemo } from './plan-memo.js';

/** One row image a trigger sees as OLD or NEW. */
export interface RowImage {
  readonly row: readonly Value[];
  readonly rowid: bigint | undefined;
}

/** What a trigger is on: a table's columns (with a rowid unless WITHOUT ROWID), or a view's. */
export interface TriggerTarget {
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  readonly hasRowid: boolean;
}

const MAX_TRIGGER_DEPTH = 1000;

/** A scope RAISE() may be compiled in (see expr/raise.ts). */
class TriggerScope extends CoreScope {
  readonly triggerProgram = true;
}

/**
 * The triggers of `table` for `event` at `timing`, in firing order; for UPDATE, only those whose
 * `OF` list (if any) names a column of `setColumns`.
 */
export function selectTriggers(
  run: DmlRun,
  table: string | TableInfo | ViewInfo,
  event: TriggerInfo['event'],
  timing: TriggerInfo['timing'],
  setColumns?: readonly string[],
): TriggerInfo[] {
  const all = run.env.schema.triggersOf(table);
  if (all.length === 0) return [];
  const set = setColumns === undefined ? undefined : new Set(setColumns.map(asciiLower));
  const out: TriggerInfo[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const t = all[i]!;
    if (t.event !== event || t.timing !== timing) continue;
    if (t.updateOf !== undefined && set !== undefined && !t.updateOf.some((c) => set.has(asciiLower(c)))) continue;
    out.push(t);
  }
  return out;
}

/**
 * With recursive_triggers on, a row a REPLACE deletes fires the table's DELETE triggers (SQLite
 * fires them only then); `writer` is told so. Its RAISE(IGNORE) keeps nothing from being deleted.
 */
export function replaceFiresDeleteTriggers(run: DmlRun, writer: TableWriter, target: TriggerTarget, orClause: ConflictClause | undefined): void {
  if (run.env.settings?.recursiveTriggers !== true || !writer.mayReplace(orClause)) return;
  const before = selectTriggers(run, writer.table, 'DELETE', 'BEFORE');
  const after = selectTriggers(run, writer.table, 'DELETE', 'AFTER');
  if (before.length === 0 && after.length === 0) return;
  checkTriggers(run, [...before, ...after], target, true, false);
  writer.replaceDelete = async (victim) => {
    if (before.length > 0 && !(await fireTriggers(run, before, target, victim, undefined, undefined))) return;
    const now = await writer.reread(victim);
    if (now === undefined) return;
    await writer.deleteStored(now);
    if (after.length > 0) await fireTriggers(run, after, target, now, undefined, undefined);
  };
}

/** Whether `table` has any trigger for `event` (so its writes take the general path). */
export function hasTriggers(run: DmlRun, table: string, event: TriggerInfo['event']): boolean {
  return run.env.schema.triggersOf(table).some((t) => t.event === event);
}

/**
 * The environment a trigger's body runs in: its names resolved in the trigger's scope (a main
 * trigger sees main's objects only, a TEMP one TEMP's and then main's, as in SQLite).
 */
export function triggerEnv(env: ExecEnv, t: TriggerInfo): ExecEnv {
  const schema = env.schema.scopeOf(t);
  return schema === env.schema ? env : { ...env, schema };
}

const bodies = new Map<string, Statement[]>();

export function bodyOf(t: TriggerInfo): Statement[] {
  let list = bodies.get(t.sql);
  if (list === undefined) {
    list = parseStatementsWithText(t.body).map((p) => p.statement);
    if (bodies.size >= 256) bodies.clear();
    bodies.set(t.sql, list);
  }
  return list;
}

/**
 * Fires `triggers` (from `selectTriggers`) for one row. Returns false when a program ran
 * RAISE(IGNORE): the caller then leaves the row alone (BEFORE) or goes on with the next row.
 */
export async function fireTriggers(
  run: DmlRun,
  triggers: readonly TriggerInfo[],
  target: TriggerTarget,
  old: RowImage | undefined,
  neu: RowImage | undefined,
  orClause: ConflictClause | undefined,
): Promise<boolean> {
  for (const t of triggers) {
    const key = asciiLower(t.name);
    const recursive = run.env.settings?.recursiveTriggers === true;
    if (run.active.includes(key) && !recursive) continue;
    if (run.active.length >= MAX_TRIGGER_DEPTH) throw new SqliteError('SQLITE_ERROR', 'too many levels of trigger recursion');
    try {
      await runProgram(run, t, target, old, neu, orClause);
    } catch (err) {
      if (err instanceof RaiseIgnore) return false;
      throw err;
    }
  }
  return true;
}

/** The scope a trigger program compiles in: `old` then `new` (as the event has them), each the target's columns and rowid. */
export function triggerScope(run: DmlRun, target: TriggerTarget, old: boolean, neu: boolean): CoreScope {
  const scope = new TriggerScope(compileEnvOf({ env: run.env }), undefined, compileSelect);
  const add = (name: string): void => {
    const offset = scope.columnWidth;
    scope.addSource(
      {
        name,
        columns: target.columns,
        rowidSlot: target.hasRowid ? offset + target.columns.length : undefined,
        table: undefined,
        query: undefined,
        leftJoin: false,
        usingHidden: new Set(),
      },
      target.columns.length + 1,
    );
  };
  if (old) add('old');
  if (neu) add('new');
  return scope;
}

/** A trigger program compiled for one target: the OLD/NEW scope its body compiles in, and its WHEN. */
interface Program {
  readonly scope: CoreScope;
  readonly when: TrackedExpr | undefined;
  readonly old: boolean;
  readonly neu: boolean;
}

/** Programs per trigger (and target: a table's is cached by tableTriggerTarget), per schema. */
const programs = new PlanMemo<TriggerInfo, Program>();

function compileProgram(run: DmlRun, t: TriggerInfo, target: TriggerTarget, old: boolean, neu: boolean): Program {
  const scope = triggerScope(run, target, old, neu);
  return { scope, when: t.when === undefined ? undefined : scope.compile(t.when), old, neu };
}

async function runProgram(
  run: DmlRun,
  t: TriggerInfo,
  target: TriggerTarget,
  old: RowImage | undefined,
  neu: RowImage | undefined,
  orClause: ConflictClause | undefined,
): Promise<void> {
  const hasOld = old !== undefined;
  const hasNew = neu !== undefined;
  // The scope holds no per-firing state (the frame row below does): shared by every firing,
  // so the body's statements find their cached plans under it (plan-memo.ts).
  let program = programs.get(t, run.env.schema, target, () => compileProgram(run, t, target, hasOld, hasNew));
  if (program.old !== hasOld || program.neu !== hasNew) program = compileProgram(run, t, target, hasOld, hasNew);
  const scope = program.scope;
  const frameRow: Value[] = [];
  const add = (image: RowImage): void => {
    for (let i = 0; i < target.columns.length; i++) frameRow.push(image.row[i] ?? null);
    frameRow.push(image.rowid ?? null);
  };
  if (old !== undefined) add(old);
  if (neu !== undefined) add(neu);
  const sub: DmlRun = {
    env: triggerEnv(run.env, t),
    rt: { eval: run.rt.eval, pager: run.rt.pager, cache: new Map() },
    frame: { scope, row: frameRow },
    orOverride: run.orOverride ?? orClause,
    active: [...run.active, asciiLower(t.name)],
  };
  if (program.when !== undefined) {
    const row = [...frameRow, ...new Array<Value>(scope.width - frameRow.length).fill(null)];
    const v = evaluate(program.when, row, sub.rt);
    if (!isTrue(v instanceof Promise ? await v : v)) return;
  }
  for (const stmt of bodyOf(t)) await runTriggerStatement(sub, stmt);
}
