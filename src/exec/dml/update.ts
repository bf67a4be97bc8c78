/**
 * UPDATE [OR conflict] t SET … [FROM …] [WHERE …] [RETURNING …]
 * (https://www.sqlite.org/lang_update.html), in two passes as SQLite's two-pass update: first
 * the identities (rowid / PRIMARY KEY) of the rows that satisfy WHERE are collected, then each
 * row is re-read, its new image computed from the old one (`applyUpdate`), NOT NULL and CHECK
 * judged, and only what differs is changed (row-diff.ts): the index entries whose values change
 * are removed, uniqueness is checked for those indexes (and for the rowid / PRIMARY KEY when it
 * moves), then the new entries are written and the table cell is replaced in place (or moved,
 * when the rowid or its alias is set). A one-row UPDATE of a non-indexed column so dirties the
 * table leaf only, not every index of the table.
 *
 * SET values: `col = expr` and row values `(a, b) = (x, y)` / `(a, b) = (SELECT x, y …)`; a
 * column named twice takes the last value. Without FROM they are computed in the second pass
 * from the row as it is then; with FROM (UPDATE … FROM) the first pass is a join run by the
 * SELECT executor and computes them there, as SQLite's updateFromSelect does. Subqueries may
 * appear anywhere, correlated or not.
 *
 * Triggers: BEFORE UPDATE triggers see OLD and NEW; if they change or delete the row, the row is
 * read again (a deleted row is skipped) and the columns the SET list does not assign are taken
 * from it. AFTER UPDATE triggers run after the change and after the RETURNING row.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo, TriggerInfo } from '../../schema/schema-types.js';
import type { ConflictClause, Expr, FromItem, ResultColumn, SelectStatement, SetClause, UpdateStatement } from '../../sql/ast.js';
import { compileSelect } from '../select/compile-select.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';
import type { CompiledQuery } from '../select/query-types.js';
import type { Value } from '../value.js';
import { addTableSource, compileEnvOf, evaluate, newScope, placeRow, rowBuffer, topRun, withCtes, type DmlRun } from './dml-run.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { rowidValue } from './insert.js';
import { compileReturning, returningRow, type Returning } from './returning.js';
import { columnValue } from './row-codec.js';
import { unchanged } from './row-diff.js';
import { matchRows, planMatch, rowidName, type MatchPlan } from './match-rows.js';
import { PlanMemo } from './plan-memo.js';
import { targetSchema, targetTable } from './target-table.js';
import { TableWriter, type StoredRow } from './table-writer.js';
import { fireTriggers, replaceFiresDeleteTriggers, selectTriggers, type TriggerTarget } from './triggers.js';
import { checkTriggers } from './trigger-check.js';
import { insteadOfUpdate } from './view-write.js';
import { fkActions, fkNewRow, fkOldRow, fkPlan, fkReplaceDeletes, type FkPlan } from './foreign-keys.js';
import { rtreeTarget, rtreeUpdate } from '../vtab/rtree-dml.js';
import { beforeUpdateImage } from '../generated/before-update-image.js';

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/** One SET item: the slots it assigns (column index, or nCol for the rowid) and where the values come from. */
interface SetItem {
  readonly slots: readonly number[];
  readonly value: { readonly kind: 'exprs'; readonly exprs: readonly TrackedExpr[] } | { readonly kind: 'query'; readonly query: CompiledQuery };
}

/** An assignment list ready to apply: slot → value. */
export type Assignments = readonly (readonly [number, Value])[];

/** What `applyUpdate` needs about the statement (shared with an upsert's DO UPDATE). */
export interface UpdateContext {
  readonly run: DmlRun;
  readonly table: TableInfo;
  readonly writer: TableWriter;
  readonly orClause: ConflictClause | undefined;
  readonly before: readonly TriggerInfo[];
  readonly after: readonly TriggerInfo[];
  readonly target: TriggerTarget;
  readonly returning: { readonly spec: Returning; readonly scope: CoreScope; readonly source: Source; readonly rows: Value[][] } | undefined;
  /** The foreign keys the update checks (foreign_keys on), see foreign-keys.ts. */
  fk?: FkPlan | undefined;
}

