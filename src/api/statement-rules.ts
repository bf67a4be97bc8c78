/**
 * SQLite's rules for one statement of a `Database` (database.ts): whether it needs a statement
 * savepoint, how much a failure undoes (its conflict clause, RAISE, foreign keys), and which
 * statements end an autocommit transaction of SQLite's.
 */
import { ConstraintError, SqliteError, TriggerRaiseError } from '../errors.js';
import { constraintConflicts } from '../exec/dml/constraint-conflicts.js';
import { childKeys } from '../exec/dml/foreign-key-schema.js';
import { isForeignKeyError } from '../exec/dml/foreign-key-state.js';
import type { Schema } from '../schema/read-schema.js';
import type { Statement } from '../sql/ast.js';

/** How to undo a statement that fails (see `undoStatement`). */
export interface Undo {
  readonly conflict: string | undefined;
  /**
   * SQLite would open a statement journal for it (its `mayAbort`; see `statementMayAbort`).
   * Undefined: assume so.
   */
  readonly mayAbort?: boolean;
  readonly autocommit: boolean;
  /** A statement savepoint is open for it. */
  readonly savepoint: boolean;
  /** The pager's write stamp before it: unchanged means it changed nothing. */
  readonly stampBefore: number;
}

/**
 * Whether a statement inside BEGIN needs a savepoint to be undone alone. Not a one-row INSERT:
 * its constraints are all checked before its first change (OR REPLACE's deletions included,
 * which only precede other REPLACEs), so only I/O or corruption can stop it half-way — SQLite's
 * "no statement journal" case. Saves a copy of the leaf per row of a bulk load.
 */
export function needsSavepoint(stmt: Statement, schema: Schema): boolean {
  if (stmt.kind !== 'insert') return true;
  // Its triggers, an upsert or a SELECT source can fail after the row is written.
  if (stmt.upsert !== undefined || stmt.returning !== undefined || schema.triggersOf(stmt.table.name).length > 0) return true;
  const source = stmt.source;
  return !(source.kind === 'default-values' || (source.kind === 'values' && source.rows.length === 1));
}

/**
 * Whether a read or control statement run in autocommit ends a transaction of SQLite's (and so
 * resets the foreign key state): a SELECT that reads a table, a PRAGMA that reads the file (not
 * the connection settings; foreign_key_check only when some table has a foreign key).
 */
export function endsAutocommitTransaction(stmt: Statement, schema: Schema | undefined): boolean {
  if (stmt.kind === 'select') return hasFrom(stmt);
  if (stmt.kind !== 'pragma') return false;
  const name = stmt.name.toLowerCase();
  if (['foreign_keys', 'defer_foreign_keys', 'recursive_triggers', 'cache_size', 'busy_timeout'].includes(name)) return false;
  if (name === 'foreign_key_check') return schema !== undefined && schema.tables.some((t) => childKeys(schema, t.name).length > 0);
  return true;
}

/** Whether `err` stopped its statement with the FAIL resolution (OR FAIL, or RAISE(FAIL)). */
export function failsWithFail(err: unknown, conflict: string | undefined): boolean {
  if (err instanceof TriggerRaiseError) return err.action === 'FAIL';
  return err instanceof ConstraintError && !isForeignKeyError(err) && err.kind !== 'DATATYPE' && conflict === 'FAIL';
}

/**
 * Whether SQLite compiles `stmt` with a constraint check that halts with ABORT (its
 * `sqlite3MayAbort`), which — for a statement that writes several rows — opens the statement
 * journal that undoes the statement alone. Without one, a STRICT datatype error inside BEGIN
 * keeps the rows written before it (SQLite's type check halts without undoing them). NOT NULL,
 * CHECK and UNIQUE / PRIMARY KEY checks count when their action (the statement's OR clause, else
 * the constraint's own, else ABORT) is ABORT — or REPLACE for NOT NULL (checked again with ABORT
 * after the defaults go in) and CHECK (which takes REPLACE as ABORT); an UPDATE only checks what
 * its SET columns touch.
 * Triggers, UPSERT and foreign keys are taken to abort (they need a statement journal anyway).
 */
