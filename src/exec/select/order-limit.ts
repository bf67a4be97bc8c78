/** ORDER BY and LIMIT / OFFSET of a compound SELECT or of VALUES, applied to its output rows. */
import type { SelectStatement } from '../../sql/ast.js';
import type { Value } from '../value.js';
import { columnNumber } from './ast-terms.js';
import { flattenBatches, limitBatches } from './batch-stream.js';
import { CoreScope, type CompileQuery } from './query-scope.js';
import type { CompileEnv, CompiledQuery, RunContext } from './query-types.js';
import { err, ordinal } from './select-errors.js';
import { TopRows, compareKeys, type SortKey } from './sort-rows.js';

/** ORDER BY / LIMIT over the output columns of a compound (or VALUES): terms name output columns. */
export function orderAndLimit(q: CompiledQuery, stmt: SelectStatement, env: CompileEnv, parent: CoreScope | undefined, compile: CompileQuery): CompiledQuery {
  const keys: SortKey[] = [];
  const index: number[] = [];
  (stmt.orderBy ?? []).forEach((t, i) => {
    const e = t.expr.kind === 'collate' ? t.expr.expr : t.expr;
    let k: number | undefined;
    const num = columnNumber(e);
    if (num !== undefined) {
      k = num - 1;
      if (k < 0 || k >= q.columns.length) {
        throw err(`${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${q.columns.length}`);
      }
    } else if (e.kind === 'column') {
      const found = q.columns.findIndex((c) => c.name.toLowerCase() === e.column.toLowerCase());
      if (found >= 0) k = found;
    }
    if (k === undefined) throw err(`${ordinal(i + 1)} ORDER BY term does not match any column in the result set`);
    index.push(k);
    keys.push({ desc: t.desc, nulls: t.nulls, collation: t.expr.kind === 'collate' ? t.expr.collation : q.columns[k]!.collation });
  });
  const limitScope = new CoreScope(env, parent, compile);
  const limit = stmt.limit === undefined ? undefined : limitScope.compile(stmt.limit);
  const offset = stmt.offset === undefined ? undefined : limitScope.compile(stmt.offset);
  const plan = [...q.plan];
  if (keys.length > 0) plan.push({ depth: 0, text: 'USE TEMP B-TREE FOR ORDER BY' });
  return {
    columns: q.columns,
    get correlated() {
      return q.correlated || limitScope.usesOuter;
    },
    plan,
    batches,
    run: (rt, outer) => flattenBatches(batches(rt, outer)),
  };
  function batches(rt: RunContext, outer: readonly Value[] | undefined, want?: number): AsyncGenerator<Value[][]> {
    return limitBatches(rt, outer, limit, offset, want, async function* (cap) {
      if (keys.length === 0) {
        yield* q.batches(rt, outer);
        return;
      }
      const pick = (r: Value[]) => index.map((k) => r[k] ?? null);
      const top = new TopRows<Value[]>((a, b) => compareKeys(keys, pick(a), pick(b)), cap);
      for await (const b of q.batches(rt, outer)) for (const r of b) top.add(r);
      const sortedRows = top.rows();
      if (sortedRows.length > 0) yield sortedRows;
    });
  }
}
