/** Looks up the table a DML statement changes, with SQLite's messages for what cannot be changed. */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { ExecEnv } from './exec-env.js';
import { virtualWriteError } from '../vtab/virtual-source.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { QualifiedName } from '../../sql/ast.js';

/** `inTrigger`: the statement is in a trigger body (SQLite then names a missing table main.x). */
export function targetTable(env: ExecEnv, name: QualifiedName, inTrigger = false): TableInfo {
  const schema = env.schema;
  if (name.schema !== undefined && asciiLower(name.schema) !== 'main') {
    throw new SqliteError('SQLITE_ERROR', `unknown database ${name.schema}`);
  }
  const key = asciiLower(name.name);
  if (key === 'sqlite_schema' || key === 'sqlite_master') {
    throw new SqliteError('SQLITE_ERROR', `table ${name.name} may not be modified`);
  }
  const rel = schema.relation(name.name);
  if (rel === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: ${inTrigger ? 'main.' : ''}${name.name}`);
  if (rel.kind === 'view') throw new SqliteError('SQLITE_ERROR', `cannot modify ${name.name} because it is a view`);
  if (rel.kind === 'virtual-table') throw virtualWriteError(rel);
  return rel;
}
