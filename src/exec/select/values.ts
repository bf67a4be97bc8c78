/** VALUES (https://www.sqlite.org/lang_select.html#values): constant rows, evaluated per run. */
import type { SelectStatement, ValuesCore } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { rowBatches } from './batch-stream.js';
import { exprAffinity, exprCollation } from './expr-api.js';
import { orderAndLimit } from './order-limit.js';
import { CoreScope, type CompileQuery } from './query-scope.js';
import type { CompileEnv, CompiledQuery, PlanLine, ResultColumnInfo, RunContext } from './query-types.js';
import { evaluate } from './run-terms.js';
import { err } from './select-errors.js';

/** A VALUES core: its rows, then the statement's ORDER BY / LIMIT when it owns them. */
export function compileValues(
  core: ValuesCore,
  env: CompileEnv,
  parent: CoreScope | undefined,
  stmt: SelectStatement | undefined,
  compile: CompileQuery,
): CompiledQuery {
  const scope = new CoreScope(env, parent, compile);
  const width = core.rows[0]?.length ?? 0;
  const rows = core.rows.map((r) => {
    if (r.length !== width) throw err('all VALUES must have the same number of terms');
    return r.map((e) => scope.compile(e));
  });
  const first = core.rows[0] ?? [];
  const columns: ResultColumnInfo[] = first.map((e, i) => ({
    name: `column${i + 1}`,
    affinity: exprAffinity(e, scope),
    collation: exprCollation(e, scope),
  }));
  const plan: PlanLine[] = [{ depth: 0, text: `SCAN ${rows.length} CONSTANT ROW${rows.length === 1 ? '' : 'S'}` }];
  const values: CompiledQuery = {
    columns,
    get correlated() {
      return scope.usesOuter;
    },
    plan,
    run,
    batches: (rt, outer, want) => rowBatches(run(rt, outer), want),
  };
  async function* run(rt: RunContext, outer: readonly Value[] | undefined): AsyncGenerator<Value[]> {
    const row = new Array<Value>(scope.width).fill(null);
    if (outer !== undefined) for (let i = 0; i < scope.base; i++) row[i] = outer[i] ?? null;
    for (const r of rows) {
      const out: Value[] = [];
      for (const t of r) out.push(await evaluate(t, row, rt));
      yield out;
    }
  }
  if (stmt === undefined || (stmt.orderBy === undefined && stmt.limit === undefined)) return values;
  return orderAndLimit(values, stmt, env, parent, compile);
}
