/**
 * Runs one statement of a trigger body in the trigger's frame (OLD/NEW): INSERT, UPDATE and
 * DELETE change rows (their counts are not the firing statement's), a SELECT is run for its
 * effects (RAISE, functions) and its rows are dropped.
 */
import { SqliteError } from '../../errors.js';
import type { Statement } from '../../sql/ast.js';
import { compileSelect } from '../select/compile-select.js';
import { compileEnvOf, type DmlRun } from './dml-run.js';
import { runDelete } from './delete.js';
import { runInsert } from './insert-rows.js';
import { runUpdate } from './update.js';

export async function runTriggerStatement(run: DmlRun, stmt: Statement): Promise<void> {
  switch (stmt.kind) {
    case 'insert':
      await runInsert(run, stmt, undefined);
      return;
    case 'update':
      await runUpdate(run, stmt, undefined);
      return;
    case 'delete':
      await runDelete(run, stmt, undefined);
      return;
    case 'select': {
      const q = compileSelect(stmt, compileEnvOf(run), run.frame?.scope);
      for await (const _batch of q.batches(run.rt, run.frame?.row)) {
        // rows are dropped: the SELECT runs for what its expressions do
      }
      return;
    }
    default:
      throw new SqliteError('SQLITE_ERROR', `${stmt.kind.toUpperCase()} is not allowed in a trigger body`);
  }
}
