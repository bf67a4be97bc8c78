/**
 * `SELECT * FROM t` — every column of one ordinary table, every row, in the table's own order —
 * is what `s3lite rows t` prints. For JSON Lines and CSV the query command then writes the rows
 * straight from the records (byte-rows.ts) instead of running them through the executor's values.
 *
 * The statement still goes through the parser and planner (its errors and column names are the
 * ordinary ones); the fast path is taken only when the plan is a plain `SCAN t`: should the
 * planner ever read such a query another way (a covering index, another order), the rows come
 * from the executor as usual.
 */
import type { Statement } from '../api/statement.js';
import type { Schema } from '../schema/read-schema.js';
import type { TableInfo } from '../schema/schema-types.js';
import { parseStatement } from '../sql/parser.js';

/** The table `sql` reads whole and as it is, or undefined when it does anything more. */
export function plainScanTable(sql: string, stmt: Statement, schema: Schema): TableInfo | undefined {
  const parsed = parseStatement(sql);
  if (parsed.kind !== 'select' || parsed.with !== undefined || parsed.compounds.length > 0) return undefined;
  if (parsed.orderBy !== undefined || parsed.limit !== undefined || parsed.offset !== undefined) return undefined;
  const core = parsed.first;
  if (core.kind !== 'select-core' || core.distinct || core.where !== undefined || core.groupBy !== undefined) return undefined;
  if (core.having !== undefined || core.window !== undefined) return undefined;
  const from = core.from;
  if (from?.kind !== 'table' || from.args !== undefined || from.indexedBy !== undefined) return undefined;
  if (from.schema !== undefined && from.schema.toLowerCase() !== 'main') return undefined;
  const star = core.columns.length === 1 ? core.columns[0]! : undefined;
  const seenAs = (from.alias ?? from.name).toLowerCase();
  if (star?.kind !== 'star' && !(star?.kind === 'table-star' && star.table.toLowerCase() === seenAs)) return undefined;
  const table = schema.relation(from.name);
  if (table?.kind !== 'table' || table.rootPage <= 0) return undefined;
  // The plan must be the plain scan, and the result every column of the table.
  const plan = stmt.plan();
  const scans = [`SCAN ${from.name}`, `SCAN ${table.name}`];
  if (from.alias !== undefined) scans.push(`SCAN ${from.name} AS ${from.alias}`, `SCAN ${table.name} AS ${from.alias}`, `SCAN ${from.alias}`);
  if (plan.length !== 1 || !scans.includes(plan[0]!)) return undefined;
  if (stmt.columns().length !== table.columns.length) return undefined;
  return table;
}