/**
 * OLD./NEW. as a trigger program sees them: the table's columns with their collations but no
 * affinity — SQLite's trigger column references (TK_TRIGGER) have none, so `old.a = b` with an
 * INT column a and an untyped b holding '1' is false there, as here.
 */
export function tableTriggerTarget(table: TableInfo): TriggerTarget {
  // One object per table (of one schema): trigger programs are cached per target (triggers.ts).
  let target = triggerTargets.get(table);
  if (target === undefined) {
    target = {
      name: table.name,
      columns: table.columns.map((c) => ({ name: c.name, affinity: 'BLOB' as const, collation: c.collation })),
      hasRowid: !table.withoutRowid,
    };
    triggerTargets.set(table, target);
  }
  return target;
}

const triggerTargets = new WeakMap<TableInfo, TriggerTarget>();

/** The slot a SET column names (a column, or nCol for the rowid), with SQLite's message when none. */
export function setSlot(table: TableInfo, name: string): number {
  const key = asciiLower(name);
  const slot = table.columns.findIndex((c) => asciiLower(c.name) === key);
  if (slot >= 0 && table.columns[slot]!.generated !== undefined) {
    throw new SqliteError('SQLITE_ERROR', `cannot UPDATE generated column "${table.columns[slot]!.name}"`);
  }
  if (slot >= 0) return slot;
  if (!table.withoutRowid && ROWID_NAMES.has(key)) return table.columns.length;
  throw new SqliteError('SQLITE_ERROR', `no such column: ${name}`);
}

/** The values a row-value SET assigns: `(a, b) = (x, y)` gives x, y; a single column gives its expression. */
function setExprs(s: SetClause): readonly Expr[] | undefined {
  if (s.columns.length === 1) return [s.value];
  if (s.value.kind === 'vector') {
    if (s.value.items.length !== s.columns.length) throw new SqliteError('SQLITE_ERROR', `${s.columns.length} columns assigned ${s.value.items.length} values`);
    return s.value.items;
  }
  if (s.value.kind === 'subquery') return undefined;
  throw new SqliteError('SQLITE_ERROR', `${s.columns.length} columns assigned 1 values`);
}

/** Compiles SET items against `scope` (the target row, and `excluded` for an upsert). */
export function compileSets(run: DmlRun, table: TableInfo, set: readonly SetClause[], scope: CoreScope): SetItem[] {
  return set.map((s) => {
    const slots = s.columns.map((c) => setSlot(table, c));
    const exprs = setExprs(s);
    if (exprs !== undefined) return { slots, value: { kind: 'exprs', exprs: exprs.map((e) => scope.compile(e)) } };
    const select = (s.value as Expr & { kind: 'subquery' }).select;
    const query = compileSelect(select, compileEnvOf(run), scope);
    if (query.columns.length !== slots.length) throw new SqliteError('SQLITE_ERROR', `${slots.length} columns assigned ${query.columns.length} values`);
    return { slots, value: { kind: 'query', query } };
  });
}

/** Evaluates SET items on a row buffer: the assignments in order (a later one wins). */
export async function evaluateSets(items: readonly SetItem[], buffer: Value[], run: DmlRun): Promise<[number, Value][]> {
  const out: [number, Value][] = [];
  for (const item of items) {
    if (item.value.kind === 'exprs') {
      const exprs = item.value.exprs;
      for (let i = 0; i < exprs.length; i++) {
        const v = evaluate(exprs[i]!, buffer, run.rt);
        out.push([item.slots[i]!, v instanceof Promise ? await v : v]);
      }
    } else {
      let first: Value[] | undefined;
      for await (const b of item.value.query.batches(run.rt, buffer, 1)) {
        first = b[0];
        break;
      }
      item.slots.forEach((slot, i) => out.push([slot, first?.[i] ?? null]));
    }
  }
  return out;
}

