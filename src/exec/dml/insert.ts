/**
 * INSERT [OR conflict] INTO t [(cols)] VALUES (…),(…) | DEFAULT VALUES
 * (https://www.sqlite.org/lang_insert.html). Each row: values evaluated, missing columns take
 * their DEFAULT, affinity (and STRICT types) applied, the rowid chosen (the INTEGER PRIMARY KEY
 * value, else max + 1, AUTOINCREMENT's max(max, seq) + 1), constraints checked, then the row
 * and its index entries written.
 */
import { SqliteError } from '../../errors.js';
import type { WritePath } from '../../btree/write-path.js';
import type { ConflictClause, InsertStatement } from '../../sql/ast.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { CompiledExpr, EvalContext, Scope } from '../expr-contract.js';
import type { Value } from '../value.js';
import { readSequence, writeSequence } from './autoincrement.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from './exec-env.js';
import { columnConverter, columnDefault, withAffinity } from './row-codec.js';
import { targetTable } from './target-table.js';
import { TableWriter } from './table-writer.js';
import { hasSubquery, topRun } from './dml-run.js';
import { insertTargets, runInsert } from './insert-rows.js';
import { fkOn } from './foreign-keys.js';
import { hasForeignKeys } from './foreign-key-schema.js';

const EMPTY_SCOPE: Scope = { resolveColumn: () => undefined };
/** The row VALUES and DEFAULT expressions are evaluated on: they name no column (EMPTY_SCOPE), so none is read. One shared array, not one per value. */
const NO_ROW: Value[] = [];

/** The rowid a value given for the rowid / INTEGER PRIMARY KEY becomes (SQLITE_MISMATCH if none). */
export function rowidValue(v: Value): bigint | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  const r = withAffinity(v, 'INTEGER');
  if (typeof r !== 'bigint') throw new SqliteError('SQLITE_MISMATCH', 'datatype mismatch');
  return r;
}

/**
 * Everything about an INSERT that depends only on its AST and the schema: the target table,
 * where each column's value comes from, the compiled VALUES and DEFAULT expressions and the
 * table writer (index plans, CHECKs). Built once and reused while the schema object is the
 * same — a bulk load runs the same statement text thousands of times, and the caller hands
 * back the same (cached, parameter-numbered) AST each time.
 */
interface InsertPlan {
  readonly schema: Schema;
  readonly table: TableInfo;
  readonly writer: TableWriter;
  /** Compiled expressions of each VALUES row (one empty row for DEFAULT VALUES). */
  readonly rows: readonly (readonly CompiledExpr[])[];
  /** Per declared column: the value position that supplies it, or -1 for its DEFAULT. */
  readonly source: readonly number[];
  /** The value position that gives the rowid explicitly (alias column first, then rowid/oid/_rowid_), or -1. */
  readonly rowidSource: number;
  /** Per declared column: its DEFAULT (constant or evaluated). */
  readonly defaults: readonly ((ctx: EvalContext) => Value)[];
  /** Per declared column: affinity (and STRICT type check) for a stored value. */
  readonly convert: readonly ((v: Value) => Value)[];
  /** The values of a one-row VALUES, evaluated anew by each run (`insertOne` is done with them before it returns or waits). */
  readonly scratch: Value[];
  /** The row being inserted (see `insertOne`). */
  readonly row: Value[];
}

function buildInsertPlan(env: ExecEnv, stmt: InsertStatement): InsertPlan {
  const table = targetTable(env, stmt.table);
  const nCol = table.columns.length;
  // Target slot per value position: a column index, or nCol for the rowid.
  let targets = insertTargets(table, stmt.columns);
  let rows: (readonly CompiledExpr[])[];
  const source = stmt.source;
  if (source.kind === 'select') throw new SqliteError('SQLITE_INTERNAL', 'INSERT … SELECT takes the general path');
  if (source.kind === 'default-values') {
    rows = [[]];
    targets = [];
  } else {
    rows = source.rows.map((exprs) => {
      if (exprs.length !== targets.length) {
        throw new SqliteError(
          'SQLITE_ERROR',
          stmt.columns === undefined
            ? `table ${table.name} has ${targets.length} columns but ${exprs.length} values were supplied`
            : `${exprs.length} values for ${targets.length} columns`,
        );
      }
      return exprs.map((e) => env.compile(e, EMPTY_SCOPE));
    });
  }
  // A slot named twice takes the last value given for it.
  const slotSource = new Array<number>(nCol + 1).fill(-1);
  targets.forEach((slot, i) => {
    slotSource[slot] = i;
  });
  const defaults = table.columns.map((c, i): ((ctx: EvalContext) => Value) => {
    const d = columnDefault(table, i);
    if (d !== undefined) return () => d;
    const f = env.compile(c.defaultExpr!, EMPTY_SCOPE);
    return (ctx) => f(NO_ROW, ctx);
  });
  const alias = table.withoutRowid ? -1 : table.rowidAlias;
  const plan: InsertPlan = {
    schema: env.schema,
    table,
    writer: new TableWriter(env, table),
    rows,
    source: slotSource.slice(0, nCol),
    rowidSource: table.withoutRowid ? -1 : alias >= 0 && slotSource[alias]! >= 0 ? slotSource[alias]! : slotSource[nCol]!,
    defaults,
    convert: table.columns.map((_c, i) => (i === table.rowidAlias ? (v: Value) => v : columnConverter(table, i, false))),
    scratch: new Array<Value>(rows[0]?.length ?? 0).fill(null),
    row: new Array<Value>(nCol).fill(null),
  };
  return plan;
}

