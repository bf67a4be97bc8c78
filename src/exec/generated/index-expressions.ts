/**
 * The values of an index's expression terms (`CREATE INDEX i ON t(lower(name), a + b)`) for a
 * row: each expression evaluated over the row's columns (declaration order; the rowid cannot be
 * named, as in SQLite), then given the index column's affinity (sqlite3IndexAffinityStr: the
 * expression's own affinity, with INTEGER and REAL weakened to NUMERIC, none as BLOB). A date
 * function reading 'now' fails as in SQLite ("non-deterministic use of date() in an index").
 */
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { CompiledExpr, EvalContext } from '../expr-contract.js';
import { compileExpr } from '../expr/compile.js';
import { exprAffinity } from '../expr/expr-collation.js';
import type { Value } from '../value.js';
import { withAffinity } from '../dml/row-codec.js';
import { columnsOnlyScope, nowRefusingContext } from './generated-columns.js';

interface Term {
  readonly fn: CompiledExpr;
  readonly ctx: EvalContext;
  readonly convert: (v: Value) => Value;
}

const INT64_LIMIT = 2 ** 63;

/** NUMERIC affinity as an index record holds it: integral reals in the int64 range as integers. */
function numeric(v: Value): Value {
  const r = withAffinity(v, 'NUMERIC');
  if (typeof r === 'number' && Number.isInteger(r) && r > -INT64_LIMIT && r < INT64_LIMIT) return BigInt(r);
  return r;
}

const compiled = new WeakMap<IndexInfo, (Term | undefined)[]>();

function termsOf(index: IndexInfo, table: TableInfo): (Term | undefined)[] {
  let terms = compiled.get(index);
  if (terms === undefined) {
    const scope = columnsOnlyScope(table);
    terms = index.recordColumns.map((c) => {
      if (c.column !== -2 || c.expr === undefined) return undefined;
      const affinity = exprAffinity(c.expr, scope);
      const convert =
        affinity === 'TEXT'
          ? (v: Value) => withAffinity(v, 'TEXT')
          : affinity === 'INTEGER' || affinity === 'REAL' || affinity === 'NUMERIC'
            ? numeric
            : (v: Value) => v;
      return { fn: compileExpr(c.expr, scope), ctx: nowRefusingContext(c.expr, 'an index'), convert };
    });
    compiled.set(index, terms);
  }
  return terms;
}

/** The value of record field `field` of `index` (an expression term) for `row`. */
export function indexExpressionValue(index: IndexInfo, table: TableInfo, field: number, row: readonly Value[]): Value {
  const term = termsOf(index, table)[field]!;
  return term.convert(term.fn(row, term.ctx));
}