/** The new image of `base` with `assign` applied (affinity, STRICT types, the rowid alias). */
function newImage(table: TableInfo, base: StoredRow, assign: Assignments): StoredRow {
  const nCol = table.columns.length;
  const row = [...base.row];
  let rowid = base.rowid;
  for (const [slot, v] of assign) {
    if (slot === nCol || (slot === table.rowidAlias && !table.withoutRowid)) {
      const r = rowidValue(v);
      // SQLite refuses a NULL rowid in UPDATE (it never picks a new one there).
      if (r === null) throw new SqliteError('SQLITE_MISMATCH', 'datatype mismatch');
      rowid = r;
    } else {
      row[slot] = columnValue(table, slot, v, false); // STRICT types: in checkRow, after NOT NULL
    }
  }
  if (table.rowidAlias >= 0 && !table.withoutRowid) row[table.rowidAlias] = rowid!;
  return { rowid, row };
}

/**
 * Updates one row: BEFORE triggers, constraints, the change, RETURNING, AFTER triggers.
 * Returns whether the row counts as changed (an IGNOREd or RAISE(IGNORE)d row does not).
 */
export async function applyUpdate(u: UpdateContext, old: StoredRow, assign: Assignments): Promise<boolean> {
  const { table, writer, orClause } = u;
  let next = newImage(table, old, assign);
  if (u.before.length > 0) {
    const shown = beforeUpdateImage(table, u.before, assign, next);
    if (!(await fireTriggers(u.run, u.before, u.target, old, shown, orClause))) return false;
    // The triggers may have changed or deleted the row: SQLite reads it again and keeps only
    // the assigned columns of the new image.
    const now = await writer.reread(old);
    if (now === undefined) return false;
    old = now;
    next = newImage(table, now, assign);
  }
  // NOT NULL and CHECK read nothing from the tree: judged before anything changes (and they
  // may fill in defaults under REPLACE, which the diff must see).
  if (!writer.checkRow(next, orClause)) return false; // IGNORE: the row stays as it was
  const diff = writer.diff(old, next);
  if (!unchanged(diff)) {
    // Only the changed index entries (and the cell, when the rowid / PRIMARY KEY moves) leave
    // before the uniqueness checks; an unchanged entry is the row's own and needs no check.
    await writer.deleteStored(old, diff);
    const restore = { ...diff, record: diff.identity };
    let keep: boolean;
    try {
      keep = await writer.checkUnique(next, orClause, false, diff);
    } catch (err) {
      // The removed parts go back before the error propagates: OR FAIL keeps the statement's
      // earlier rows, and must not lose this one.
      await writer.writeStored(old, undefined, restore);
      throw err;
    }
    if (!keep) {
      await writer.writeStored(old, undefined, restore); // IGNORE: the row stays as it was
      return false;
    }
    if (u.fk !== undefined) {
      // Foreign keys see the old row in place (D.1, D.2), then the new one without it (I.1, I.2).
      await writer.writeStored(old, undefined, restore);
      await fkOldRow(u.run, u.fk, old);
      await writer.deleteStored(old, diff);
      await fkNewRow(u.run, u.fk, next);
    }
    await writer.writeStored(next, undefined, diff);
  } else if (u.fk !== undefined) {
    await fkOldRow(u.run, u.fk, old);
    await fkNewRow(u.run, u.fk, next);
  }
  if (u.fk !== undefined) await fkActions(u.run, u.fk, old, next);
  // An unchanged row counts too: SQLite writes its bytes back unchanged.
  const ret = u.returning;
  if (ret !== undefined) {
    const buffer = rowBuffer(ret.scope, u.run);
    placeRow(buffer, ret.source, next.row, next.rowid);
    ret.rows.push(await returningRow(ret.spec, buffer, u.run));
  }
  if (u.after.length > 0) await fireTriggers(u.run, u.after, u.target, old, next, orClause);
  return true;
}

export function executeUpdate(env: ExecEnv, stmt: UpdateStatement, text?: string): Promise<StatementResult> {
  return runUpdate(topRun(env), stmt, text);
}

