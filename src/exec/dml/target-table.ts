/** Looks up the table a DML statement changes, with SQLite's messages for what cannot be changed. */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { ExecEnv } from './exec-env.js';
import { virtualWriteError } from '../vtab/virtual-source.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { QualifiedName } from '../../sql/ast.js';
import { Schema } from '../../schema/read-schema.js';

/** `inTrigger`: the statement is in a trigger body (SQLite then names a missing table main.x). */
export function targetTable(env: ExecEnv, name: QualifiedName, inTrigger = false): TableInfo {
  const schema = targetSchema(env.schema, name);
  const key = asciiLower(name.name);
  if (key === 'sqlite_schema' || key === 'sqlite_master') {
    const temp = name.schema !== undefined && asciiLower(name.schema) === 'temp';
    throw new SqliteError('SQLITE_ERROR', `table ${temp ? 'sqlite_temp_master' : name.name} may not be modified`);
  }
  if (key === 'sqlite_temp_schema' || key === 'sqlite_temp_master') {
    throw new SqliteError('SQLITE_ERROR', 'table sqlite_temp_master may not be modified');
  }
  const rel = schema.relation(name.name);
  if (rel === undefined) {
    // A main trigger's body names main's tables (SQLite reports main.x); a TEMP one's does not.
    const links = env.schema.connection;
    const mainBody = inTrigger && (links === undefined || env.schema === links.main);
    const prefix = name.schema !== undefined ? `${name.schema}.` : mainBody ? 'main.' : '';
    throw new SqliteError('SQLITE_ERROR', `no such table: ${prefix}${name.name}`);
  }
  if (rel.kind === 'view') throw new SqliteError('SQLITE_ERROR', `cannot modify ${name.name} because it is a view`);
  if (rel.kind === 'virtual-table') throw virtualWriteError(rel);
  return rel;
}

const NO_OBJECTS = new Schema([], [], [], [], []);

/**
 * The schema a DML statement's target is looked up in: its qualifier's database (`main.t`,
 * `temp.t`), else the connection's (TEMP first); none at all for a database it does not have.
 */
export function targetSchema(schema: Schema, name: QualifiedName): Schema {
  return schema.database(name.schema) ?? NO_OBJECTS;
}
