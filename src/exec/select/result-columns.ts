/**
 * Result columns of a SELECT core: `*` and `table.*` expanded, each column compiled with the
 * name SQLite gives it (the alias, the column's own name, or the expression's source text).
 */
import type { Expr, ResultColumn, SelectCore } from '../../sql/ast.js';
import { colRef } from './ast-terms.js';
import type { ResultEntry } from './core-plan.js';
import { exprAffinity, exprCollation, hasCollation } from './expr-api.js';
import { internalName, type CoreScope } from './query-scope.js';
import type { CompileEnv } from './query-types.js';
import { err } from './select-errors.js';

/** Compiles the result columns (after FROM, before every other clause: the slot order matters). */
export function compileResults(scope: CoreScope, core: SelectCore, env: CompileEnv): ResultEntry[] {
  const spans = env.spans?.get(core) ?? [];
  const results: ResultEntry[] = [];
  const addResult = (expr: Expr, name: string, alias: string | undefined): void => {
    const tracked = scope.compile(expr, true);
    results.push({
      tracked,
      name,
      expr,
      alias,
      info: { name, affinity: exprAffinity(expr, scope), collation: exprCollation(expr, scope), collated: hasCollation(expr, scope) },
    });
  };
  core.columns.forEach((rc: ResultColumn, i) => {
    if (rc.kind === 'star' || rc.kind === 'table-star') {
      if (scope.sources.length === 0) throw err('no tables specified');
      const chosen =
        rc.kind === 'star' ? scope.sources : scope.sources.filter((s) => s.name.toLowerCase() === rc.table.toLowerCase());
      if (chosen.length === 0) throw err(`no such table: ${(rc as { table: string }).table}`);
      for (const s of chosen) {
        s.columns.forEach((c, k) => {
          if ((rc.kind === 'star' && s.usingHidden.has(k)) || c.hidden === true) return;
          // With a RIGHT/FULL JOIN in FROM, `*` names a USING column unqualified, as SQLite does:
          // it reads the merged column (coalesce of the sides), or is ambiguous with another.
          if (rc.kind === 'star' && scope.hasRightJoin && scope.usingOrigins.has(`${s.level}:${k}`)) {
            addResult({ kind: 'column', column: c.name, doubleQuoted: false }, c.name, undefined);
          } else addResult(colRef(internalName(s.level), c.name), c.name, undefined);
        });
      }
      return;
    }
    const name = rc.alias ?? columnName(scope, rc.expr) ?? spans[i] ?? (rc.expr.kind === 'literal' ? rc.expr.text : `column${i + 1}`);
    addResult(rc.expr, name, rc.alias);
  });
  return results;
}

/** The name SQLite gives a result column that is a plain column reference: the column's own name. */
function columnName(scope: CoreScope, expr: Expr): string | undefined {
  if (expr.kind !== 'column') return undefined;
  let r;
  try {
    r = scope.resolveColumn(expr.table, expr.column);
  } catch {
    return undefined;
  }
  if (r === undefined) return undefined;
  for (const s of scope.sources) {
    if (r.slot >= s.offset && r.slot < s.offset + s.columns.length) return s.columns[r.slot - s.offset]!.name;
    if (r.slot === s.rowidSlot) {
      const alias = s.table?.rowidAlias ?? -1;
      // `rowid` of a table with an INTEGER PRIMARY KEY is named after that column.
      return alias >= 0 ? s.columns[alias]!.name : expr.column;
    }
  }
  return expr.column;
}
