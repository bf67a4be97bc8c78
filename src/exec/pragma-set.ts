/**
 * PRAGMAs that change something, as `db.run` / `db.exec` / `s3lite exec` run them
 * (https://www.sqlite.org/pragma.html). Each returns SQLite's result row(s), named as SQLite
 * names the column (the pragma's name):
 *
 *   user_version, application_id   the header's 32-bit fields at offsets 60 and 68 (big-endian,
 *                                  signed); setting one writes page 1 in a write transaction
 *   recursive_triggers             per connection, default off
 *   foreign_keys                   per connection, default off; a no-op inside a transaction
 *                                  (database.ts), as in SQLite (see dml/foreign-keys.ts)
 *   defer_foreign_keys             per connection, default off; every foreign key counts as
 *                                  deferred while on; off again after COMMIT/ROLLBACK
 *   cache_size                     per connection, default -2000 (reported; the page cache is
 *                                  sized by the `cacheBytes` open option)
 *   busy_timeout                   per connection, default 0 (reported and kept; the lease wait
 *                                  is the `busyTimeout` open option)
 *   journal_mode                   always `delete` (the rollback journal); WAL is refused
 *   auto_vacuum = m, incremental_vacuum(N)   pragma/auto-vacuum-pragmas.ts (write the file)
 *
 * `PRAGMA x = v` of the connection pragmas returns no row, as SQLite's do; `journal_mode = m`
 * returns the mode in force, as SQLite does.
 */
import { SqliteError } from '../errors.js';
import { readU32, writeU32 } from '../format/bytes.js';
import type { Pager } from '../pager/pager.js';
import type { PragmaStatement } from '../sql/ast.js';
import type { ConnectionSettings, FkCounters, StatementResult } from './dml/exec-env.js';
import { autoVacuumMode, runIncrementalVacuum, setAutoVacuum } from './pragma/auto-vacuum-pragmas.js';
import type { Value } from './value.js';

/** Connection state beyond ConnectionSettings that PRAGMAs report. */
export interface PragmaState extends ConnectionSettings {
  cacheSize: number;
  busyTimeout: number;
  fk: FkCounters;
}

export function defaultPragmaState(): PragmaState {
  return {
    recursiveTriggers: false,
    foreignKeys: false,
    cacheSize: -2000,
    busyTimeout: 0,
    fk: { deferAll: false, deferred: 0, deferredImm: 0, statement: 0 },
  };
}

const HEADER_FIELDS: Readonly<Record<string, number>> = { user_version: 60, application_id: 68 };

function pragmaName(stmt: PragmaStatement): string {
  if (stmt.schema !== undefined && stmt.schema.toLowerCase() !== 'main') throw new SqliteError('SQLITE_ERROR', `unknown database ${stmt.schema}`);
  return stmt.name.toLowerCase();
}

/** Whether the PRAGMA writes the database file (then it runs in a write transaction). */
export function isFilePragmaWrite(stmt: PragmaStatement): boolean {
  const name = stmt.name.toLowerCase();
  // auto-vacuum-pragmas.ts: incremental_vacuum always writes; auto_vacuum when given a value.
  if (name === 'incremental_vacuum') return true;
  if (name === 'auto_vacuum') return stmt.value !== undefined;
  return stmt.value !== undefined && !stmt.call && HEADER_FIELDS[name] !== undefined;
}

/** Whether this file handles the PRAGMA (else it is a query for the read-only PRAGMAs). */
export function isSettingPragma(stmt: PragmaStatement): boolean {
  const name = stmt.name.toLowerCase();
  return HEADER_FIELDS[name] !== undefined || CONNECTION.has(name) || name === 'journal_mode';
}

const CONNECTION = new Set(['recursive_triggers', 'foreign_keys', 'defer_foreign_keys', 'cache_size', 'busy_timeout', 'analysis_limit']);

function rows(column: string, values: Value[][]): StatementResult {
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: false, returned: { columns: [column], rows: values } };
}

const NONE: StatementResult = { changes: 0, lastInsertRowid: undefined, schemaChanged: false };