export function statementMayAbort(stmt: Statement, schema: Schema, foreignKeys: boolean): boolean {
  if (stmt.kind !== 'insert' && stmt.kind !== 'update') return true;
  const table = schema.table(stmt.table.name);
  if (table === undefined || schema.triggersOf(stmt.table.name).length > 0) return true;
  if (stmt.kind === 'insert' && stmt.upsert !== undefined) return true;
  if (foreignKeys && (childKeys(schema, table.name).length > 0 || schema.tables.some((t) => childKeys(schema, t.name).some((k) => k.parentName.toLowerCase() === table.name.toLowerCase())))) return true;
  const touched = (name: string): boolean => {
    if (stmt.kind === 'insert') return true;
    return stmt.set.some((c) => c.columns.some((x) => x.toLowerCase() === name.toLowerCase()));
  };
  const actionOf = (own: string | undefined): string => stmt.conflict ?? own ?? 'ABORT';
  const ast = table.ast;
  for (const [i, col] of table.columns.entries()) {
    if (!col.notNull || i === table.rowidAlias || !touched(col.name)) continue;
    const own = ast?.columns[i]?.constraints.find((k) => k.kind === 'not-null');
    const action = actionOf(own?.kind === 'not-null' ? own.conflict : undefined);
    // REPLACE puts the default in, and SQLite then checks NOT NULL again with ABORT.
    if (action === 'ABORT' || action === 'REPLACE') return true;
  }
  // CHECK has no conflict clause of its own, and takes REPLACE as ABORT.
  if (table.checks.length > 0 && (actionOf(undefined) === 'ABORT' || actionOf(undefined) === 'REPLACE')) {
    if (stmt.kind === 'insert' || table.checks.some((c) => table.columns.some((col) => touched(col.name) && mentions(c, col.name)))) return true;
  }
  const conflicts = constraintConflicts(table, table.indexes);
  for (const [i, ix] of table.indexes.entries()) {
    if (!ix.unique) continue;
    if (stmt.kind === 'update' && !ix.columns.some((c) => (c.name === null ? true : touched(c.name)))) continue;
    if (actionOf(conflicts.get(i)) === 'ABORT') return true;
  }
  // The rowid of a rowid table is checked when the statement gives it (or an UPDATE sets it).
  if (!table.withoutRowid) {
    const pkAction = actionOf(conflicts.get(-1));
    const ipk = table.rowidAlias >= 0 ? table.columns[table.rowidAlias]!.name : undefined;
    const givesRowid =
      stmt.kind === 'insert'
        ? ipk !== undefined && (stmt.columns === undefined || stmt.columns.some((c) => c.toLowerCase() === ipk.toLowerCase() || ['rowid', 'oid', '_rowid_'].includes(c.toLowerCase())))
        : stmt.set.some((c) => c.columns.some((x) => ['rowid', 'oid', '_rowid_', ipk?.toLowerCase()].includes(x.toLowerCase())));
    if (givesRowid && pkAction === 'ABORT') return true;
  } else if (actionOf(conflicts.get(-1)) === 'ABORT' && table.primaryKey.some((k) => touched(table.columns[k]!.name))) return true;
  return false;
}

/** Whether expression `e` names column `name` (any qualifier). */
function mentions(e: unknown, name: string): boolean {
  if (Array.isArray(e)) return e.some((x) => mentions(x, name));
  if (e === null || typeof e !== 'object' || e instanceof Uint8Array) return false;
  const o = e as Record<string, unknown>;
  if (o.kind === 'column' && typeof o.column === 'string' && o.column.toLowerCase() === name.toLowerCase()) return true;
  return Object.values(o).some((v) => mentions(v, name));
}

export function conflictOf(stmt: Statement): string | undefined {
  return stmt.kind === 'insert' || stmt.kind === 'update' ? stmt.conflict : undefined;
}

/**
 * What a failed statement undoes: the whole transaction, the statement alone, nothing (the rows
 * it changed before the failure stay), or — OR FAIL in autocommit — nothing and the
 * transaction commits.
 *
 * RAISE(FAIL | ROLLBACK | ABORT) in a trigger undoes as much as that conflict clause would; a
 * foreign key violation always undoes the statement (SQLite's OE_Abort), whatever its OR
 * clause. OR FAIL keeps the rows changed before the failure; OR ROLLBACK undoes the
 * transaction on a constraint violation. Observed in SQLite (checked against it by the model
 * test): inside BEGIN, a STRICT datatype error in an OR FAIL / ROLLBACK / IGNORE / REPLACE
 * statement keeps the earlier rows too (no statement journal: SQLite halts with OE_Abort, and the
 * statement savepoint it rolls back to was never opened), while in autocommit it undoes the
 * statement.
 */
export function undoAction(err: unknown, undo: Undo): 'transaction' | 'commit' | 'keep' | 'statement' {
  const { autocommit } = undo;
  const conflict = err instanceof TriggerRaiseError ? err.action : isForeignKeyError(err) ? 'ABORT' : undo.conflict;
  const violation = err instanceof ConstraintError && err.kind !== 'DATATYPE';
  if (conflict === 'ROLLBACK' && violation) return 'transaction';
  if (conflict === 'FAIL' && violation && autocommit) return 'commit';
  // A STRICT type error, or a rowid that is not an integer (SQLITE_MISMATCH): both halt without
  // undoing what the statement wrote unless a statement journal is open.
  const datatype = (err instanceof ConstraintError && err.kind === 'DATATYPE') || (err instanceof SqliteError && err.code === 'SQLITE_MISMATCH');
  const noStatementJournal = undo.mayAbort !== undefined ? !undo.mayAbort : conflict === 'ROLLBACK' || conflict === 'IGNORE' || conflict === 'REPLACE';
  if (!autocommit && ((conflict === 'FAIL' && (violation || datatype)) || (noStatementJournal && datatype))) return 'keep';
  return autocommit ? 'transaction' : 'statement';
}

/** Whether a syntax tree holds a FROM clause anywhere (subqueries too). */
function hasFrom(node: unknown): boolean {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  if (Array.isArray(node)) return node.some(hasFrom);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'from' && value !== undefined) return true;
    if (hasFrom(value)) return true;
  }
  return false;
}
