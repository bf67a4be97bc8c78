/**
 * DROP TABLE with foreign keys on (sqlite3FkDropTable): when the table is a parent of some
 * foreign key — or the child of a deferred one while deferred violations are outstanding — its
 * rows are first deleted as by `DELETE FROM t`, with its own triggers off but the actions of the
 * keys that name it on (CASCADE, SET NULL, … and the child tables' triggers they fire). An
 * immediate violation left by that DELETE fails the DROP before the schema changes; a parent
 * table that no longer exists counts as empty.
 */
import { parseStatement } from '../../sql/parser.js';
import type { DeleteStatement } from '../../sql/ast.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { runDelete } from './delete.js';
import { topRun } from './dml-run.js';
import type { ExecEnv } from './exec-env.js';
import { childKeys, parentKeys } from './foreign-key-schema.js';
import { fkError, fkOn, quoteId } from './foreign-keys.js';

export async function fkDropTable(env: ExecEnv, table: TableInfo): Promise<void> {
  if (!fkOn(env) || table.ast === undefined) return;
  const c = env.settings?.fk;
  const deferAll = c?.deferAll === true;
  if (parentKeys(env.schema, table.name).length === 0) {
    const deferredChild = childKeys(env.schema, table.name).some((fk) => fk.deferred || deferAll);
    if (!deferredChild || c === undefined || c.deferred + c.deferredImm === 0) return;
  }
  const stmt = parseStatement(`DELETE FROM ${quoteId(table.name)}`) as DeleteStatement;
  await runDelete({ ...topRun(env), dropping: true }, stmt, undefined);
  if (!deferAll && c !== undefined && c.statement > 0) throw fkError();
}
