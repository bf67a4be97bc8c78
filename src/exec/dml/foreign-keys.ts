/**
 * Foreign key enforcement with `PRAGMA foreign_keys = ON` (https://www.sqlite.org/foreignkeys.html),
 * as SQLite's fkey.c does it: with counters, not by searching the whole database at COMMIT.
 *
 * Each row change does up to four things (fkey.c's I.1, I.2, D.1, D.2):
 *   new child row    its parent key is looked up; not found: counter + 1
 *   old child row    looked up again (only while a counter is non-zero); not found: counter - 1
 *   new parent row   the child rows it satisfies are counted (while non-zero): counter - n
 *   old parent row   the child rows that point at it are counted: counter + n
 * An UPDATE is the old row then the new one, for the keys whose columns its SET list names
 * (every self-referencing key on the child side). NULL in any child column means no check.
 *
 * The counter: the statement's for an immediate constraint (checked when the statement ends:
 * "FOREIGN KEY constraint failed", the statement undone), the connection's for a deferred one
 * (DEFERRABLE INITIALLY DEFERRED) or for any with `PRAGMA defer_foreign_keys` (checked at COMMIT,
 * which then fails and leaves the transaction open). A one-row INSERT outside triggers stops at
 * once instead (SQLite's exception: it has no statement journal).
 *
 * Actions (ON DELETE / ON UPDATE): after the parent row changed, CASCADE, SET NULL and SET DEFAULT
 * run as SQLite's generated trigger programs — `DELETE FROM child WHERE old.pk = ck`, `UPDATE child
 * SET ck = NULL | DEFAULT | new.pk WHERE old.pk = ck` (ON UPDATE only when the key really changed:
 * WHEN NOT(old.pk IS new.pk)) — in a frame like a trigger's, with OR ABORT, so they fire the child's
 * triggers and its own keys' actions in turn, up to 1000 levels. RESTRICT is
 * `SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed') FROM child WHERE old.pk = ck`
 * (SQLITE_CONSTRAINT_TRIGGER, as SQLite), not deferred by anything.
 *
 * Comparisons: a child row is counted when it equals the parent key under the parent column's
 * affinity and collation; the action programs compare `old.pk = ck` with the parent's collation
 * but no affinity (OLD./NEW. in SQLite's trigger programs have none) — so a child that differs
 * only by type is counted as a violation but not cascaded to, exactly as in SQLite. Child rows
 * are found by the SELECT planner, through an index on the child columns when one fits.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { compareValues } from '../../record/compare.js';
import type { ConflictClause, SelectStatement, Statement } from '../../sql/ast.js';
import { parseExpression, parseStatementsWithText } from '../../sql/parser.js';
import { compileSelect } from '../select/compile-select.js';
import type { CoreScope, TrackedExpr } from '../select/query-scope.js';
import type { CompiledQuery } from '../select/query-types.js';
import { isTrue } from '../expr/value-ops.js';
import type { Value } from '../value.js';
import { compileEnvOf, evaluate, type DmlRun } from './dml-run.js';
import type { ExecEnv, FkCounters } from './exec-env.js';
import { foreignKeyFailed } from './foreign-key-state.js';
import { toStored, withAffinity } from './row-codec.js';
import type { StoredRow, TableWriter } from './table-writer.js';
import { parentKeyExists } from './foreign-key-lookup.js';
import { fireTriggers, selectTriggers, triggerScope, type TriggerTarget } from './triggers.js';
import { runTriggerStatement } from './trigger-statements.js';
import { tableTriggerTarget } from './update.js';
import { childKeys, locateParentKey, mismatchError, parentKeys, type FkAction, type ForeignKey, type ParentKey } from './foreign-key-schema.js';

const FK_FAILED = 'FOREIGN KEY constraint failed';
const MAX_DEPTH = 1000;
/** What a foreign key action's frame adds to DmlRun.active: counts toward the depth, never a trigger's name. */
const ACTION_FRAME = '\u0000foreign key action';

export const fkError = foreignKeyFailed;

export function newFkCounters(): FkCounters {
  return { deferAll: false, deferred: 0, deferredImm: 0, statement: 0 };
}

const detached = new WeakMap<ExecEnv, FkCounters>();

function counters(env: ExecEnv): FkCounters {
  const fk = env.settings?.fk;
  if (fk !== undefined) return fk;
  let c = detached.get(env);
  if (c === undefined) {
    c = newFkCounters();
    detached.set(env, c);
  }
  return c;
}

