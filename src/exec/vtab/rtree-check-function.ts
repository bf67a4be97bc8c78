/**
 * How `rtreecheck(…)` reaches the database: scalar functions are synchronous, the check reads
 * pages, so the expression compiler turns the call into the scalar subquery
 * `(SELECT report FROM sqlite_rtreecheck(args…))` over a table-valued function, which the
 * executor runs asynchronously with the statement's pager and schema. The name has SQLite's
 * reserved `sqlite_` prefix, so it cannot meet a user's table.
 */
import { SqliteError } from '../../errors.js';
import type { Expr } from '../../sql/ast.js';
import type { TableFunction } from '../select/table-functions.js';
import { rtreeCheck } from './rtree-check.js';

export const RTREECHECK_TABLE = 'sqlite_rtreecheck';

export const RTREECHECK_FUNCTION: TableFunction = {
  columns: [
    { name: 'report', hidden: false },
    { name: 'arg1', hidden: true },
    { name: 'arg2', hidden: true },
  ],
  async *rows(args, ctx) {
    yield [await rtreeCheck(args, ctx.schema, ctx.rt.pager)];
  },
};

export function rtreecheckSubquery(args: readonly Expr[]): Expr {
  if (args.length !== 1 && args.length !== 2) throw new SqliteError('SQLITE_ERROR', 'wrong number of arguments to function rtreecheck()');
  return {
    kind: 'subquery',
    select: {
      kind: 'select',
      first: {
        kind: 'select-core',
        distinct: false,
        columns: [{ kind: 'expr', expr: { kind: 'column', column: 'report', doubleQuoted: false } }],
        from: { kind: 'table', name: RTREECHECK_TABLE, args, notIndexed: false },
      },
      compounds: [],
    },
  };
}