/**
 * What an UPDATE compiles from its AST and the schema: built once and reused while the schema
 * and the enclosing scope are the same (plan-memo.ts). `match` is decided at the first pass 1.
 */
interface UpdatePlan {
  readonly table: TableInfo;
  readonly name: string;
  readonly scope: CoreScope;
  readonly source: Source;
  readonly setNames: readonly string[];
  readonly writer: TableWriter;
  readonly before: readonly TriggerInfo[];
  readonly after: readonly TriggerInfo[];
  readonly target: TriggerTarget;
  readonly returning: Returning | undefined;
  /** The SET items (UPDATE without FROM). */
  readonly sets: readonly SetItem[];
  /** The slots SET assigns, and how pass 1 finds the rows: made at the first execution that needs them. */
  changed: ReadonlySet<number> | undefined;
  match: MatchPlan | undefined;
}

const updatePlans = new PlanMemo<UpdateStatement, UpdatePlan>();

function buildUpdatePlan(run: DmlRun, stmt: UpdateStatement, text: string | undefined): UpdatePlan {
  const env = run.env;
  const table = targetTable(env, stmt.table);
  const name = stmt.alias ?? table.name;
  const scope = newScope(run);
  const source = addTableSource(scope, table, name);
  const setNames = stmt.set.flatMap((s) => s.columns);
  const writer = new TableWriter(env, table);
  const before = selectTriggers(run, table, 'UPDATE', 'BEFORE', setNames);
  const after = selectTriggers(run, table, 'UPDATE', 'AFTER', setNames);
  const target = tableTriggerTarget(table);
  const returning = stmt.returning === undefined ? undefined : compileReturning(stmt.returning, scope, source, table, run, text);
  checkTriggers(run, [...before, ...after], target, true, true);
  const sets = stmt.from === undefined ? compileSets(run, table, stmt.set, scope) : [];
  return { table, name, scope, source, setNames, writer, before, after, target, returning, sets, changed: undefined, match: undefined };
}

export async function runUpdate(outer: DmlRun, stmt: UpdateStatement, text: string | undefined): Promise<StatementResult> {
  const run = withCtes(outer, stmt.with);
  const env = run.env;
  // A statement with a plan names a table (plans are made for tables only): no view or R*Tree to look for.
  if (!updatePlans.has(stmt, env.schema, run.frame?.scope)) {
    const view = targetSchema(env.schema, stmt.table).view(stmt.table.name);
    if (view !== undefined) return insteadOfUpdate(run, view, stmt, text);
    const rtree = rtreeTarget(env.schema, stmt.table);
    if (rtree !== undefined) return rtreeUpdate(run, rtree, stmt);
  }
  // A WITH clause's CTEs (and DROP's implicit statements) are per run: such a statement is compiled each time.
  if (run.ctes !== undefined || run.dropping === true) return updateWith(run, stmt, buildUpdatePlan(run, stmt, text));
  return updatePlans.with(stmt, env.schema, run.frame?.scope, () => buildUpdatePlan(run, stmt, text), (plan) => updateWith(run, stmt, plan));
}