export function fkOn(env: ExecEnv): boolean {
  return env.settings?.foreignKeys === true;
}

/** One foreign key as a statement uses it: its parent key, or undefined for a missing parent (DROP TABLE only). */
export interface ResolvedKey {
  readonly fk: ForeignKey;
  readonly key: ParentKey | undefined;
}

/** The foreign keys one statement checks on one table, resolved when the statement starts. */
export interface FkPlan {
  readonly table: TableInfo;
  /** The table is the child. */
  readonly children: readonly ResolvedKey[];
  /** The table is the parent. */
  readonly parents: readonly ResolvedKey[];
  /** Parent keys whose actions may run (DELETE, or UPDATE of their columns). */
  readonly actions: readonly ResolvedKey[];
  /** The statement may write several rows (else an immediate violation stops it at once). */
  readonly multi: boolean;
  /** A key whose new-row check SQLite's code omits (see setNullQuirk). */
  readonly skipNew: ForeignKey | undefined;
}

export interface PlanOptions {
  /** UPDATE: the slots its SET list assigns (a column, or nCol for the rowid). */
  readonly changed?: ReadonlySet<number>;
  /** INSERT of one VALUES row without triggers: SQLite's single-row case. */
  readonly singleRow?: boolean;
  /** DROP TABLE's implicit DELETE: a missing parent is empty, a mismatch is skipped. */
  readonly ignoreErrors?: boolean;
  /**
   * INSERT / UPDATE: the uniqueness constraints SQLite checks for this statement (INSERT: the
   * rowid only when given; UPDATE: those whose columns it sets) and how each resolves — whether
   * its code holds a REPLACE deletion matters to setNullQuirk.
   */
  readonly replace?: { readonly writer: TableWriter; readonly orClause: ConflictClause | undefined; readonly rowidGiven: boolean };
}

/** Whether SQLite's code for the statement deletes rows for REPLACE (sqlite3GenerateConstraintChecks). */
function replaceCoded(run: DmlRun, table: TableInfo, opts: PlanOptions, op: 'insert' | 'update'): boolean {
  const r = opts.replace;
  if (r === undefined || !r.writer.mayReplace(r.orClause)) return false;
  const changed = opts.changed ?? new Set<number>();
  const schema = run.env.schema;
  const selfChild = op === 'update' && childKeys(schema, table.name).some((fk) => asciiLower(fk.parentName) === asciiLower(table.name) && childModified(fk, table, changed));
  const updateAction = op === 'update' && parentKeys(schema, table.name).some((fk) => fk.onUpdate !== 'NO ACTION' && parentModified(fk, table, changed));
  const nCol = table.columns.length;
  const identity =
    op === 'insert'
      ? table.withoutRowid || r.rowidGiven
      : table.withoutRowid
        ? table.primaryKey.some((c) => changed.has(c))
        : changed.has(nCol) || (table.rowidAlias >= 0 && changed.has(table.rowidAlias));
  // An UPDATE checks every UNIQUE index when its identity changes or its keys need the old row
  // deleted first (a self-referencing key, or a parent key with an ON UPDATE action).
  const allIndexes = op === 'insert' || identity || selfChild || updateAction;
  return r.writer.uniqueConstraints.some((c) => {
    if (!r.writer.replaces(c, r.orClause)) return false;
    if (c < 0) return identity;
    return allIndexes || (r.writer.constraintIndex(c)?.columns.some((k) => changed.has(k.column)) ?? false);
  });
}

/**
 * SQLite 3.40's isSetNullAction() asks whether the trigger program coded last for the statement
 * is the ON … SET NULL action of the key being checked, to skip a pointless new-row check inside
 * that action. But an INSERT or UPDATE that may REPLACE into a self-referencing table codes the
 * ON DELETE actions of the rows it may delete before the new row's own check: when the last of
 * them is that key's SET NULL (and coding its body added no other program — an UPDATE trigger
 * or an ON UPDATE action it would fire), the new row's check for that key is left out, so such a
 * statement never counts its own dangling self-reference. Reproduced, for the same results.
 */
