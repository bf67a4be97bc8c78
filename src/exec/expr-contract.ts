/**
 * The contract between the expression compiler (`src/exec/expr/`) and the statement executors
 * (DML in `src/exec/dml/`, SELECT in `src/exec/select/`).
 *
 * Expressions are compiled once per statement into closures and then evaluated synchronously
 * per row — no Promise per row or per value. Anything that needs I/O (a subquery) is run by the
 * executor BEFORE the expression is evaluated for a row, and its result is put into a slot of
 * the row (`SubqueryBinding`): the compiled expression only reads slots.
 */
import type { Affinity } from '../schema/affinity.js';
import type { Expr, SelectStatement } from '../sql/ast.js';
import type { Value } from './value.js';
import type { ConnectionState } from './functions/scalar.js';

/** What a column reference resolves to. */
export interface ResolvedColumn {
  /** Index into the row array the executor passes to the compiled expression. */
  readonly slot: number;
  readonly affinity: Affinity;
  /** The column's collation (BINARY, NOCASE, RTRIM). */
  readonly collation: string;
  /** The rowid (or the INTEGER PRIMARY KEY that is it): SQLite gives it no collating sequence. */
  readonly rowid?: boolean;
}

/** How a subquery inside an expression is wired: the executor fills `slot` before evaluating. */
export interface SubqueryBinding {
  readonly slot: number;
  /** 'scalar': the slot holds the first column of the first row (or NULL); 'exists': 1n/0n;
   * 'in': the slot holds a `ReadonlySet`-like `ValueSet` of the subquery's first column — or,
   * for a row value on the left (`width` > 1), a `RowSet` of its rows; 'row': a `RowValue`
   * of its first row (NULLs when it has none). See expr/row-set.ts. */
  readonly mode: 'scalar' | 'exists' | 'in' | 'row';
  /** The subquery's columns (their affinity and collation), for row-value comparisons. */
  readonly columns?: readonly { readonly affinity: Affinity | undefined; readonly collation: string }[];
}

/** Name resolution for one expression context (a FROM clause, a table for DML, nothing for VALUES). */
export interface Scope {
  /** Resolves `table.column` / `column`; undefined when no such column (then a `"double-quoted"`
   * name becomes a string literal, as SQLite does); throws SqliteError for ambiguous names. */
  resolveColumn(table: string | undefined, column: string): ResolvedColumn | undefined;
  /** Registers a subquery met while compiling; the executor runs it per row (or once when uncorrelated). */
  bindSubquery?(select: SelectStatement, mode: SubqueryBinding['mode'], width?: number): SubqueryBinding;
  /** Aggregates met while compiling (SELECT with GROUP BY or aggregate functions). */
  bindAggregate?(call: Expr & { kind: 'function' }): { readonly slot: number };
  /** Window function calls (`f(…) OVER …`) met while compiling; throws where they are not allowed. */
  bindWindow?(call: Expr & { kind: 'function' }): { readonly slot: number };
}

/** Per-statement evaluation context. */
export interface EvalContext {
  /** Bound parameters by position (1-based index → value) and by name (`:x`, `@x`, `$x` with their sigil). */
  readonly params: ParamValues;
  /** 'now' for CURRENT_TIME and date('now'): fixed for the whole statement, as SQLite does. */
  readonly now: Date;
}

/**
 * An EvalContext whose clock is read at the first use of 'now' and then kept for the statement
 * (most statements never ask: a bulk load's INSERTs then read no clock).
 */
export class StatementContext implements EvalContext {
  #now: Date | undefined;

  constructor(
    readonly params: ParamValues,
    /** The connection's counters, for changes(), total_changes(), last_insert_rowid(). */
    readonly connection?: ConnectionState,
  ) {}

  get now(): Date {
    return (this.#now ??= new Date());
  }

  /** Makes this the context of another run of the same statement (a prepared write's, write-statement.ts): 'now' is read anew. */
  restart(): void {
    this.#now = undefined;
  }
}

export interface ParamValues {
  readonly positional: readonly Value[];
  readonly named: ReadonlyMap<string, Value>;
}

export type CompiledExpr = (row: readonly Value[], ctx: EvalContext) => Value;
