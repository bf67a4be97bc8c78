/**
 * CREATE TRIGGER (https://www.sqlite.org/lang_createtrigger.html): checked as SQLite checks it
 * (the table exists and is no system table; BEFORE/AFTER only on tables, INSTEAD OF only on
 * views; the body parses and names no table with a schema prefix), then one sqlite_schema row
 * ('trigger', name, the table name as written, 0, "CREATE TRIGGER " + the text from the name
 * on). The body's statements are compiled when the trigger fires (exec/dml/triggers.ts).
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { CreateTriggerStatement } from '../../sql/ast.js';
import { parseStatementsWithText } from '../../sql/parser.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { checkReservedName } from './names.js';
import { checkNoTempReference } from './ddl-database.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';

/**
 * SQLite 3.40 takes only a string literal as RAISE's message (an expression there is a syntax
 * error to it, and a file holding one would not open in it): refused here the same way.
 */
function checkRaise(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) checkRaise(n);
    return;
  }
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const o = node as Record<string, unknown>;
  if (o.kind === 'raise') {
    const m = o.message as { kind?: string; type?: string } | undefined;
    if (m !== undefined && !(m.kind === 'literal' && m.type === 'text')) {
      throw new SqliteError('SQLITE_ERROR', 'RAISE() takes a string literal as its message (an expression there is a syntax error to SQLite 3.40)');
    }
  }
  for (const v of Object.values(o)) checkRaise(v);
}

export async function executeCreateTrigger(env: ExecEnv, stmt: CreateTriggerStatement, text: string): Promise<StatementResult> {
  const name = stmt.trigger.name;
  const schema = env.schema;
  const isTemp = schema.temp !== undefined;
  // SQLite's order (sqlite3BeginTrigger): the name, the table, then the name's uniqueness.
  checkReservedName(name);
  // A main trigger is on a main table (a TEMP one may be on either).
  if (!isTemp && stmt.tableSchema !== undefined) checkNoTempReference('trigger', name, { kind: 'table', schema: stmt.tableSchema });
  const lookup = isTemp ? (env.whole?.schema ?? schema).database(stmt.tableSchema) : schema;
  const table = lookup?.table(stmt.table);
  const view = lookup?.view(stmt.table);
  if (table === undefined && view === undefined) {
    const shown = stmt.tableSchema !== undefined ? `${stmt.tableSchema}.` : isTemp ? '' : 'main.';
    throw new SqliteError('SQLITE_ERROR', `no such table: ${shown}${stmt.table}`);
  }
  if (schema.trigger(name) !== undefined) {
    if (stmt.ifNotExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `trigger ${name} already exists`);
  }
  const tableKey = asciiLower(stmt.table);
  if (tableKey.startsWith('sqlite_')) throw new SqliteError('SQLITE_ERROR', 'cannot create trigger on system table');
  if (view !== undefined && stmt.timing !== 'INSTEAD OF') {
    throw new SqliteError('SQLITE_ERROR', `cannot create ${stmt.timing} trigger on view: ${view.name}`);
  }
  if (table !== undefined && stmt.timing === 'INSTEAD OF') {
    throw new SqliteError('SQLITE_ERROR', `cannot create INSTEAD OF trigger on table: ${table.name}`);
  }
  if (stmt.when !== undefined) checkRaise(stmt.when);
  for (const { statement: s } of parseStatementsWithText(stmt.body)) {
    checkRaise(s);
    if ((s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete') && s.returning !== undefined) {
      throw new SqliteError('SQLITE_ERROR', 'cannot use RETURNING in a trigger');
    }
    if ((s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete') && s.table.schema !== undefined) {
      throw new SqliteError('SQLITE_ERROR', 'qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers');
    }
    if (s.kind !== 'insert' && s.kind !== 'update' && s.kind !== 'delete' && s.kind !== 'select') {
      throw new SqliteError('SQLITE_ERROR', `near "${s.kind.toUpperCase()}": syntax error`);
    }
  }
  // …and its WHEN and body name no TEMP object.
  if (!isTemp) checkNoTempReference('trigger', name, [stmt.when ?? [], parseStatementsWithText(stmt.body).map((p) => p.statement)]);
  await appendSchemaRow(env, { type: 'trigger', name, tblName: stmt.table, rootPage: 0, sql: storedCreateText(text, 'CREATE TRIGGER') });
  return { ...NO_CHANGES, schemaChanged: true };
}