function setNullQuirk(run: DmlRun, table: TableInfo): ForeignKey | undefined {
  const env = run.env;
  const deferAll = counters(env).deferAll;
  let last: ForeignKey | undefined;
  for (const fk of parentKeys(env.schema, table.name)) {
    if (fk.onDelete === 'NO ACTION' || (fk.onDelete === 'RESTRICT' && deferAll)) continue;
    if (locateParentKey(table, fk) === undefined) continue;
    last = fk;
  }
  if (last === undefined || last.onDelete !== 'SET NULL' || asciiLower(last.child.name) !== asciiLower(table.name)) return undefined;
  const nulled = new Set(last.childCols);
  const setNames = last.childCols.map((c) => table.columns[c]!.name);
  if (selectTriggers(run, table, 'UPDATE', 'BEFORE', setNames).length + selectTriggers(run, table, 'UPDATE', 'AFTER', setNames).length > 0) return undefined;
  if (env.settings?.recursiveTriggers === true && selectTriggers(run, table, 'DELETE', 'AFTER').length > 0) return undefined;
  for (const fk of parentKeys(env.schema, table.name)) {
    if (fk.onUpdate !== 'NO ACTION' && !(fk.onUpdate === 'RESTRICT' && deferAll) && parentModified(fk, table, nulled)) return undefined;
  }
  return last;
}

function childModified(fk: ForeignKey, table: TableInfo, changed: ReadonlySet<number>): boolean {
  const nCol = table.columns.length;
  return fk.childCols.some((c) => changed.has(c) || (c === table.rowidAlias && !table.withoutRowid && changed.has(nCol)));
}

function parentModified(fk: ForeignKey, table: TableInfo, changed: ReadonlySet<number>): boolean {
  const nCol = table.columns.length;
  const names = fk.parentNames?.map(asciiLower);
  return table.columns.some((col, i) => {
    const hit = changed.has(i) || (i === table.rowidAlias && !table.withoutRowid && changed.has(nCol));
    if (!hit) return false;
    return names === undefined ? col.pk > 0 : names.includes(asciiLower(col.name));
  });
}

/**
 * What a DELETE (`op` 'delete'), INSERT or UPDATE of `table` checks, or undefined when foreign
 * keys are off or none applies. Throws SQLite's prepare-time errors: "no such table: main.P"
 * for a missing parent, "foreign key mismatch - …" for a parent key without a UNIQUE index.
 */
export function fkPlan(run: DmlRun, table: TableInfo, op: 'insert' | 'update' | 'delete', opts: PlanOptions = {}): FkPlan | undefined {
  const env = run.env;
  if (!fkOn(env) || table.ast === undefined) return undefined;
  const schema = env.schema;
  const c = counters(env);
  const multi = !(op === 'insert' && opts.singleRow === true) || run.frame !== undefined;
  if (!multi) c.noJournal = true;
  const children: ResolvedKey[] = [];
  for (const fk of childKeys(schema, table.name)) {
    if (op === 'update' && asciiLower(fk.parentName) !== asciiLower(table.name) && !childModified(fk, table, opts.changed!)) continue;
    const parent = schema.table(fk.parentName);
    if (parent === undefined) {
      if (opts.ignoreErrors === true) {
        children.push({ fk, key: undefined });
        continue;
      }
      throw new SqliteError('SQLITE_ERROR', `no such table: main.${fk.parentName}`);
    }
    const key = locateParentKey(parent, fk);
    if (key === undefined) {
      if (opts.ignoreErrors === true) continue;
      throw mismatchError(fk);
    }
    children.push({ fk, key });
  }
  const parents: ResolvedKey[] = [];
  const actions: ResolvedKey[] = [];
  for (const fk of parentKeys(schema, table.name)) {
    if (op === 'update' && !parentModified(fk, table, opts.changed!)) continue;
    // A single-row INSERT into a parent cannot cause or fix an immediate violation.
    if (op === 'insert' && !multi && !fk.deferred && !c.deferAll) continue;
    const key = locateParentKey(table, fk);
    if (key === undefined) {
      if (opts.ignoreErrors === true) continue;
      throw mismatchError(fk);
    }
    parents.push({ fk, key });
    if (op !== 'insert') actions.push({ fk, key });
  }
  if (children.length === 0 && parents.length === 0) return undefined;
  const skipNew = op !== 'delete' && replaceCoded(run, table, opts, op) ? setNullQuirk(run, table) : undefined;
  return { table, children, parents, actions, multi, skipNew };
}

// ── Counters ──────────────────────────────────────────────────────────────────────────────

/** OP_FkCounter. */
function bump(env: ExecEnv, fk: ForeignKey, n: number): void {
  const c = counters(env);
  if (c.deferAll) c.deferredImm += n;
  else if (fk.deferred) c.deferred += n;
  else c.statement += n;
}