/** SQLite's reading of a boolean pragma value (on/yes/true/1, off/no/false/0; anything else is off). */
function booleanValue(v: string): boolean {
  const s = v.toLowerCase();
  if (s === 'on' || s === 'yes' || s === 'true') return true;
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) && n !== 0;
}

/** SQLite's reading of an integer pragma value (a leading integer, else 0). */
function integerValue(v: string): number {
  const m = /^\s*([-+]?\d+)/.exec(v);
  return m === null ? 0 : Number(m[1]);
}

/** `PRAGMA user_version = N` / `application_id = N`: page 1 changed in the open write transaction. */
export async function executePragmaWrite(pager: Pager, stmt: PragmaStatement, settings?: ConnectionSettings): Promise<StatementResult> {
  const name = pragmaName(stmt);
  if (name === 'incremental_vacuum') {
    await runIncrementalVacuum(pager, stmt.value);
    return NONE;
  }
  if (name === 'auto_vacuum') {
    const mode = autoVacuumMode(stmt.value ?? '0');
    if (settings !== undefined) settings.nextAutoVacuum = mode;
    await setAutoVacuum(pager, mode);
    return NONE;
  }
  const offset = HEADER_FIELDS[name]!;
  const page1 = await pager.getWritable(1);
  // The field is a signed 32-bit integer: SQLite keeps the low 32 bits of the value given.
  const n = BigInt.asIntN(32, BigInt(integerValue(stmt.value ?? '0')));
  writeU32(page1, offset, Number(BigInt.asUintN(32, n)));
  return NONE;
}

/** Reads or sets a pragma this file handles; reads of header fields see the open transaction. */
export async function runSettingPragma(pager: Pager, state: PragmaState, stmt: PragmaStatement): Promise<StatementResult> {
  const name = pragmaName(stmt);
  const value = stmt.value;
  const offset = HEADER_FIELDS[name];
  if (offset !== undefined) {
    const page1 = await pager.getPage(1);
    return rows(name, [[BigInt((readU32(page1, offset) | 0))]]);
  }
  switch (name) {
    case 'recursive_triggers':
    case 'foreign_keys': {
      const key = name === 'foreign_keys' ? 'foreignKeys' : 'recursiveTriggers';
      if (value === undefined) return rows(name, [[state[key] ? 1n : 0n]]);
      state[key] = booleanValue(value);
      return NONE;
    }
    case 'defer_foreign_keys':
      if (value === undefined) return rows(name, [[state.fk.deferAll ? 1n : 0n]]);
      state.fk.deferAll = booleanValue(value);
      // Turning it off forgets the violations it deferred (SQLite zeroes nDeferredImmCons).
      if (!state.fk.deferAll) state.fk.deferredImm = 0;
      return NONE;
    case 'cache_size':
      if (value === undefined) return rows(name, [[BigInt(state.cacheSize)]]);
      state.cacheSize = integerValue(value);
      return NONE;
    case 'busy_timeout':
      // SQLite's busy_timeout returns the timeout in force, whether set or read.
      if (value !== undefined) state.busyTimeout = Math.max(0, integerValue(value));
      return rows('timeout', [[BigInt(state.busyTimeout)]]);
    case 'analysis_limit':
      // ANALYZE here reads every entry (SQLite's default, 0); a sampled analysis is not built.
      if (value !== undefined && integerValue(value) > 0) {
        throw new SqliteError('SQLITE_ERROR', 'PRAGMA analysis_limit = N is not supported: ANALYZE reads every index entry (limit 0)');
      }
      return rows('analysis_limit', [[0n]]);
    case 'journal_mode': {
      const mode = value?.toLowerCase();
      if (mode === 'wal') {
        throw new SqliteError('SQLITE_ERROR', 'journal_mode WAL is not supported: s3lite keeps the rollback journal (journal_mode stays delete)');
      }
      // A mode that cannot be set leaves the current one, which SQLite then reports.
      return rows('journal_mode', [['delete']]);
    }
    default:
      throw new SqliteError('SQLITE_ERROR', `PRAGMA ${stmt.name} is not supported`);
  }
}