/** What `insertOne` did with a row: its rowid (rowid tables), WRITTEN (WITHOUT ROWID), or SKIPPED (IGNORE). */
const WRITTEN: unique symbol = Symbol('written');
const SKIPPED: unique symbol = Symbol('skipped');
type Outcome = bigint | typeof WRITTEN | typeof SKIPPED;

/** AUTOINCREMENT's running maximum over the statement's rows (OP_MemMax). */
interface Sequence {
  max: bigint;
}

/**
 * Runs the INSERT. Synchronous for one VALUES row whose rowid is max + 1 (or given), with no
 * uniqueness to probe and every change fitting its cached leaf: a bulk load's statement then
 * costs no Promise. Anything else continues asynchronously from where it needed to wait.
 */
export function executeInsert(env: ExecEnv, stmt: InsertStatement, text?: string): StatementResult | Promise<StatementResult> {
  // One lookup per run: what the statement needs under this schema, and its plan once built.
  let known = plans.get(stmt);
  if (known === undefined || known.schema !== env.schema) {
    known = { schema: env.schema, general: needsGeneralPath(env, stmt), plan: undefined };
    plans.set(stmt, known);
  }
  if (known.general || (fkOn(env) && hasForeignKeys(env.schema, stmt.table.name))) return runInsert(topRun(env), stmt, text);
  const plan = (known.plan ??= buildInsertPlan(env, stmt));
  plan.writer.rebind(env);
  const ctx = env.ctx;
  if (plan.rows.length === 1 && !plan.table.autoincrement) {
    // The plan's scratch row: insertOne reads the values before anything can run another statement.
    const outcome = insertOne(plan, env, evaluateInto(plan.scratch, plan.rows[0]!, ctx), stmt.conflict, undefined);
    return typeof outcome === 'object' ? outcome.then(resultOf) : resultOf(outcome);
  }
  // Every VALUES row is evaluated before the first is written, as before any constraint check.
  return insertRows(plan, env, stmt, plan.rows.map((fns) => evaluateRow(fns, ctx)));
}

/**
 * Per statement (the caller hands back the same parsed, parameter-numbered AST for the same SQL
 * text): the schema it was looked at under, whether it takes the general path, and its plan.
 */
const plans = new WeakMap<InsertStatement, { readonly schema: Schema; readonly general: boolean; plan: InsertPlan | undefined }>();

/**
 * Whether the INSERT needs insert-rows.ts: a SELECT source, subqueries in VALUES, UPSERT,
 * RETURNING, WITH, INSERT triggers, or a view. Decided once per (statement, schema).
 */
function needsGeneralPath(env: ExecEnv, stmt: InsertStatement): boolean {
  return (
    stmt.source.kind === 'select' ||
    (stmt.upsert !== undefined && stmt.upsert.length > 0) ||
    stmt.returning !== undefined ||
    stmt.with !== undefined ||
    stmt.table.schema !== undefined ||
    env.schema.view(stmt.table.name) !== undefined ||
    env.schema.virtualTable(stmt.table.name) !== undefined ||
    // Any trigger: INSERT ones fire, and a REPLACE fires DELETE ones under recursive_triggers.
    env.schema.triggersOf(stmt.table.name).length > 0 ||
    (stmt.source.kind === 'values' && hasSubquery(stmt.source.rows))
  );
}