/** OP_FkIfZero: nothing outstanding that removing a row could fix. */
function nothingOutstanding(env: ExecEnv, fk: ForeignKey): boolean {
  const c = counters(env);
  return fk.deferred ? c.deferred === 0 && c.deferredImm === 0 : c.statement === 0 && c.deferredImm === 0;
}

// ── Child side: is there a parent row? ─────────────────────────────────────────────────────

function rawEqual(a: Value, b: Value, env: ExecEnv): boolean {
  if (a === null || b === null) return false;
  const x = toStored(a);
  const y = toStored(b);
  return compareValues(x.value, x.cls, y.value, y.cls, 'BINARY', env.encoding) === 0;
}

async function parentExists(env: ExecEnv, key: ParentKey, values: readonly Value[], row: StoredRow, selfInsert: boolean): Promise<boolean> {
  const { parent, index } = key;
  if (selfInsert) {
    // The new row may be its own parent: for a rowid key, the child value as an integer equal to
    // its rowid; else every child value equal to its own parent column (as stored, no collation).
    if (index === undefined) {
      const v = withAffinity(values[0]!, 'NUMERIC');
      if (typeof v === 'bigint' && v === row.rowid) return true;
    } else {
      const own = key.parentCols.map((c) => (c === parent.rowidAlias && !parent.withoutRowid ? (row.rowid ?? null) : (row.row[c] ?? null)));
      if (values.every((v, i) => rawEqual(v, own[i]!, env))) return true;
    }
  }
  return parentKeyExists(env.pager, env.encoding, key, values);
}

/** fkLookupParent: a child row added (+1) or removed (-1). */
async function lookupParent(run: DmlRun, plan: FkPlan, r: ResolvedKey, row: StoredRow, incr: 1 | -1): Promise<void> {
  const env = run.env;
  const { fk, key } = r;
  const values = fk.childCols.map((c) => row.row[c] ?? null);
  if (key === undefined) {
    // DROP TABLE of a child whose parent is gone: as if the parent were empty.
    if (values.every((v) => v !== null)) bump(env, fk, -1);
    return;
  }
  if (incr < 0 && nothingOutstanding(env, fk)) return;
  const ordered = key.childCols.map((c) => row.row[c] ?? null);
  if (ordered.some((v) => v === null)) return;
  const selfInsert = incr > 0 && key.parent === fk.child;
  if (await parentExists(env, key, ordered, row, selfInsert)) return;
  if (incr > 0 && !fk.deferred && !counters(env).deferAll && !plan.multi) throw fkError();
  bump(env, fk, incr);
}

// ── Parent side: which child rows point at a parent row? ──────────────────────────────────

const ROWID_NAMES = ['rowid', 'oid', '_rowid_'];

export function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function rowidName(table: TableInfo): string {
  const taken = new Set(table.columns.map((c) => asciiLower(c.name)));
  return ROWID_NAMES.find((n) => !taken.has(n)) ?? 'rowid';
}

/** `old."pk1" = "ck1" AND …`: the parent's affinity and collation on the left. */
function matchTerms(r: ResolvedKey & { key: ParentKey }): string {
  const { key } = r;
  return key.parentCols
    .map((p, i) => `old.${quoteId(key.parent.columns[p]!.name)} = ${quoteId(r.fk.child.columns[key.childCols[i]!]!.name)}`)
    .join(' AND ');
}

/**
 * The parent row as an expression sees it. `affinity`: the child scan's register, which carries
 * the parent column's affinity (exprTableRegister); an action program's OLD./NEW. carry only the
 * collation (SQLite gives trigger column references no affinity).
 */
function parentTarget(table: TableInfo, affinity: boolean): TriggerTarget {
  return {
    name: table.name,
    columns: table.columns.map((c) => ({ name: c.name, affinity: affinity ? c.affinity : 'BLOB', collation: c.collation })),
    hasRowid: !table.withoutRowid,
  };
}

function frameRow(rows: readonly StoredRow[], table: TableInfo): Value[] {
  const out: Value[] = [];
  for (const r of rows) {
    for (let i = 0; i < table.columns.length; i++) out.push(r.row[i] ?? null);
    out.push(r.rowid ?? null);
  }
  return out;
}

const scans = new WeakMap<Schema, Map<string, { readonly query: CompiledQuery; readonly width: number }>>();

