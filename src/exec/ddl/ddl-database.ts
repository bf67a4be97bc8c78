/**
 * Which database a schema change goes to — main or the connection's TEMP database — with
 * SQLite's rules and messages, and the environment narrowed to it: that database's pager (new
 * b-trees and its sqlite_schema rows go there) and its schema alone (name clashes are per
 * database: a TEMP table may shadow a main one).
 *
 *   CREATE TEMP TABLE|VIEW|TRIGGER x, CREATE TABLE temp.x       → temp
 *   CREATE INDEX i ON t, CREATE TRIGGER tr … ON t (unqualified) → t's database
 *   DROP / ALTER TABLE x (unqualified)                          → where x is found, TEMP first
 *   main.x / temp.x                                             → that database
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { Statement } from '../../sql/ast.js';
import type { ExecEnv } from '../dml/exec-env.js';

type DbName = 'main' | 'temp';

/** `main`, `temp` (its alias too), or SQLite's "unknown database" error. */
function knownDb(schemaName: string): DbName {
  const key = asciiLower(schemaName);
  if (key === 'main' || key === 'temp') return key;
  throw new SqliteError('SQLITE_ERROR', `unknown database ${schemaName}`);
}

/** The database an unqualified object name finds (TEMP first); main when none has it. */
function findingDb(temp: Schema | undefined, has: (s: Schema) => boolean): DbName {
  return temp !== undefined && has(temp) ? 'temp' : 'main';
}

/** The database a DDL statement changes (see the header), given TEMP's schema when there is one. */
export function ddlDatabase(temp: Schema | undefined, stmt: Statement): DbName {
  switch (stmt.kind) {
    case 'create-table':
    case 'create-view': {
      const q = stmt.kind === 'create-table' ? stmt.table.schema : stmt.view.schema;
      const db = q === undefined ? 'main' : knownDb(q);
      if (stmt.temp && q !== undefined && db !== 'temp') throw new SqliteError('SQLITE_ERROR', 'temporary table name must be unqualified');
      return stmt.temp ? 'temp' : db;
    }
    case 'create-trigger': {
      const q = stmt.trigger.schema;
      if (stmt.temp && q !== undefined) throw new SqliteError('SQLITE_ERROR', 'temporary trigger may not have qualified name');
      if (stmt.temp) return 'temp';
      if (q !== undefined) return knownDb(q);
      // An unqualified trigger on a TEMP table goes to TEMP (SQLite's sqlite3BeginTrigger).
      const on = stmt.tableSchema === undefined ? undefined : knownDb(stmt.tableSchema);
      if (on === 'temp') return 'main'; // refused in create-trigger.ts, as SQLite does
      if (on === 'main') return 'main';
      return findingDb(temp, (s) => s.relation(stmt.table) !== undefined);
    }
    case 'create-index': {
      const q = stmt.index.schema;
      if (q !== undefined) return knownDb(q);
      return findingDb(temp, (s) => s.relation(stmt.table) !== undefined);
    }
    case 'drop': {
      const q = stmt.name.schema;
      // An unknown database is "no such table: aux.t" to DROP (drop.ts).
      if (q !== undefined) return asciiLower(q) === 'temp' ? 'temp' : 'main';
      const name = stmt.name.name;
      return findingDb(temp, (s) => (stmt.objectType === 'index' ? s.index(name) : stmt.objectType === 'trigger' ? s.trigger(name) : s.relation(name)) !== undefined);
    }
    case 'alter-table': {
      const q = stmt.table.schema;
      if (q !== undefined) return knownDb(q);
      return findingDb(temp, (s) => s.relation(stmt.table.name) !== undefined);
    }
    default:
      return 'main';
  }
}

/**
 * `env` narrowed to database `db` (see the header); `whole` keeps the statement's own
 * environment for what reads across databases (CREATE TABLE … AS SELECT). Unchanged when the
 * connection has no TEMP database.
 */
export function ddlEnv(env: ExecEnv, db: DbName): ExecEnv {
  const links = env.schema.connection;
  if (links === undefined) {
    // Only reached for temp when the connection failed to open its TEMP database first.
    if (db === 'temp') throw new SqliteError('SQLITE_INTERNAL', 'no TEMP database');
    return env;
  }
  const target = db === 'temp' ? links.temp : links.main;
  const pager = target.temp?.pager ?? env.pager;
  return { ...env, pager, schema: target, whole: env.whole ?? env };
}

/**
 * SQLite's check on SQL stored in main (sqlite3FixSrcList): a main view or trigger may not name
 * an object of the TEMP database (`temp.x` anywhere in it) — main cannot depend on a connection's
 * TEMP objects. `kind` and `name` are the stored object's.
 */
export function checkNoTempReference(kind: 'view' | 'trigger', name: string, node: unknown): void {
  if (referencesTemp(node)) throw new SqliteError('SQLITE_ERROR', `${kind} ${name} cannot reference objects in database temp`);
}

function referencesTemp(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(referencesTemp);
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'table' && typeof o.schema === 'string' && asciiLower(o.schema) === 'temp') return true;
  return Object.values(o).some(referencesTemp);
}
