/**
 * PRAGMA [main.]optimize [(MASK)] (https://www.sqlite.org/pragma.html#pragma_optimize), with
 * SQLite 3.40's rules: with MASK bit 0x02 (the default 0xfffe has it), each table of main, in
 * SQLite's table-hash order, is re-analyzed (`ANALYZE "main"."t"`) when
 *
 *   1. the planner weighed statistics for it during this connection (select/stats-used.ts), and
 *   2. one of its indexes has no sqlite_stat1 row, or it has grown 25-fold since the last
 *      ANALYZE: its estimated size (the product of the cell counts down its leftmost path, as
 *      sqlite3BtreeRowCountEst) is at least the analyzed row count × 25 in SQLite's LogEst
 *      arithmetic (an empty table never is).
 *
 * MASK bit 0x01 returns the ANALYZE statements as rows instead of running them. TEMP is never
 * optimized. This module only decides; the connection runs the statements.
 */
import { childAt, loadBtreePage } from '../btree/btree-page.js';
import type { Pager } from '../pager/pager.js';
import { asciiLower } from '../schema/affinity.js';
import type { Schema } from '../schema/read-schema.js';
import { readSchemaRows } from '../schema/schema-rows.js';
import { statsOf } from '../schema/stat1.js';
import type { TableInfo } from '../schema/schema-types.js';
import type { PragmaStatement } from '../sql/ast.js';
import { hashOrder } from './ddl/analyze-order.js';
import type { Value } from './value.js';
import { statsUsed } from './select/stats-used.js';

/** The rows PRAGMA optimize(MASK with 0x01) returns. */
export function optimizeRows(plan: OptimizePlan): { readonly columns: readonly string[]; readonly rows: Value[][] } {
  return { columns: ['optimize'], rows: plan.statements.map((s) => [s]) };
}

export interface OptimizePlan {
  /** The ANALYZE statements, in order. */
  readonly statements: readonly string[];
  /** MASK bit 0x01: return them as rows (column "optimize") rather than run them. */
  readonly debug: boolean;
}

/** LogEst(25): sqlite3LogEst(25) = 46. */
const GROWTH = 46;
/** A table without statistics is assumed to hold 1,048,576 rows (LogEst 200). */
const UNKNOWN_ROWS = 200;

export async function planOptimize(pager: Pager, schema: Schema, stmt: PragmaStatement): Promise<OptimizePlan> {
  const mask = stmt.value === undefined ? 0xfffe : leadingInteger(stmt.value);
  const debug = (mask & 1) !== 0;
  if ((mask & 2) === 0 || (stmt.schema !== undefined && asciiLower(stmt.schema) === 'temp')) return { statements: [], debug };
  const main = schema.database('main') ?? schema;
  const stats = statsOf(schema); // loaded with the connection's schema
  const names = (await readSchemaRows(pager)).filter((r) => r.type === 'table' || r.type === 'view').map((r) => r.name);
  const statements: string[] = [];
  for (const name of hashOrder(['sqlite_master', ...names])) {
    const table = main.table(name);
    if (table === undefined || table.rootPage <= 0 || !statsUsed(schema, table.name)) continue;
    const pk = table.primaryKeyIndex;
    const indexes = pk !== undefined && !table.indexes.some((ix) => ix.name === pk.name) ? [pk, ...table.indexes] : table.indexes;
    const unanalyzed = indexes.some((ix) => stats?.(table.name, ix.name) === undefined);
    if (!unanalyzed) {
      const analyzed = stats?.(table.name, undefined)?.[0];
      const threshold = (analyzed === undefined ? UNKNOWN_ROWS : logEst(analyzed)) + GROWTH;
      const estimate = await leftmostEstimate(pager, table);
      if (estimate === 0 || logEst(estimate) < threshold) continue;
    }
    statements.push(`ANALYZE "main"."${table.name.replaceAll('"', '""')}"`);
  }
  return { statements, debug };
}

/** sqlite3BtreeRowCountEst after a rewind: the leaf's cells × each interior page's on the way. */
async function leftmostEstimate(pager: Pager, table: TableInfo): Promise<number> {
  let page = await loadBtreePage(pager, table.rootPage);
  let product = 1;
  for (let depth = 0; !page.header.isLeaf && depth < 64; depth++) {
    product *= page.header.cellCount;
    page = await loadBtreePage(pager, childAt(page, 0, pager.usableSize, pager.pageCount));
  }
  return page.header.cellCount === 0 ? 0 : product * page.header.cellCount;
}

/** sqlite3LogEst: about 10·log2(x), in SQLite's integer steps. */
export function logEst(x: number): number {
  const steps = [0, 2, 3, 5, 6, 7, 8, 9];
  if (x < 2) return 0;
  let y = 40;
  let v = BigInt(Math.floor(x));
  if (v < 8n) {
    while (v < 8n) {
      y -= 10;
      v <<= 1n;
    }
  } else {
    const i = v.toString(2).length - 4; // 60 - clz64(v)
    y += i * 10;
    v >>= BigInt(i);
  }
  return steps[Number(v & 7n)]! + y - 10;
}

function leadingInteger(text: string): number {
  const m = /^\s*([-+]?\d+)/.exec(text);
  return m === null ? 0 : Number(m[1]) >>> 0;
}
