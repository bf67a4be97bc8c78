/**
 * The general INSERT (insert.ts keeps the fast path for plain VALUES): INSERT … SELECT (the
 * SELECT's rows are read in full before the first is written, so `INSERT INTO t SELECT … FROM t`
 * sees only the rows that were there), VALUES with subqueries, UPSERT, RETURNING, triggers,
 * and INSERT into a view through its INSTEAD OF triggers.
 *
 * Per row, as SQLite's insert.c: values → column affinity → BEFORE INSERT triggers (NEW.rowid
 * is -1 when the rowid is not given) → the rowid chosen → NOT NULL / CHECK → uniqueness (with
 * the upsert clauses, see upsert.ts) → the row written → its RETURNING row → AFTER INSERT
 * triggers.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo, TriggerInfo } from '../../schema/schema-types.js';
import type { InsertStatement } from '../../sql/ast.js';
import { compileSelect } from '../select/compile-select.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';
import type { CompiledQuery } from '../select/query-types.js';
import type { EvalContext, Scope } from '../expr-contract.js';
import type { Value } from '../value.js';
import { readSequence, writeSequence } from './autoincrement.js';
import { addTableSource, compileEnvOf, evaluateAll, newScope, placeRow, rowBuffer, withCtes, type DmlRun } from './dml-run.js';
import type { StatementResult } from './exec-env.js';
import { rowidValue } from './insert.js';
import { compileReturning, returningRow, type Returning } from './returning.js';
import { columnConverter, columnDefault } from './row-codec.js';
import { targetSchema, targetTable } from './target-table.js';
import { TableWriter, type StoredRow } from './table-writer.js';
import { fireTriggers, replaceFiresDeleteTriggers, selectTriggers, type TriggerTarget } from './triggers.js';
import { checkTriggers } from './trigger-check.js';
import { setSlot, tableTriggerTarget, type UpdateContext } from './update.js';
import { compileUpserts, runUpsert, type Upserts } from './upsert.js';
import { PlanMemo } from './plan-memo.js';
import { insteadOfInsert } from './view-write.js';
import { fkNewRow, fkPlan, fkReplaceDeletes } from './foreign-keys.js';
import { rtreeInsert, rtreeTarget } from '../vtab/rtree-dml.js';

const EMPTY_SCOPE: Scope = { resolveColumn: () => undefined };
const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

/**
 * Per value position: the column it sets (nCol: the rowid). Without a column list, the columns
 * that are not generated, in order (SQLite's "table t has N columns" counts only those).
 */
export function insertTargets(table: TableInfo, columns: readonly string[] | undefined): number[] {
  const nCol = table.columns.length;
  if (columns === undefined) return table.columns.flatMap((c, i) => (c.generated === undefined ? [i] : []));
  return columns.map((name) => {
    const key = asciiLower(name);
    const i = table.columns.findIndex((c) => asciiLower(c.name) === key);
    if (i >= 0 && table.columns[i]!.generated !== undefined) {
      throw new SqliteError('SQLITE_ERROR', `cannot INSERT into generated column "${table.columns[i]!.name}"`);
    }
    if (i >= 0) return i;
    if (!table.withoutRowid && ROWID_NAMES.has(key)) return nCol;
    throw new SqliteError('SQLITE_ERROR', `table ${table.name} has no column named ${name}`);
  });
}

/** An INSERT's source compiled: its SELECT, or its VALUES rows in their own scope. */
type CompiledSource =
  | { readonly kind: 'select'; readonly query: CompiledQuery }
  | { readonly kind: 'values'; readonly scope: CoreScope; readonly rows: readonly (readonly TrackedExpr[])[] };

/** Compiled sources per (statement, schema, enclosing scope): they hold no per-run state. */
const sources = new PlanMemo<InsertStatement, CompiledSource>();

function compileSource(run: DmlRun, stmt: InsertStatement, name: string, width: number, nCol: number): CompiledSource {
  const src = stmt.source;
  const mismatch = (n: number): SqliteError =>
    new SqliteError(
      'SQLITE_ERROR',
      stmt.columns === undefined ? `table ${name} has ${nCol} columns but ${n} values were supplied` : `${n} values for ${width} columns`,
    );
  if (src.kind === 'select') {
    const query = compileSelect(src.select, compileEnvOf(run), run.frame?.scope);
    if (width >= 0 && query.columns.length !== width) throw mismatch(query.columns.length);
    return { kind: 'select', query };
  }
  const scope = newScope(run);
  const rows = src.kind === 'default-values' ? [] : src.rows.map((exprs) => {
    if (width >= 0 && exprs.length !== width) throw mismatch(exprs.length);
    return exprs.map((e) => scope.compile(e));
  });
  return { kind: 'values', scope, rows };
}