/** `evaluateRow` into `out` (reused: no array per run). */
function evaluateInto(out: Value[], fns: readonly CompiledExpr[], ctx: EvalContext): Value[] {
  for (let i = 0; i < fns.length; i++) out[i] = fns[i]!(NO_ROW, ctx);
  return out;
}

function evaluateRow(fns: readonly CompiledExpr[], ctx: EvalContext): Value[] {
  const values = new Array<Value>(fns.length);
  for (let i = 0; i < fns.length; i++) values[i] = fns[i]!(NO_ROW, ctx);
  return values;
}

function resultOf(outcome: Outcome): StatementResult {
  if (outcome === SKIPPED) return NO_CHANGES;
  return { changes: 1, lastInsertRowid: outcome === WRITTEN ? undefined : outcome, schemaChanged: false };
}

async function insertRows(plan: InsertPlan, env: ExecEnv, stmt: InsertStatement, rows: readonly Value[][]): Promise<StatementResult> {
  const { table } = plan;
  const seqBefore = table.autoincrement ? await readSequence(env, table) : undefined;
  const seq: Sequence | undefined = seqBefore === undefined ? undefined : { max: seqBefore.seq };
  let changes = 0;
  let lastInsertRowid: bigint | undefined;
  for (const values of rows) {
    const outcome = await insertOne(plan, env, values, stmt.conflict, seq);
    if (outcome === SKIPPED) continue;
    changes++;
    if (outcome !== WRITTEN) lastInsertRowid = outcome;
  }
  if (seqBefore !== undefined) await writeSequence(env, table, seqBefore, seq!.max);
  return { changes, lastInsertRowid, schemaChanged: false };
}

/** One row of VALUES: the stored row built, its rowid chosen, constraints checked, then written. */
function insertOne(plan: InsertPlan, env: ExecEnv, values: readonly Value[], orClause: ConflictClause | undefined, seq: Sequence | undefined): Outcome | Promise<Outcome> {
  const { table, writer, source, defaults, convert, rowidSource } = plan;
  const ctx = env.ctx;
  const nCol = table.columns.length;
  // A one-row statement's row is the plan's (no other run uses it until this one is done); rows
  // of a multi-row VALUES are written one after the other, each done before the next is built.
  const row = plan.row;
  for (let i = 0; i < nCol; i++) {
    const at = source[i]!;
    row[i] = convert[i]!(at >= 0 ? (values[at] ?? null) : defaults[i]!(ctx));
  }
  if (table.withoutRowid) return checkAndWrite(plan, row, undefined, false, undefined, orClause);
  const given = rowidSource >= 0 ? rowidValue(values[rowidSource] ?? null) : null;
  if (given !== null) return checkAndWrite(plan, row, given, false, undefined, orClause, seq);
  const floor = seq?.max;
  const cached = writer.newRowidCached(floor);
  if (cached !== undefined) return checkAndWrite(plan, row, cached, true, writer.cachedPath, orClause, seq);
  return writer.newRowid(floor).then((rowid) => checkAndWrite(plan, row, rowid, true, undefined, orClause, seq));
}

/**
 * The row with its rowid (`fresh`: chosen as max + 1 or probed free): NOT NULL and CHECK, then
 * uniqueness (not needed for a fresh rowid without UNIQUE indexes: nothing is written before
 * the row, so `appendPath`, found with the rowid, is still good), then the row and its entries.
 */
function checkAndWrite(
  plan: InsertPlan,
  row: Value[],
  rowid: bigint | undefined,
  fresh: boolean,
  appendPath: WritePath | undefined,
  orClause: ConflictClause | undefined,
  seq?: Sequence,
): Outcome | Promise<Outcome> {
  const { table, writer } = plan;
  if (rowid !== undefined) {
    if (table.rowidAlias >= 0) row[table.rowidAlias] = rowid;
    // OP_MemMax: the sequence follows every rowid chosen, even for a row then IGNOREd.
    if (seq !== undefined && rowid > seq.max) seq.max = rowid;
  }
  const stored = { rowid, row };
  const written: Outcome = rowid ?? WRITTEN;
  if (!writer.checkRow(stored, orClause)) return SKIPPED;
  if (writer.mayConflict(fresh)) {
    return writer.checkUnique(stored, orClause, fresh).then(async (ok) => {
      if (!ok) return SKIPPED;
      await writer.writeStored(stored);
      return written;
    });
  }
  const pending = writer.writeStored(stored, appendPath);
  return pending === undefined ? written : pending.then(() => written);
}
