/**
 * Builds an IndexInfo from a CREATE INDEX statement and its table (sqlite3CreateIndex).
 *
 * Index record layout (https://www.sqlite.org/fileformat2.html#index_b_tree_record_format):
 *   rowid table:        key columns…, rowid
 *   WITHOUT ROWID:      key columns…, PRIMARY KEY columns not already among the key columns
 *                       (same column and collation), with the PK's collation and order.
 * A term that is a bare column name (or a string naming one: sqlite3StringToId) indexes that
 * column with its collation unless COLLATE overrides; any other term is an expression
 * (column -2) whose collation is BINARY unless COLLATE says otherwise.
 */
import type { CreateIndexStatement } from '../sql/ast.js';
import type { IndexColumnInfo, IndexInfo, TableInfo } from './schema-types.js';
import { findColumn, SchemaError } from './table-info.js';
import { asciiLower } from './affinity.js';

export function buildIndex(
  ast: CreateIndexStatement,
  table: Omit<TableInfo, 'indexes'>,
  rootPage: number,
  sql: string | null,
): IndexInfo {
  const columns: IndexColumnInfo[] = ast.columns.map((term) => {
    if (term.column !== undefined) {
      const iCol = findColumn(table.columns, term.column);
      if (iCol >= 0) {
        const col = table.columns[iCol];
        return Object.freeze({
          column: iCol,
          name: col?.name ?? null,
          collation: term.collation ?? col?.collation ?? 'BINARY',
          desc: term.desc,
          key: true,
        });
      }
      // A 'string' term names a column (sqlite3StringToId); a lone "name" that names none is a string.
      if ((term.expr.kind === 'column' && !term.expr.doubleQuoted) || term.expr.kind === 'literal') {
        throw new SchemaError(`no such column: ${term.column}`);
      }
    }
    return Object.freeze({
      column: -2,
      name: null,
      expr: term.expr,
      collation: term.collation ?? 'BINARY',
      desc: term.desc,
      key: true,
    });
  });
  let extra: IndexColumnInfo[];
  if (table.withoutRowid) {
    extra = [];
    table.primaryKey.forEach((iCol, i) => {
      const collation = table.primaryKeyCollations[i] ?? 'BINARY';
      const dup = columns.some((c) => c.column === iCol && asciiLower(c.collation) === asciiLower(collation));
      if (!dup) {
        extra.push(
          Object.freeze({
            column: iCol,
            name: table.columns[iCol]?.name ?? null,
            collation,
            desc: table.primaryKeyDesc[i] ?? false,
            key: false,
          }),
        );
      }
    });
  } else {
    extra = [Object.freeze({ column: -1, name: null, collation: 'BINARY', desc: false, key: false })];
  }
  return Object.freeze({
    kind: 'index',
    name: ast.index.name,
    tableName: table.name,
    rootPage,
    unique: ast.unique,
    origin: 'c',
    ...(ast.where === undefined ? {} : { partial: ast.where }),
    sql,
    columns: Object.freeze(columns),
    recordColumns: Object.freeze([...columns, ...extra]),
    ast,
  });
}
