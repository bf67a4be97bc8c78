/**
 * Runs one data-changing statement (DDL or DML) inside the caller's write transaction. The
 * transaction control statements (BEGIN/COMMIT/ROLLBACK) and statement-level rollback belong to
 * the caller (src/api/database.ts), which owns the pager's transaction.
 */
import { SqliteError } from '../../errors.js';
import type { Statement } from '../../sql/ast.js';
import { executeCreateIndex } from '../ddl/create-index.js';
import { executeCreateTable } from '../ddl/create-table.js';
import { executeDrop } from '../ddl/drop.js';
import { executeAlterTable } from '../ddl/alter-table.js';
import { executeAnalyze } from '../ddl/analyze.js';
import { executeReindex } from '../ddl/reindex.js';
import { executeCreateTrigger } from '../ddl/create-trigger.js';
import { executeCreateView } from '../ddl/create-view.js';
import { ddlDatabase, ddlEnv } from '../ddl/ddl-database.js';
import { executePragmaWrite, isFilePragmaWrite } from '../pragma-set.js';
import { executeDelete } from './delete.js';
import type { ExecEnv, StatementResult } from './exec-env.js';
import { executeInsert } from './insert.js';
import { executeUpdate } from './update.js';
import { executeCreateVirtualTable } from '../vtab/rtree-ddl.js';

/** Whether `statement` changes the database (and so needs a write transaction). */
export function isWriteStatement(statement: Statement): boolean {
  switch (statement.kind) {
    case 'create-table':
    case 'create-virtual-table':
    case 'create-index':
    case 'create-view':
    case 'create-trigger':
    case 'alter-table':
    case 'reindex':
    case 'analyze':
    case 'drop':
    case 'insert':
    case 'update':
    case 'delete':
      return true;
    case 'pragma':
      return isFilePragmaWrite(statement);
    default:
      return false;
  }
}

/** A statement that changes one database's schema (runs narrowed to that database). */
function isSchemaChange(statement: Statement): boolean {
  const k = statement.kind;
  return k === 'create-table' || k === 'create-index' || k === 'create-view' || k === 'create-trigger' || k === 'drop' || k === 'alter-table';
}

/** The statement's result; synchronous when an INSERT needed no Promise (see insert.ts). */
export function executeWrite(whole: ExecEnv, statement: Statement, text: string): StatementResult | Promise<StatementResult> {
  let env = whole;
  if (isSchemaChange(statement)) {
    try {
      env = ddlEnv(whole, ddlDatabase(whole.schema.connection?.temp, statement));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  switch (statement.kind) {
    case 'create-table':
      return executeCreateTable(env, statement, text);
    case 'create-virtual-table':
      return executeCreateVirtualTable(env, statement, text);
    case 'create-index':
      return executeCreateIndex(env, statement, text);
    case 'create-view':
      return executeCreateView(env, statement, text);
    case 'create-trigger':
      return executeCreateTrigger(env, statement, text);
    case 'pragma':
      return executePragmaWrite(env.pager, statement, env.settings);
    case 'alter-table':
      return executeAlterTable(env, statement);
    case 'reindex':
      return executeReindex(env, statement);
    case 'analyze':
      return executeAnalyze(env, statement);
    case 'drop':
      return executeDrop(env, statement);
    case 'insert':
      return executeInsert(env, statement, text);
    case 'update':
      return executeUpdate(env, statement, text);
    case 'delete':
      return executeDelete(env, statement, text);
    default:
      return Promise.reject(new SqliteError('SQLITE_ERROR', `${statement.kind.toUpperCase()} statements are not supported by exec/run`));
  }
}