/** The source rows, all read before the first is written (`width` < 0: lengths not checked here). */
async function sourceRows(run: DmlRun, stmt: InsertStatement, name: string, width: number, nCol: number): Promise<Value[][]> {
  if (stmt.source.kind === 'default-values') return [[]];
  const compile = (): CompiledSource => compileSource(run, stmt, name, width, nCol);
  // A WITH clause's CTEs are per run: then the source is compiled each time.
  const c = run.ctes === undefined ? sources.get(stmt, run.env.schema, run.frame?.scope, compile) : compile();
  const out: Value[][] = [];
  if (c.kind === 'select') {
    for await (const b of c.query.batches(run.rt, run.frame?.row)) out.push(...b);
    return out;
  }
  for (const exprs of c.rows) out.push(await evaluateAll(exprs, rowBuffer(c.scope, run), run.rt));
  return out;
}

/**
 * What an INSERT compiles from its AST and the schema: built once and reused while the schema
 * and the enclosing scope are the same (plan-memo.ts); an INSERT with UPSERT clauses compiles
 * them (and so the whole plan) per execution.
 */
interface InsertRunPlan {
  readonly table: TableInfo;
  readonly targets: readonly number[];
  readonly name: string;
  readonly scope: CoreScope;
  readonly source: Source;
  readonly writer: TableWriter;
  readonly returning: Returning | undefined;
  readonly upserts: Upserts | undefined;
  readonly before: readonly TriggerInfo[];
  readonly after: readonly TriggerInfo[];
  readonly target: TriggerTarget;
  /** Per declared column: its DEFAULT, and affinity (and STRICT type check) for a stored value. */
  defaults: readonly ((ctx: EvalContext) => Value)[] | undefined;
  convert: readonly ((v: Value) => Value)[] | undefined;
}

const insertPlans = new PlanMemo<InsertStatement, InsertRunPlan>();

function buildInsertPlan(run: DmlRun, stmt: InsertStatement, text: string | undefined): InsertRunPlan {
  const env = run.env;
  const table = targetTable(env, stmt.table);
  const targets = stmt.source.kind === 'default-values' ? [] : insertTargets(table, stmt.columns);
  const name = stmt.alias ?? table.name;
  const scope = newScope(run);
  const source = addTableSource(scope, table, name);
  const writer = new TableWriter(env, table);
  const returning = stmt.returning === undefined ? undefined : compileReturning(stmt.returning, scope, source, table, run, text);
  const upserts = compileUpserts(run, table, writer, name, stmt.upsert ?? []);
  const before = selectTriggers(run, table, 'INSERT', 'BEFORE');
  const after = selectTriggers(run, table, 'INSERT', 'AFTER');
  const target = tableTriggerTarget(table);
  checkTriggers(run, [...before, ...after], target, false, true);
  return { table, targets, name, scope, source, writer, returning, upserts, before, after, target, defaults: undefined, convert: undefined };
}

export async function runInsert(outer: DmlRun, stmt: InsertStatement, text: string | undefined): Promise<StatementResult> {
  const run = withCtes(outer, stmt.with);
  const env = run.env;
  // A statement with a plan names a table (plans are made for tables only): no view or R*Tree to look for.
  if (!insertPlans.has(stmt, env.schema, run.frame?.scope)) {
    const view = targetSchema(env.schema, stmt.table).view(stmt.table.name);
    if (view !== undefined) {
      // The lengths are checked against the view's columns by insteadOfInsert.
      return insteadOfInsert(run, view, stmt, await sourceRows(run, stmt, view.name, -1, -1));
    }
    const rtree = rtreeTarget(env.schema, stmt.table);
    if (rtree !== undefined) return rtreeInsert(run, rtree, stmt, await sourceRows(run, stmt, rtree.name, -1, -1), text);
  }
  // A WITH clause's CTEs are per run, and UPSERT clauses hold the run: such a statement is compiled each time.
  if (run.ctes !== undefined || (stmt.upsert !== undefined && stmt.upsert.length > 0)) return insertWith(run, stmt, buildInsertPlan(run, stmt, text));
  return insertPlans.with(stmt, env.schema, run.frame?.scope, () => buildInsertPlan(run, stmt, text), (plan) => insertWith(run, stmt, plan));
}