/** The compiled `SELECT 1 FROM child WHERE <match> [AND not the row itself]`, per schema. */
function childScan(run: DmlRun, r: ResolvedKey & { key: ParentKey }, excludeSelf: boolean): { query: CompiledQuery; width: number } {
  const schema = run.env.schema;
  let map = scans.get(schema);
  if (map === undefined) {
    map = new Map();
    scans.set(schema, map);
  }
  const id = `${asciiLower(r.fk.child.name)}\u0000${r.fk.id}\u0000${excludeSelf ? 1 : 0}`;
  const hit = map.get(id);
  if (hit !== undefined) return hit;
  const child = r.fk.child;
  const parent = r.key.parent;
  let where = matchTerms(r);
  if (excludeSelf) {
    if (!parent.withoutRowid) {
      const rid = rowidName(parent);
      where += ` AND old.${rid} <> ${quoteId(child.name)}.${rid}`;
    } else {
      const same = r.key.parentCols.map((p) => `old.${quoteId(parent.columns[p]!.name)} IS ${quoteId(child.name)}.${quoteId(parent.columns[p]!.name)}`);
      where += ` AND NOT (${same.join(' AND ')})`;
    }
  }
  const stmt = parseStatementsWithText(`SELECT 1 FROM ${quoteId(child.name)} WHERE ${where}`)[0]!.statement as SelectStatement;
  const scope = triggerScope(run, parentTarget(parent, true), true, false);
  const query = compileSelect(stmt, compileEnvOf({ env: run.env }), scope);
  const out = { query, width: scope.width };
  map.set(id, out);
  return out;
}

/** fkScanChildren: a parent row removed (+1 per child row) or added (-1 per child row). */
async function scanChildren(run: DmlRun, r: ResolvedKey, row: StoredRow, incr: 1 | -1): Promise<void> {
  const env = run.env;
  const { fk, key } = r;
  if (key === undefined) return;
  if (incr < 0 && nothingOutstanding(env, fk)) return;
  const k = { fk, key };
  const { query, width } = childScan(run, k, incr > 0 && key.parent === fk.child);
  const outer = frameRow([row], key.parent);
  while (outer.length < width) outer.push(null);
  let n = 0;
  for await (const batch of query.batches(run.rt, outer)) n += batch.length;
  if (n > 0) bump(env, fk, incr * n);
}

// ── Hooks for the DML executor ────────────────────────────────────────────────────────────

/** A row leaves `plan.table` (DELETE, the old image of an UPDATE, a REPLACE victim): D.1, D.2. */
export async function fkOldRow(run: DmlRun, plan: FkPlan, row: StoredRow): Promise<void> {
  for (const r of plan.children) await lookupParent(run, plan, r, row, -1);
  for (const r of plan.parents) await scanChildren(run, r, row, 1);
}

/** A row enters `plan.table` (INSERT, the new image of an UPDATE): I.1, I.2. */
export async function fkNewRow(run: DmlRun, plan: FkPlan, row: StoredRow): Promise<void> {
  for (const r of plan.children) if (r.fk !== plan.skipNew) await lookupParent(run, plan, r, row, 1);
  for (const r of plan.parents) await scanChildren(run, r, row, -1);
}

// ── Actions ───────────────────────────────────────────────────────────────────────────────

interface ActionProgram {
  readonly statement: Statement;
  /** ON UPDATE: WHEN NOT(old.k IS new.k AND …). */
  readonly when: string | undefined;
  /**
   * The OLD (and NEW) scope the action runs in and its WHEN compiled there, made at its first
   * run: one scope for every parent row, so its statement's plan is compiled once (plan-memo.ts).
   */
  frame?: { readonly scope: CoreScope; readonly when: TrackedExpr | undefined };
}

const programs = new WeakMap<Schema, Map<string, ActionProgram | null>>();