async function updateWith(run: DmlRun, stmt: UpdateStatement, plan: UpdatePlan): Promise<StatementResult> {
  const { table, writer, scope, source, setNames } = plan;
  const orClause = run.orOverride ?? stmt.conflict;
  writer.rebind(run.env);
  writer.replaceDelete = undefined;
  const ctx: UpdateContext = {
    run,
    table,
    writer,
    orClause,
    before: plan.before,
    after: plan.after,
    target: plan.target,
    returning: plan.returning === undefined ? undefined : { spec: plan.returning, scope, source, rows: [] },
  };
  replaceFiresDeleteTriggers(run, writer, ctx.target, orClause);
  const changed = (): ReadonlySet<number> => (plan.changed ??= new Set(setNames.map((n) => setSlot(table, n))));
  let changes = 0;
  if (stmt.from !== undefined) {
    // Pass 1 as a join: identities and the SET values of each matching row.
    const matched = await updateFromRows(run, table, plan.name, stmt, stmt.from);
    const fkOptions = { changed: changed(), replace: { writer, orClause, rowidGiven: false } };
    ctx.fk = fkPlan(run, table, 'update', fkOptions);
    fkReplaceDeletes(run, writer, 'update', fkOptions);
    for (const { identity, assign } of matched) {
      const old = await writer.reread(identity);
      if (old === undefined) continue;
      if (await applyUpdate(ctx, old, assign)) changes++;
    }
  } else {
    const fkOptions = { changed: changed(), replace: { writer, orClause, rowidGiven: false } };
    ctx.fk = fkPlan(run, table, 'update', fkOptions);
    fkReplaceDeletes(run, writer, 'update', fkOptions);
    plan.match ??= planMatch(run, table, scope, source, stmt.where);
    const matched = await matchRows(run, plan.match, writer, scope, source);
    for (const m of matched) {
      const old = await writer.reread(m);
      if (old === undefined) continue;
      const buffer = rowBuffer(scope, run);
      placeRow(buffer, source, old.row, old.rowid);
      const assign = await evaluateSets(plan.sets, buffer, run);
      if (await applyUpdate(ctx, old, assign)) changes++;
    }
  }
  return {
    changes,
    lastInsertRowid: undefined,
    schemaChanged: false,
    ...(ctx.returning !== undefined && { returned: { columns: ctx.returning.spec.columns, rows: ctx.returning.rows } }),
  };
}

function col(table: string, column: string): Expr {
  return { kind: 'column', table, column, doubleQuoted: false };
}

/**
 * UPDATE … FROM's first pass: `SELECT <identity>, <SET values> FROM t AS name, <from> WHERE …`
 * run by the SELECT executor. A target row the join matches more than once is updated once,
 * with the first match's values (SQLite leaves which one unspecified).
 */
async function updateFromRows(
  run: DmlRun,
  table: TableInfo,
  name: string,
  stmt: UpdateStatement,
  from: FromItem,
): Promise<{ identity: StoredRow; assign: Assignments }[]> {
  const identityCols: Expr[] = table.withoutRowid
    ? table.primaryKey.map((c) => col(name, table.columns[c]!.name))
    : [col(name, table.rowidAlias >= 0 ? table.columns[table.rowidAlias]!.name : rowidName(table))];
  const slots: number[] = [];
  const values: Expr[] = [];
  for (const s of stmt.set) {
    const exprs = setExprs(s);
    if (exprs === undefined) throw new SqliteError('SQLITE_ERROR', 'row-value SET from a subquery is not supported with UPDATE … FROM yet');
    s.columns.forEach((c, i) => {
      slots.push(setSlot(table, c));
      values.push(exprs[i]!);
    });
  }
  const target = { kind: 'table', name: table.name, alias: name, notIndexed: false } as const;
  const select: SelectStatement = {
    kind: 'select',
    first: {
      kind: 'select-core',
      distinct: false,
      columns: [...identityCols, ...values].map((expr): ResultColumn => ({ kind: 'expr', expr })),
      from: { kind: 'join', op: ',', natural: false, left: target, right: from },
      ...(stmt.where !== undefined && { where: stmt.where }),
    },
    compounds: [],
  };
  const query = compileSelect(select, compileEnvOf(run), run.frame?.scope);
  const seen = new Set<string>();
  const out: { identity: StoredRow; assign: Assignments }[] = [];
  const nId = identityCols.length;
  for await (const batch of query.batches(run.rt, run.frame?.row)) {
    for (const r of batch) {
      const ids = r.slice(0, nId);
      const key = JSON.stringify(ids, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
      if (seen.has(key)) continue;
      seen.add(key);
      const row = new Array<Value>(table.columns.length).fill(null);
      let rowid: bigint | undefined;
      if (table.withoutRowid) table.primaryKey.forEach((c, i) => (row[c] = ids[i] ?? null));
      else rowid = ids[0] as bigint;
      out.push({ identity: { rowid, row }, assign: slots.map((slot, i) => [slot, r[nId + i] ?? null] as const) });
    }
  }
  return out;
}
