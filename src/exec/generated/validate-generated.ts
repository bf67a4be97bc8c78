/**
 * CREATE TABLE and ALTER TABLE ADD COLUMN checks of generated column expressions, as SQLite's
 * sqlite3ResolveSelfReference (NC_GenCol) makes them when the table is defined: only columns of
 * the table, no subqueries, parameters, non-deterministic functions or aggregates, and functions
 * that exist. A loop between generated columns is not an error here (SQLite reports it when the
 * table is read or written).
 */
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import { tableScope } from '../dml/table-scope.js';
import { compileExpr } from '../expr/compile.js';
import { checkStoredExpression } from './expression-rules.js';
import { columnsOnlyScope } from './generated-columns.js';

export function validateGeneratedColumns(table: Omit<TableInfo, 'indexes'>): void {
  const scope = columnsOnlyScope(table);
  for (const col of table.columns) {
    if (col.generated === undefined) continue;
    checkStoredExpression(col.generated.expr, 'generated columns', table);
    compileExpr(col.generated.expr, scope);
  }
}

/**
 * CREATE INDEX checks of a partial index's WHERE clause, then of its expression terms, in
 * sqlite3CreateIndex's order (NC_PartIdx, then NC_IdxExpr).
 */
export function validateIndexExpressions(index: IndexInfo, table: TableInfo): void {
  if (index.partial !== undefined) {
    checkStoredExpression(index.partial, 'partial index WHERE clauses', table);
    compileExpr(index.partial, tableScope(table));
  }
  const scope = columnsOnlyScope(table);
  for (const c of index.columns) {
    if (c.expr === undefined) continue;
    checkStoredExpression(c.expr, 'index expressions', table);
    compileExpr(c.expr, scope);
  }
}
