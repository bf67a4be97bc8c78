/**
 * What a data-changing statement runs against: the pager inside a write transaction, the
 * schema as of the statement's start, the database text encoding and the statement's
 * evaluation context (bound parameters, 'now').
 */
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Schema } from '../../schema/read-schema.js';
import type { CompiledExpr, EvalContext, Scope } from '../expr-contract.js';
import type { Expr } from '../../sql/ast.js';
import type { Value } from '../value.js';

export type ExprCompiler = (expr: Expr, scope: Scope) => CompiledExpr;

/** Per-connection settings the PRAGMAs change (pragma-set.ts) and statements obey. */
export interface ConnectionSettings {
  recursiveTriggers: boolean;
  foreignKeys: boolean;
  /** Foreign key violation counters (foreign-keys.ts), when the connection keeps them. */
  fk?: FkCounters;
  /** The auto_vacuum mode the next VACUUM builds (PRAGMA auto_vacuum = m; unset: the database's own). */
  nextAutoVacuum?: 0 | 1 | 2;
}

/**
 * SQLite's foreign key counters: `statement` (immediate constraints, reset by each top-level
 * statement), `deferred` (DEFERRABLE INITIALLY DEFERRED ones) and `deferredImm` (immediate ones
 * while `PRAGMA defer_foreign_keys` is on, `deferAll`), the last two checked at COMMIT.
 */
export interface FkCounters {
  deferAll: boolean;
  deferred: number;
  deferredImm: number;
  statement: number;
  /**
   * The running statement is a one-row INSERT, which SQLite runs without a statement journal:
   * when it fails, the deferred counts it changed before failing are not put back.
   */
  noJournal?: boolean;
}

export interface ExecEnv {
  readonly pager: Pager;
  /** The connection's settings (defaults as SQLite's when absent). */
  readonly settings?: ConnectionSettings;
  readonly schema: Schema;
  readonly encoding: TextEncoding;
  readonly ctx: EvalContext;
  readonly compile: ExprCompiler;
  /**
   * A schema change narrows `pager` and `schema` to the database it changes (ddl-database.ts);
   * this keeps the statement's whole environment (both databases) for what reads across them.
   */
  readonly whole?: ExecEnv;
}

/** What a statement reports back (sqlite3_changes, sqlite3_last_insert_rowid). */
export interface StatementResult {
  /** Rows inserted, updated or deleted by an INSERT/UPDATE/DELETE (0 for anything else). */
  changes: number;
  /** Rowid of the last row inserted, when the statement inserted one. */
  lastInsertRowid: bigint | undefined;
  /** The statement changed sqlite_schema (the caller reloads the schema). */
  schemaChanged: boolean;
  /** Rows the statement returns (RETURNING, SELECT, PRAGMA), when it returns any. */
  returned?: { readonly columns: readonly string[]; readonly rows: Value[][] };
}

/** The result of a statement that changed no row (DDL, control statements, a skipped row). */
export const NO_CHANGES: Readonly<StatementResult> = Object.freeze({ changes: 0, lastInsertRowid: undefined, schemaChanged: false });
