/**
 * The planner's cost model: how many rows one run of a loop yields and what it costs, after the
 * idea of SQLite's next-generation query planner (where.c, whereLoopAddBtree and
 * whereLoopOutputAdjust), in plain numbers rather than SQLite's LogEst.
 *
 * Without statistics SQLite assumes every table holds 1,048,576 rows (LogEst 200); an equality
 * on the first column of an index yields 10 rows, on the next ones 9, 8, 7, 6 and then 5, and 1
 * once every column of a UNIQUE index is fixed; each range bound keeps a quarter of the rows.
 * A term the loop cannot seek on but can test still reduces its output (an equality to a
 * quarter at least). An automatic index costs a build once per statement (N·log N, weighted as
 * SQLite weighs it without statistics) and then a seek per run yielding about 20 rows.
 */
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { Expr } from '../../sql/ast.js';
import type { StatLookup } from '../../schema/stat1.js';

/** What one run of a loop costs and yields, given the loops outside it. */
export interface Estimate {
  /** The cost of one run of the loop (paid once per row of the loops outside it). */
  readonly cost: number;
  /** The rows one run yields, before the WHERE terms the path does not consume. */
  readonly rows: number;
  /** The cost paid once per statement (building an automatic index). */
  readonly setup: number;
  /** The WHERE/ON terms the path's seek consumes. */
  readonly consumed: ReadonlySet<Expr>;
}

/** SQLite's estimate for a table with no sqlite_stat1 row (LogEst 200). */
export const DEFAULT_TABLE_ROWS = 1_048_576;

/** Rows an IN (SELECT …) list is assumed to hold. */
export const IN_SUBQUERY_ROWS = 25;

/** Rows one seek of an automatic index yields (SQLite's "20 rows" guess). */
export const AUTO_INDEX_ROWS = 20;

const DEFAULT_KEY_ROWS = [10, 9, 8, 7, 6];

/** The row estimate of a table: its sqlite_stat1 row count when known. */
export function tableRows(table: TableInfo, stats: StatLookup | undefined): number {
  const s = stats?.(table.name, undefined);
  return s !== undefined && s[0] !== undefined && s[0] > 0 ? s[0] : DEFAULT_TABLE_ROWS;
}

/**
 * sqlite_stat1's numbers for a table (`index` undefined) or an index: the row count, then the
 * average rows per distinct value of each index prefix (src/schema/stat1.ts reads them).
 */
export type { StatLookup } from '../../schema/stat1.js';

/** Rows per distinct value of the first `k` columns of `index` (k ≥ 1). */
export function rowsPerKey(table: TableInfo, index: IndexInfo, k: number, stats: StatLookup | undefined): number {
  const s = stats?.(table.name, index.name);
  if (s !== undefined && s[k] !== undefined && s[k]! > 0) return s[k]!;
  if (index.unique && k >= index.columns.length) return 1;
  const n = tableRows(table, stats);
  const guess = DEFAULT_KEY_ROWS[k - 1] ?? 5;
  return Math.min(n, index.partial !== undefined ? guess / 2 : guess);
}

/** log2 of a row count: the cost of one b-tree descent. */
export function seekCost(rows: number): number {
  return Math.max(1, Math.log2(Math.max(rows, 2)));
}

/** A full scan of `rows` rows (SQLite: LogEst rSize + 16, about 3 units a row). */
export function scanEstimate(rows: number): Estimate {
  return { cost: 3 * rows, rows, setup: 0, consumed: new Set() };
}

/**
 * `seeks` descents into a b-tree of `tableRowCount` rows, each yielding `perSeek` rows: about
 * 1.5 units a row read from the index and 3 more a row looked up in the table when the index
 * does not cover the query (SQLite: rCostIdx, and nOut + 16 for the lookups).
 */
export function seekEstimate(tableRowCount: number, seeks: number, perSeek: number, covering: boolean, consumed: ReadonlySet<Expr>): Estimate {
  const rows = seeks * perSeek;
  return { cost: seeks * seekCost(tableRowCount) + rows * (covering ? 1.5 : 4.5), rows, setup: 0, consumed };
}

/** A seek through an automatic index built once over a table of `tableRowCount` rows. */
export function autoIndexEstimate(tableRowCount: number, consumed: ReadonlySet<Expr>): Estimate {
  const descent = seekCost(tableRowCount);
  // SQLite adds LogEst 28 (about ×7) to the build cost of a table without statistics.
  return { cost: descent + AUTO_INDEX_ROWS, rows: AUTO_INDEX_ROWS, setup: 7 * tableRowCount * descent, consumed };
}

/** Fraction of rows a range bound keeps. */
export const RANGE_FRACTION = 0.25;