function actionProgram(run: DmlRun, r: ResolvedKey & { key: ParentKey }, update: boolean): ActionProgram | undefined {
  const action: FkAction = update ? r.fk.onUpdate : r.fk.onDelete;
  if (action === 'NO ACTION') return undefined;
  if (action === 'RESTRICT' && counters(run.env).deferAll) return undefined;
  const schema = run.env.schema;
  let map = programs.get(schema);
  if (map === undefined) {
    map = new Map();
    programs.set(schema, map);
  }
  const id = `${asciiLower(r.fk.child.name)}\u0000${r.fk.id}\u0000${update ? 'u' : 'd'}`;
  const cached = map.get(id);
  if (cached !== undefined) return cached ?? undefined;
  const { fk, key } = r;
  const child = quoteId(fk.child.name);
  const where = matchTerms(r);
  const toCol = (i: number): string => quoteId(key.parent.columns[key.parentCols[i]!]!.name);
  const fromCol = (i: number): string => quoteId(fk.child.columns[key.childCols[i]!]!.name);
  let sql: string;
  if (action === 'RESTRICT') {
    sql = `SELECT RAISE(ABORT, '${FK_FAILED}') FROM ${child} WHERE ${where}`;
  } else if (action === 'CASCADE' && !update) {
    sql = `DELETE FROM ${child} WHERE ${where}`;
  } else {
    const sets = key.childCols.map((c, i) => {
      let value = 'NULL';
      if (action === 'CASCADE') value = `new.${toCol(i)}`;
      else if (action === 'SET DEFAULT') {
        const col = fk.child.columns[c]!;
        if (col.defaultText !== undefined && col.generated === undefined) value = `(${col.defaultText})`;
      }
      return `${fromCol(i)} = ${value}`;
    });
    sql = `UPDATE ${child} SET ${sets.join(', ')} WHERE ${where}`;
  }
  const when = update ? `NOT (${key.parentCols.map((_p, i) => `old.${toCol(i)} IS new.${toCol(i)}`).join(' AND ')})` : undefined;
  const program: ActionProgram = { statement: parseStatementsWithText(sql)[0]!.statement, when };
  map.set(id, program);
  return program;
}

function actionFrame(run: DmlRun, parent: TableInfo, program: ActionProgram, update: boolean): NonNullable<ActionProgram['frame']> {
  const scope = triggerScope(run, parentTarget(parent, false), true, update);
  return { scope, when: program.when === undefined ? undefined : scope.compile(parseExpression(program.when)) };
}

/**
 * The ON DELETE (`next` undefined) or ON UPDATE actions for a parent row that was just deleted
 * or updated (sqlite3FkActions), each in its own frame with OLD (and NEW).
 */
export async function fkActions(run: DmlRun, plan: FkPlan, old: StoredRow, next: StoredRow | undefined): Promise<void> {
  for (const r of plan.actions) {
    if (r.key === undefined) continue;
    const program = actionProgram(run, { fk: r.fk, key: r.key }, next !== undefined);
    if (program === undefined) continue;
    if (run.active.length >= MAX_DEPTH) throw new SqliteError('SQLITE_ERROR', 'too many levels of trigger recursion');
    program.frame ??= actionFrame(run, plan.table, program, next !== undefined);
    const scope = program.frame.scope;
    const row = frameRow(next === undefined ? [old] : [old, next], plan.table);
    const sub: DmlRun = {
      env: run.env,
      rt: { eval: run.rt.eval, pager: run.rt.pager, cache: new Map() },
      frame: { scope, row },
      orOverride: 'ABORT',
      active: [...run.active, ACTION_FRAME],
    };
    const when = program.frame.when;
    if (when !== undefined) {
      const buffer = [...row, ...new Array<Value>(Math.max(0, scope.width - row.length)).fill(null)];
      const v = evaluate(when, buffer, sub.rt);
      if (!isTrue(v instanceof Promise ? await v : v)) continue;
    }
    await runTriggerStatement(sub, program.statement);
  }
}

/**
 * With foreign keys on, a row a REPLACE deletes is deleted as by DELETE (sqlite3GenerateRowDelete):
 * its keys checked and its parent keys' ON DELETE actions run — its DELETE triggers still only
 * with recursive_triggers (replaceFiresDeleteTriggers' rule, kept here).
 */
export function fkReplaceDeletes(run: DmlRun, writer: TableWriter, op: 'insert' | 'update', opts: PlanOptions): void {
  // Only when the statement's code holds a REPLACE deletion does it resolve the keys (and fail
  // on a missing parent table or a mismatch).
  if (!fkOn(run.env) || !replaceCoded(run, writer.table, opts, op)) return;
  const plan = fkPlan(run, writer.table, 'delete');
  if (plan === undefined) return;
  const recursive = run.env.settings?.recursiveTriggers === true;
  const before = recursive ? selectTriggers(run, writer.table, 'DELETE', 'BEFORE') : [];
  const after = recursive ? selectTriggers(run, writer.table, 'DELETE', 'AFTER') : [];
  const target = tableTriggerTarget(writer.table);
  writer.replaceDelete = async (victim) => {
    if (before.length > 0 && !(await fireTriggers(run, before, target, victim, undefined, undefined))) return;
    const now = await writer.reread(victim);
    if (now === undefined) return;
    await fkOldRow(run, plan, now);
    await writer.deleteStored(now);
    await fkActions(run, plan, now, undefined);
    if (after.length > 0) await fireTriggers(run, after, target, now, undefined, undefined);
  };
}
