/**
 * What ALTER TABLE ADD COLUMN checks once the new definition is in place, as SQLite's
 * sqlite3AlterFinishAddColumn does:
 *
 * - a generated column's expression is valid for the new table ("error in table t after add
 *   column: no such column: x", …);
 * - when the table has CHECK constraints, or the new column is generated and NOT NULL, every row
 *   is verified (SQLite runs `pragma_quick_check` and raises "CHECK constraint failed" or "NOT
 *   NULL constraint failed" for the first row with a problem, judging a row's NOT NULL columns
 *   before its CHECKs).
 */
import { SqliteError, TriggerRaiseError } from '../../errors.js';
import type { ColumnDef } from '../../sql/ast.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { ExecEnv } from '../dml/exec-env.js';
import { TableWriter } from '../dml/table-writer.js';
import { tableScope } from '../dml/table-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { validateGeneratedColumns } from './validate-generated.js';

/** SQLite's refusals of a generated column definition that come before the table is changed. */
export function checkAddedGenerated(def: ColumnDef, rows: number): boolean {
  const gen = def.constraints.find((k) => k.kind === 'generated');
  if (gen === undefined || gen.kind !== 'generated') return false;
  if (def.constraints.some((k) => k.kind === 'default')) throw new SqliteError('SQLITE_ERROR', 'cannot use DEFAULT on a generated column');
  if (gen.stored && rows > 0) throw new SqliteError('SQLITE_ERROR', 'cannot add a STORED column');
  return true;
}

/** The generated columns of the changed table are valid ("error in table t after <change>: …"). */
export function checkGeneratedAfter(next: TableInfo, change: string): void {
  try {
    validateGeneratedColumns(next);
  } catch (err) {
    if (!(err instanceof SqliteError)) throw err;
    throw new SqliteError('SQLITE_ERROR', `error in table ${next.name} after ${change}: ${err.message}`);
  }
}

export async function verifyAddedColumn(env: ExecEnv, next: TableInfo, added: string): Promise<void> {
  checkGeneratedAfter(next, 'add column');
  const col = next.columns.find((c) => c.name === added);
  if (next.checks.length === 0 && !(col?.notNull === true && col.generated !== undefined)) return;
  const scope = tableScope(next);
  const checks = next.checks.map((c) => env.compile(c, scope));
  const writer = new TableWriter(env, next);
  let problem: string | undefined;
  await writer.scan((r) => {
    if (problem !== undefined) return;
    const nullColumn = next.columns.some((c, i) => c.notNull && i !== next.rowidAlias && r.row[i] === null);
    if (nullColumn) {
      problem = 'NOT NULL constraint failed';
      return;
    }
    const slots = [...r.row, r.rowid ?? null];
    for (const check of checks) {
      const v = check(slots, env.ctx);
      if (v !== null && !isTrue(v)) {
        problem = 'CHECK constraint failed';
        return;
      }
    }
  });
  if (problem !== undefined) throw new TriggerRaiseError('ABORT', problem);
}