async function insertWith(run: DmlRun, stmt: InsertStatement, plan: InsertRunPlan): Promise<StatementResult> {
  const env = run.env;
  const { table, targets, scope, source, writer, returning, upserts, before, after, target } = plan;
  const orClause = run.orOverride ?? stmt.conflict;
  const nCol = table.columns.length;
  writer.rebind(env);
  writer.replaceDelete = undefined;
  replaceFiresDeleteTriggers(run, writer, target, orClause);
  const returned: Value[][] = [];
  const update: UpdateContext | undefined =
    upserts === undefined
      ? undefined
      : {
          run,
          table,
          writer,
          orClause: 'ABORT',
          before: selectTriggers(run, table, 'UPDATE', 'BEFORE', upserts.setNames),
          after: selectTriggers(run, table, 'UPDATE', 'AFTER', upserts.setNames),
          target,
          returning: returning === undefined ? undefined : { spec: returning, scope, source, rows: returned },
        };

  if (update !== undefined) checkTriggers(run, [...update.before, ...update.after], target, true, true);
  const rows = await sourceRows(run, stmt, table.name, targets.length, stmt.columns === undefined ? targets.length : nCol);
  const slotSource = new Array<number>(nCol + 1).fill(-1);
  targets.forEach((slot, i) => (slotSource[slot] = i));
  const alias = table.withoutRowid ? -1 : table.rowidAlias;
  const rowidSource = table.withoutRowid ? -1 : alias >= 0 && slotSource[alias]! >= 0 ? slotSource[alias]! : slotSource[nCol]!;
  const singleRow = stmt.source.kind !== 'select' && rows.length === 1 && before.length === 0 && after.length === 0 && upserts === undefined && !writer.mayReplace(orClause);
  const fkOptions = { singleRow, replace: { writer, orClause, rowidGiven: rowidSource >= 0 } };
  const fk = fkPlan(run, table, 'insert', fkOptions);
  fkReplaceDeletes(run, writer, 'insert', fkOptions);
  if (update !== undefined) update.fk = fkPlan(run, table, 'update', { changed: new Set(upserts!.setNames.map((n) => setSlot(table, n))) });
  const defaults = (plan.defaults ??= table.columns.map((c, i): ((ctx: EvalContext) => Value) => {
    const d = columnDefault(table, i);
    if (d !== undefined) return () => d;
    const f = env.compile(c.defaultExpr!, EMPTY_SCOPE);
    return (ctx) => f([], ctx);
  }));
  const convert = (plan.convert ??= table.columns.map((_c, i) => (i === table.rowidAlias && !table.withoutRowid ? (v: Value) => v : columnConverter(table, i, false))));

  const seqBefore = table.autoincrement ? await readSequence(env, table) : undefined;
  let seqMax = seqBefore?.seq;
  let changes = 0;
  let lastInsertRowid: bigint | undefined;
  for (const values of rows) {
    const row = new Array<Value>(nCol);
    for (let i = 0; i < nCol; i++) {
      const at = slotSource[i]!;
      row[i] = convert[i]!(at >= 0 ? (values[at] ?? null) : defaults[i]!(env.ctx));
    }
    const given = rowidSource >= 0 ? rowidValue(values[rowidSource] ?? null) : null;
    if (before.length > 0) {
      // NEW.rowid (and the INTEGER PRIMARY KEY) read -1 while the rowid is still to be chosen.
      const shown = table.withoutRowid ? undefined : (given ?? -1n);
      const image = [...row];
      if (alias >= 0 && shown !== undefined) image[alias] = shown;
      writer.computeGenerated({ rowid: shown, row: image });
      if (!(await fireTriggers(run, before, target, undefined, { row: image, rowid: shown }, orClause))) continue;
    }
    let rowid: bigint | undefined;
    let fresh = false;
    if (!table.withoutRowid) {
      if (given !== null) rowid = given;
      else {
        rowid = await writer.newRowid(seqMax);
        fresh = true;
      }
      if (alias >= 0) row[alias] = rowid;
      // OP_MemMax: the sequence follows every rowid chosen, even for a row then IGNOREd.
      if (seqMax !== undefined && rowid > seqMax) seqMax = rowid;
    }
    const stored: StoredRow = { rowid, row };
    if (!writer.checkRow(stored, orClause)) continue;
    const hit = await writer.checkUniqueUpsert(stored, orClause, fresh, undefined, upserts?.clauseOf, upserts?.targetOf);
    if (hit === false) continue;
    if (hit !== true) {
      if (await runUpsert(upserts!, update!, hit, stored)) changes++;
      continue;
    }
    if (fk !== undefined) await fkNewRow(run, fk, stored);
    await writer.writeStored(stored);
    changes++;
    if (rowid !== undefined) lastInsertRowid = rowid;
    if (returning !== undefined) {
      const buffer = rowBuffer(scope, run);
      placeRow(buffer, source, row, rowid);
      returned.push(await returningRow(returning, buffer, run));
    }
    if (after.length > 0) await fireTriggers(run, after, target, undefined, stored, orClause);
  }
  if (seqBefore !== undefined) await writeSequence(env, table, seqBefore, seqMax!);
  return {
    changes,
    lastInsertRowid,
    schemaChanged: false,
    ...(returning !== undefined && { returned: { columns: returning.columns, rows: returned } }),
  };
}

