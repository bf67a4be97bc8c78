/**
 * The order SQLite judges a new row's uniqueness constraints in (sqlite3GenerateConstraintChecks
 * walks the table's index list): the rowid first (rowid tables), then the indexes newest first.
 * SQLite links each index at the head of the list as it creates it — the automatic indexes while
 * it parses CREATE TABLE (in constraint order; a WITHOUT ROWID table's INTEGER PRIMARY KEY index
 * last), then the CREATE INDEX ones in sqlite_schema order — so with two UNIQUE constraints
 * broken at once, the one created last is the one reported. (Constraints that REPLACE, and the
 * ones an upsert names, are moved by the caller, as SQLite moves them.)
 *
 * Returns constraint keys as TableWriter numbers them: -1 for the rowid / a WITHOUT ROWID
 * table's PRIMARY KEY, else the position of the index among `indexes` (its index plans).
 */
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';

function autoNumber(index: IndexInfo): number {
  const m = /_(\d+)$/.exec(index.name);
  return m === null ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

export function uniqueCheckOrder(table: TableInfo, indexes: readonly IndexInfo[]): number[] {
  const keyed = indexes.map((index, i) => ({ index, key: i }));
  const pk = table.withoutRowid ? table.primaryKeyIndex : undefined;
  const autos = [...keyed.filter((k) => k.index.origin !== 'c'), ...(pk !== undefined ? [{ index: pk, key: -1 }] : [])].sort(
    (a, b) => autoNumber(a.index) - autoNumber(b.index),
  );
  const created = [...autos, ...keyed.filter((k) => k.index.origin === 'c')];
  const newestFirst = created.reverse().filter((k) => k.key === -1 || k.index.unique).map((k) => k.key);
  return table.withoutRowid ? newestFirst : [-1, ...newestFirst];
}
