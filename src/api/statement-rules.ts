/**
 * SQLite's rules for one statement of a `Database` (database.ts): whether it needs a statement
 * savepoint, how much a failure undoes (its conflict clause, RAISE, foreign keys), and which
 * statements end an autocommit transaction of SQLite's.
 */
import { ConstraintError, TriggerRaiseError } from '../errors.js';
import { childKeys } from '../exec/dml/foreign-key-schema.js';
import { isForeignKeyError } from '../exec/dml/foreign-key-state.js';
import type { Schema } from '../schema/read-schema.js';
import type { Statement } from '../sql/ast.js';

/** How to undo a statement that fails (see `undoStatement`). */
export interface Undo {
  readonly conflict: string | undefined;
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
  if (stmt.kind === 'select') return JSON.stringify(stmt).includes('"from":');
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
  const datatype = err instanceof ConstraintError && err.kind === 'DATATYPE';
  const noStatementJournal = conflict === 'ROLLBACK' || conflict === 'IGNORE' || conflict === 'REPLACE';
  if (!autocommit && ((conflict === 'FAIL' && (violation || datatype)) || (noStatementJournal && datatype))) return 'keep';
  return autocommit ? 'transaction' : 'statement';
}
