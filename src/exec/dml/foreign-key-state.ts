/**
 * The connection's foreign key counters (exec-env.ts's FkCounters) across statements and
 * transactions, as SQLite keeps db->nDeferredCons / nDeferredImmCons and each statement's own
 * count:
 * - a top-level statement starts with its immediate count at 0 and fails when it ends above 0
 *   (in autocommit, outstanding deferred violations fail it too: its commit would);
 * - a statement that is undone puts the deferred counts back as they were before it;
 * - SAVEPOINT remembers them, ROLLBACK TO puts them back;
 * - COMMIT fails while any deferred violation is outstanding (the transaction stays open);
 *   COMMIT and ROLLBACK reset them and turn `defer_foreign_keys` off.
 */
import { ConstraintError } from '../../errors.js';
import type { FkCounters } from './exec-env.js';

export interface FkSnapshot {
  readonly deferred: number;
  readonly deferredImm: number;
}

/** The snapshot of counters with no deferred violation (shared: snapshots are never changed). */
export const NO_DEFERRED: FkSnapshot = Object.freeze({ deferred: 0, deferredImm: 0 });

export function snapshot(c: FkCounters): FkSnapshot {
  return { deferred: c.deferred, deferredImm: c.deferredImm };
}

export function restore(c: FkCounters, s: FkSnapshot): void {
  c.deferred = s.deferred;
  c.deferredImm = s.deferredImm;
}

/** A transaction ended (COMMIT or ROLLBACK). */
export function resetCounters(c: FkCounters): void {
  c.deferred = 0;
  c.deferredImm = 0;
  c.statement = 0;
  c.deferAll = false;
}

export function foreignKeyFailed(): ConstraintError {
  return new ConstraintError('FOREIGNKEY', 'FOREIGN KEY constraint failed');
}

export function isForeignKeyError(err: unknown): boolean {
  return err instanceof ConstraintError && err.kind === 'FOREIGNKEY';
}

/** Whether a COMMIT must fail. */
export function deferredOutstanding(c: FkCounters): boolean {
  return c.deferred + c.deferredImm > 0;
}

/** Throws when a statement that just ran must fail for its foreign keys (see above). */
export function checkStatementEnd(c: FkCounters, autocommit: boolean): void {
  if (c.statement > 0 || (autocommit && deferredOutstanding(c))) throw foreignKeyFailed();
}
