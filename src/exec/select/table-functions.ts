/**
 * Table-valued functions: the names that may stand in FROM with arguments, as SQLite's
 * eponymous virtual tables do (`FROM t, json_each(t.doc)`). An argument may read the FROM
 * items to its left (the function then runs once per row of them) and the enclosing query.
 *
 * A function declares its columns; the hidden ones (last) take the arguments, in order, and
 * are left out of `*`. Register new ones here (e.g. the pragma_… functions).
 */
import type { Schema } from '../../schema/read-schema.js';
import { JSON_TABLE_COLUMNS, jsonTableRows } from '../functions/json/json-table.js';
import { pragmaTableFunctions } from '../pragma/pragma-functions.js';
import { RTREECHECK_FUNCTION, RTREECHECK_TABLE } from '../vtab/rtree-check-function.js';
import type { Value } from '../value.js';
import type { RunContext } from './query-types.js';
import type { VirtualPlanner } from '../vtab/virtual-plan.js';

export interface TableFunctionContext {
  readonly rt: RunContext;
  readonly schema: Schema;
  /** Where the database lives (pragma_database_list's `file`). */
  readonly file?: string;
}

export interface TableFunction {
  readonly columns: readonly { readonly name: string; readonly hidden: boolean }[];
  /** The rows for these argument values: one value per column, hidden ones included. */
  rows(args: readonly Value[], ctx: TableFunctionContext): Iterable<Value[]> | AsyncIterable<Value[]>;
  /**
   * Columns that carry SQLite's JSON subtype when another column (json_each's `type`) says
   * 'array' or 'object': column name → that column's name.
   */
  readonly jsonColumns?: Readonly<Record<string, string>>;
  /** The rowid of its first row (rows count up from it); without it the function has no rowid. */
  readonly rowidBase?: number;
  /** Its line in EXPLAIN QUERY PLAN (default: SQLite's line for a virtual table). */
  readonly describe?: (name: string) => string;
  /** A virtual table module's planner (rtree): it chooses the path and the WHERE terms it decides. */
  readonly plan?: VirtualPlanner;
}

const FUNCTIONS = new Map<string, TableFunction>();

/** Adds a table-valued function (names are case-insensitive). */
export function registerTableFunction(name: string, fn: TableFunction): void {
  FUNCTIONS.set(name.toLowerCase(), fn);
}

export function lookupTableFunction(name: string): TableFunction | undefined {
  return FUNCTIONS.get(name.toLowerCase());
}

registerTableFunction('json_each', { columns: JSON_TABLE_COLUMNS, rows: (args) => jsonTableRows('json_each', false, args), jsonColumns: { value: 'type' }, rowidBase: 0 });
registerTableFunction('json_tree', { columns: JSON_TABLE_COLUMNS, rows: (args) => jsonTableRows('json_tree', true, args), jsonColumns: { value: 'type' }, rowidBase: 0 });
for (const [name, fn] of pragmaTableFunctions()) registerTableFunction(name, fn);
registerTableFunction(RTREECHECK_TABLE, RTREECHECK_FUNCTION);
