/** Name rules shared by CREATE TABLE and CREATE INDEX (sqlite3CheckObjectName, name clashes). */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';

export function checkMainSchema(schemaName: string | undefined): void {
  if (schemaName !== undefined && asciiLower(schemaName) !== 'main') {
    throw new SqliteError('SQLITE_ERROR', `unknown database ${schemaName}`);
  }
}

export function checkReservedName(name: string): void {
  if (asciiLower(name).startsWith('sqlite_')) {
    throw new SqliteError('SQLITE_ERROR', `object name reserved for internal use: ${name}`);
  }
}

/** Returns "exists" when an object of the same kind has the name, throws when another kind has it. */
export function nameClash(schema: Schema, name: string, kind: 'table' | 'index'): boolean {
  const rel = schema.relation(name);
  const ix = schema.index(name);
  if (kind === 'table') {
    if (rel !== undefined) return true;
    if (ix !== undefined) throw new SqliteError('SQLITE_ERROR', `there is already an index named ${name}`);
    return false;
  }
  if (ix !== undefined) return true;
  if (rel !== undefined) throw new SqliteError('SQLITE_ERROR', `there is already a table named ${name}`);
  return false;
}
