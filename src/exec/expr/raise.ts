/**
 * RAISE(…) inside a trigger program (https://www.sqlite.org/lang_createtrigger.html#raise).
 * RAISE(ABORT | FAIL | ROLLBACK, msg) throws TriggerRaiseError (SQLITE_CONSTRAINT, the message
 * as given); RAISE(IGNORE) throws `RaiseIgnore`, which is no error: the statement that fired the
 * trigger catches it and skips the current row (trigger.ts).
 *
 * RAISE compiles only where a scope on the chain is a trigger program's (`triggerProgram`).
 */
import { TriggerRaiseError } from '../../errors.js';
import type { CompiledExpr, Scope } from '../expr-contract.js';
import type { RaiseExpr } from '../../sql/ast.js';
import { valueToText } from './value-ops.js';

/** Thrown by RAISE(IGNORE): abandon the trigger program and the row that fired it. */
export class RaiseIgnore {
  readonly raise = 'IGNORE';
}

/** Whether `scope` (or a scope it is nested in) belongs to a trigger program. */
export function raiseAllowed(scope: Scope): boolean {
  for (let s: unknown = scope; s !== null && typeof s === 'object'; s = (s as { parent?: unknown }).parent) {
    if ((s as { triggerProgram?: boolean }).triggerProgram === true) return true;
  }
  return false;
}

export function compileRaise(e: RaiseExpr, message: CompiledExpr | undefined): CompiledExpr {
  const action = e.action;
  return (row, ctx) => {
    if (action === 'IGNORE') throw new RaiseIgnore();
    const v = message === undefined ? null : message(row, ctx);
    throw new TriggerRaiseError(action, v === null ? '' : (valueToText(v) ?? ''));
  };
}
