/**
 * Shapes shared by the SELECT compiler, the access paths and the statement API.
 */
import type { Pager } from '../../pager/pager.js';
import type { Affinity } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { CommonTableExpr } from '../../sql/ast.js';
import type { EvalContext } from '../expr-contract.js';
import type { Value } from '../value.js';
import type { ConnectionState } from '../functions/scalar.js';

/** What a statement runs against. */
export interface QueryContext {
  readonly pager: Pager;
  readonly schema: Schema;
  /** Where the database lives, as users write it (PRAGMA database_list's `file`). */
  readonly file?: string;
  /** The connection's counters (changes(), total_changes(), last_insert_rowid()), when there is one. */
  readonly connection?: ConnectionState;
}

/** Per-execution state: parameters, `now`, and the results of uncorrelated subqueries. */
export interface RunContext {
  readonly eval: EvalContext;
  readonly pager: Pager;
  /** Uncorrelated subquery results and materialized FROM subqueries of this execution. */
  readonly cache: Map<object, unknown>;
}

export interface ResultColumnInfo {
  readonly name: string;
  readonly affinity: Affinity | undefined;
  readonly collation: string;
  /** False when the expression has no collating sequence (then `collation` is BINARY by default). */
  readonly collated?: boolean;
}

/** One line of EXPLAIN QUERY PLAN output; `depth` nests subqueries. */
export interface PlanLine {
  readonly depth: number;
  readonly text: string;
}

/** A compiled SELECT (or VALUES, or compound): run it as often as needed. */
export interface CompiledQuery {
  readonly columns: readonly ResultColumnInfo[];
  /** True when it reads columns of an enclosing query (then it runs once per outer row). */
  readonly correlated: boolean;
  readonly plan: readonly PlanLine[];
  /** Streams result rows. `outer` is the enclosing query's current row (its columns are a prefix). */
  run(rt: RunContext, outer: readonly Value[] | undefined): AsyncGenerator<Value[]>;
  /**
   * The same rows in batches (never empty): one Promise per batch rather than per row. A batch
   * ends where reading must wait for a page. `want` caps the rows (as a LIMIT would: no row
   * past it is computed). An error on a row comes after the batch of the rows before it.
   */
  batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]>;
  /**
   * The first row (undefined: none), without a Promise when computing it needs none (every page
   * at hand, no subquery): what `batches(rt, outer, 1)` yields first, for `Statement.get` and
   * scalar subqueries. Only on the shapes that stream (no sort, grouping, window or LIMIT).
   */
  readonly first?: (rt: RunContext, outer: readonly Value[] | undefined) => Value[] | undefined | Promise<Value[] | undefined>;
  /** Every row in one array, without a Promise when none is needed (as `first`; for `Statement.all`). */
  readonly collect?: (rt: RunContext, outer: readonly Value[] | undefined) => Value[][] | Promise<Value[][]>;
}

export interface CteEntry {
  readonly cte: CommonTableExpr;
  /** The CTEs visible to this one (all of its WITH, and the enclosing ones). */
  readonly env: CompileEnv;
  /** It reads itself (recursive-cte.ts runs it); any self-reference makes a CTE recursive, as in SQLite. */
  readonly recursive?: boolean;
  /**
   * Inside a recursive CTE's recursive SELECTs, its name is the working table: the row the
   * recursion is at, which the run keeps in `rt.cache` under `token`.
   */
  readonly working?: { readonly token: object; readonly columns: readonly ResultColumnInfo[] };
}

export interface CompileEnv {
  readonly schema: Schema;
  readonly ctes: ReadonlyMap<string, CteEntry>;
  /** Views being expanded (guards against a view that selects from itself). */
  readonly viewStack: readonly string[];
  /** The CTEs being expanded (a CTE met again inside itself is a circular reference). */
  readonly expanding?: ReadonlySet<CteEntry>;
  /** Result column source text of each SELECT core (names expression columns as SQLite does). */
  readonly spans?: ReadonlyMap<object, readonly string[]>;
  /** Where the database lives (for `pragma_database_list`). */
  readonly file?: string;
  /**
   * Compiling SQL stored in main (a main view's SELECT): a missing unqualified table is named
   * `main.x`, as SQLite binds such names to main.
   */
  readonly inMain?: boolean;
}
