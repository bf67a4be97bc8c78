/**
 * What compiling one SELECT core produces and running it reads: the compiled clauses, the
 * nested loops over its FROM items, and how its output is shaped (grouping, sorting, LIMIT).
 */
import type { Expr } from '../../sql/ast.js';
import type { Value } from '../value.js';
import type { AccessPath } from './access-path.js';
import type { UsingMerge } from './from-clause.js';
import type { CoreScope, TrackedExpr } from './query-scope.js';
import type { CompiledQuery, PlanLine, ResultColumnInfo } from './query-types.js';
import type { SortKey } from './sort-rows.js';

/** One result column: compiled, with its name and the expression it came from. */
export interface ResultEntry {
  readonly tracked: TrackedExpr;
  readonly name: string;
  readonly info: ResultColumnInfo;
  readonly expr: Expr;
  readonly alias: string | undefined;
}

export interface GroupTerm {
  readonly tracked: TrackedExpr;
  readonly collation: string;
}

/** One ORDER BY term: a result column (`result`) or an expression of its own (`tracked`). */
export interface OrderEntry {
  readonly result: number | undefined;
  readonly tracked: TrackedExpr | undefined;
  readonly key: SortKey;
  readonly expr: Expr;
}

/**
 * The nested loops of FROM + WHERE, outermost first: the FROM item each loop reads, its access
 * path and where each term is tested. Loop p reads item `order[p]` (its level), which is p
 * unless the planner reordered the join (loop-order.ts).
 */
export interface JoinLoops {
  readonly order: readonly number[];
  readonly paths: readonly AccessPath[];
  /** Per loop: the ON terms of a LEFT JOIN item (they decide whether it matched). */
  readonly leftOn: readonly (readonly TrackedExpr[])[];
  /** Per loop: the WHERE (and inner-join ON) terms tested once that loop has a row. */
  readonly whereAt: readonly (readonly TrackedExpr[])[];
  /** Terms that read no FROM column: tested once, before any loop. */
  readonly constant: readonly TrackedExpr[];
  /**
   * RIGHT and FULL JOIN items: by level, the path that reads the whole item again for the
   * rows no left row matched (ascending levels).
   */
  readonly rightJoins: readonly { readonly level: number; readonly scan: AccessPath }[];
  /** Merged USING columns of RIGHT/FULL joins, filled when their level has a row. */
  readonly merges: readonly UsingMerge[];
}

export interface CorePlan {
  readonly scope: CoreScope;
  /** The scope LIMIT and OFFSET compile in (no FROM columns). */
  readonly limitScope: CoreScope;
  readonly distinct: boolean;
  readonly results: readonly ResultEntry[];
  readonly columns: readonly ResultColumnInfo[];
  readonly groupBy: readonly GroupTerm[];
  readonly having: TrackedExpr | undefined;
  readonly order: readonly OrderEntry[];
  /** GROUP BY or an aggregate function: rows are grouped before the result columns. */
  readonly aggregate: boolean;
  /** ORDER BY needs a sort (the scan does not yield that order). */
  readonly sorted: boolean;
  readonly limit: TrackedExpr | undefined;
  readonly offset: TrackedExpr | undefined;
  readonly loops: JoinLoops;
  /** `SELECT count(*) FROM t`: the root page of the b-tree whose cells are counted. */
  readonly countRoot: number | undefined;
  readonly fromQueries: readonly CompiledQuery[];
  readonly plan: readonly PlanLine[];
}

/** An output row before ORDER BY / LIMIT, with its sort keys when sorting. */
export type Produced = { out: Value[]; keys: Value[] | undefined };
