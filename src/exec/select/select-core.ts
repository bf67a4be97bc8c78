/**
 * Compiling one SELECT core (https://www.sqlite.org/lang_select.html): FROM, the result
 * columns, WHERE / GROUP BY / HAVING / ORDER BY, LIMIT and the nested loops, in that order —
 * the order fixes the slots of the row the expressions read — then core-query.ts runs it.
 *
 * A core runs as nested loops over its FROM items, left to right (the order written; no join
 * reordering), each item read through an access path chosen by access-path.ts.
 */
import type { SelectCore, SelectStatement } from '../../sql/ast.js';
import { compileClauses } from './core-clauses.js';
import { coreQuery } from './core-query.js';
import { compileFrom } from './from-clause.js';
import { planLoops } from './loop-plan.js';
import { CoreScope, type CompileQuery } from './query-scope.js';
import type { CompileEnv, CompiledQuery } from './query-types.js';
import { compileResults } from './result-columns.js';
import { err } from './select-errors.js';

/** `stmt` is the statement when the core owns its ORDER BY and LIMIT (not part of a compound). */
export function compileSelectCore(
  core: SelectCore,
  env: CompileEnv,
  parent: CoreScope | undefined,
  stmt: SelectStatement | undefined,
  compile: CompileQuery,
): CompiledQuery {
  const scope = new CoreScope(env, parent, compile);
  const fromQueries: CompiledQuery[] = [];
  const join = compileFrom(scope, core.from, env, fromQueries);
  // Window functions may appear in the result columns and ORDER BY only (core-clauses.ts).
  scope.namedWindows = core.window;
  scope.windowsAllowed = true;
  const results = compileResults(scope, core, env);
  scope.windowsAllowed = false;
  const clauses = compileClauses(scope, core.where, core.groupBy, core.having, stmt, results, join);
  scope.windowsAllowed = false;

  const aggregate = scope.aggregates.length > 0 || clauses.groupBy.length > 0;
  if (clauses.having !== undefined && !aggregate) throw err('HAVING clause on a non-aggregate query');

  // LIMIT / OFFSET: no columns in scope (the enclosing query's are).
  const limitScope = new CoreScope(env, parent, compile);
  const limit = stmt?.limit === undefined ? undefined : limitScope.compile(stmt.limit);
  const offset = stmt?.offset === undefined ? undefined : limitScope.compile(stmt.offset);

  // Rows leave the window stage in its order, so ORDER BY cannot come from the scan then.
  const { loops, sorted, countRoot, plan } = planLoops(scope, core, clauses, join, results, aggregate || scope.windows.length > 0);
  return coreQuery({
    scope,
    limitScope,
    distinct: core.distinct,
    results,
    columns: results.map((r) => r.info),
    groupBy: clauses.groupBy,
    having: clauses.having,
    order: clauses.order,
    aggregate,
    sorted,
    limit,
    offset,
    loops,
    countRoot,
    fromQueries,
    plan,
  });
}
