/**
 * The SELECT compiler and executor (https://www.sqlite.org/lang_select.html): the entry point,
 * WITH clauses and the choice between a lone core, VALUES and a compound. The work is done by
 * one module per clause or operator:
 *
 *   select-core.ts     one SELECT core, clause by clause:
 *     from-clause.ts     FROM items (tables, views, CTEs, subqueries) and join terms
 *     result-columns.ts  result columns and their names
 *     core-clauses.ts    WHERE, ON, GROUP BY, HAVING, ORDER BY (aliases, column numbers)
 *     loop-plan.ts       where each term is tested, access paths, count(*), the query plan
 *   core-query.ts      running a core: join-loop.ts (nested loops), aggregate-rows.ts
 *                      (GROUP BY, aggregates), DISTINCT, sort-rows.ts, batch-stream.ts (LIMIT)
 *   values.ts, compound.ts, order-limit.ts   VALUES, UNION/INTERSECT/EXCEPT, their ORDER BY/LIMIT
 *   recursive-cte.ts   WITH RECURSIVE (a CTE naming itself)
 *   table-functions.ts, table-function-path.ts   json_each and other table-valued functions
 *   run-terms.ts       evaluating terms and the subqueries they read
 *
 * Row by row, nothing waits unless it must: each FROM item is a RowSource whose `next()`
 * answers at once when no page must be fetched, the nested loops (`joinRows`) are a state
 * machine that steps synchronously through them, and result rows leave in batches
 * (`CompiledQuery.batches`): every row computed without waiting joins the batch, which goes
 * out before the scan waits for a page — one Promise per batch rather than one per row and per
 * layer. Batching changes no result: LIMIT/OFFSET are applied while producing (no row past the
 * LIMIT is computed), `want` lets a caller that needs one row (get(), a scalar subquery) ask
 * for one, and an error on a row is thrown after the batch of rows before it.
 */
import type { SelectCore, SelectStatement, ValuesCore } from '../../sql/ast.js';
import { compoundQuery } from './compound.js';
import type { CoreScope } from './query-scope.js';
import type { CompileEnv, CompiledQuery, CteEntry } from './query-types.js';
import { compileSelectCore } from './select-core.js';
import { referencesTable } from './recursive-cte.js';
import { err } from './select-errors.js';
import { compileValues } from './values.js';

export function compileSelect(select: SelectStatement, env: CompileEnv, parent: CoreScope | undefined): CompiledQuery {
  let inner = env;
  if (select.with !== undefined) {
    // Every CTE of the WITH sees all of them (forward references too, as in SQLite); a cycle
    // between them is caught when one expands (from-clause.ts).
    const ctes = new Map(env.ctes);
    const own = new Set<string>();
    const visible: CompileEnv = { ...env, ctes };
    for (const cte of select.with.ctes) {
      const key = cte.name.toLowerCase();
      if (own.has(key)) throw err(`duplicate WITH table name: ${cte.name}`);
      own.add(key);
      // A CTE naming itself is recursive, with or without RECURSIVE (recursive-cte.ts).
      const recursive = referencesTable(cte.select, key);
      const entry: CteEntry = { cte, env: visible, ...(recursive && { recursive }) };
      ctes.set(key, entry);
    }
    inner = { ...env, ctes };
  }
  if (select.compounds.length === 0) {
    return compileCore(select.first, inner, parent, select);
  }
  const first = compileCore(select.first, inner, parent, undefined);
  const parts = select.compounds.map((c) => ({ op: c.op, q: compileCore(c.core, inner, parent, undefined) }));
  return compoundQuery(select, first, parts, inner, parent, compileSelect);
}

function compileCore(core: SelectCore | ValuesCore, env: CompileEnv, parent: CoreScope | undefined, stmt: SelectStatement | undefined): CompiledQuery {
  if (core.kind === 'values') return compileValues(core, env, parent, stmt, compileSelect);
  return compileSelectCore(core, env, parent, stmt, compileSelect);
}
