/**
 * Name resolution for expressions over one table's row (DML WHERE/SET, CHECK constraints,
 * partial-index WHERE): slot i is column i in declaration order, slot `columns.length` is the
 * rowid (`rowid`, `oid`, `_rowid_` when no column has that name).
 */
import { asciiLower } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import type { ResolvedColumn, Scope } from '../expr-contract.js';

const ROWID_NAMES = new Set(['rowid', 'oid', '_rowid_']);

export function tableScope(table: TableInfo, alias?: string): Scope {
  const names = new Map<string, number>();
  table.columns.forEach((c, i) => {
    const k = asciiLower(c.name);
    if (!names.has(k)) names.set(k, i);
  });
  const tableNames = new Set([asciiLower(table.name)]);
  if (alias !== undefined) {
    tableNames.clear();
    tableNames.add(asciiLower(alias));
  }
  return {
    resolveColumn(tableName: string | undefined, column: string): ResolvedColumn | undefined {
      if (tableName !== undefined && !tableNames.has(asciiLower(tableName))) return undefined;
      const key = asciiLower(column);
      const i = names.get(key);
      if (i !== undefined) {
        const col = table.columns[i]!;
        return { slot: i, affinity: col.affinity, collation: col.collation, ...(i === table.rowidAlias && { rowid: true }) };
      }
      if (!table.withoutRowid && ROWID_NAMES.has(key)) {
        return { slot: table.columns.length, affinity: 'INTEGER', collation: 'BINARY', rowid: true };
      }
      return undefined;
    },
  };
}
