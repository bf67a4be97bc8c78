/**
 * Pass 1 of UPDATE and DELETE without FROM: the rows WHERE selects, read before anything
 * changes. How they are found is decided once per statement plan (`planMatch`), then run per
 * execution (`matchRows`):
 *
 *   all     no WHERE: every row
 *   rowid   `WHERE rowid = <expr reading no column>` (or the INTEGER PRIMARY KEY): one seek
 *   index   the SELECT planner answers `SELECT <identity> FROM t WHERE …` by equality on an index
 *           — `UPDATE t SET … WHERE email = ?` reads the index's path and the rows it names
 *           instead of the whole table. Only equality searches: their rows come in rowid order
 *           within the key, the order a scan gives (REPLACE and triggers see the rows in the same
 *           order either way).
 *   scan    the table, WHERE evaluated on each row
 */
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { Expr, ResultColumn, SelectStatement } from '../../sql/ast.js';
import type { CompiledExpr } from '../expr-contract.js';
import { isTrue } from '../expr/value-ops.js';
import { compileSelect } from '../select/compile-select.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';
import type { CompiledQuery } from '../select/query-types.js';
import { compileEnvOf, evaluate, hasSubquery, placeRow, rowBuffer, type DmlRun } from './dml-run.js';
import { rowidLookupExpr, rowidOfValue } from './rowid-lookup.js';
import type { StoredRow, TableWriter } from './table-writer.js';

export type MatchPlan =
  | { readonly kind: 'all' }
  | { readonly kind: 'rowid'; readonly value: CompiledExpr }
  | { readonly kind: 'index'; readonly query: CompiledQuery }
  | { readonly kind: 'scan'; readonly test: TrackedExpr };

const ROWID_NAMES = ['rowid', 'oid', '_rowid_'];

/** Decides how WHERE finds its rows (compiling what that needs) for `scope`, whose `source` is the target table. */
export function planMatch(run: DmlRun, table: TableInfo, scope: CoreScope, source: Source, where: Expr | undefined): MatchPlan {
  if (where === undefined) return { kind: 'all' };
  if (!hasSubquery(where)) {
    const other = rowidLookupExpr(table, where, scope);
    if (other !== undefined) return { kind: 'rowid', value: run.env.compile(other, scope) };
    const query = indexQuery(run, table, source, where);
    if (query !== undefined) return { kind: 'index', query };
  }
  return { kind: 'scan', test: scope.compile(where) };
}

/** The rows `plan` selects, as they are before any change. */
export async function matchRows(run: DmlRun, plan: MatchPlan, writer: TableWriter, scope: CoreScope, source: Source): Promise<StoredRow[]> {
  const matched: StoredRow[] = [];
  const table = writer.table;
  switch (plan.kind) {
    case 'rowid': {
      const rowid = rowidOfValue(plan.value([], run.env.ctx));
      if (rowid === null) return matched;
      const r = await writer.readByRowid(rowid);
      if (r !== undefined) matched.push(r);
      return matched;
    }
    case 'index':
      for await (const batch of plan.query.batches(run.rt, run.frame?.row)) {
        for (const r of batch) {
          const found = table.withoutRowid ? await writer.readByPk(r) : await writer.readByRowid(r[0] as bigint);
          if (found !== undefined) matched.push(found);
        }
      }
      return matched;
    case 'all':
      await writer.scan((r) => {
        matched.push(r);
      });
      return matched;
    case 'scan': {
      const test = plan.test;
      await writer.scan((r) => {
        const buffer = rowBuffer(scope, run);
        placeRow(buffer, source, r.row, r.rowid);
        const v = evaluate(test, buffer, run.rt);
        if (v instanceof Promise) {
          return v.then((x) => {
            if (isTrue(x)) matched.push(r);
          });
        }
        if (isTrue(v)) matched.push(r);
        return undefined;
      });
      return matched;
    }
  }
}

/** `SELECT <identity> FROM t WHERE …` when the planner searches it by equality on an index; else undefined. */
function indexQuery(run: DmlRun, table: TableInfo, source: Source, where: Expr): CompiledQuery | undefined {
  const identity: Expr[] = table.withoutRowid
    ? table.primaryKey.map((c) => col(source.name, table.columns[c]!.name))
    : [col(source.name, table.rowidAlias >= 0 ? table.columns[table.rowidAlias]!.name : rowidName(table))];
  const select: SelectStatement = {
    kind: 'select',
    first: {
      kind: 'select-core',
      distinct: false,
      columns: identity.map((expr): ResultColumn => ({ kind: 'expr', expr })),
      from: { kind: 'table', name: table.name, alias: source.name, notIndexed: false },
      where,
    },
    compounds: [],
  };
  let query: CompiledQuery;
  try {
    query = compileSelect(select, compileEnvOf(run), run.frame?.scope);
  } catch {
    return undefined; // the scan reports the error as before
  }
  const plan = query.plan.map((l) => l.text);
  if (plan.length !== 1 || !/^SEARCH .* USING (COVERING )?INDEX .*\((?:[^<>]|<expr>)*\)$/.test(plan[0]!)) return undefined;
  return query;
}

function col(table: string, column: string): Expr {
  return { kind: 'column', table, column, doubleQuoted: false };
}

/** A name that reads the rowid of `table` (one of rowid, oid, _rowid_ that no column takes). */
export function rowidName(table: TableInfo): string {
  const taken = new Set(table.columns.map((c) => asciiLower(c.name)));
  return ROWID_NAMES.find((n) => !taken.has(n)) ?? 'rowid';
}
