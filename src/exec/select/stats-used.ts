/**
 * The tables whose plan depended on sqlite_stat1-style statistics during a connection's life
 * (SQLite's TF_StatsUsed): PRAGMA optimize re-analyzes only those. SQLite sets the flag when
 * the planner weighs an index with WHERE terms on a prefix of its columns (equalities, then
 * perhaps a range), unless the index is UNIQUE and the terms reach its last key column (a term
 * there finds one row): a non-unique index, or a prefix of a unique one — whether or not the
 * statistics exist yet. The flag lives with the schema object, as SQLite's lives with its
 * Table: a reloaded schema starts without it.
 */
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';

const used = new WeakMap<Schema, Set<string>>();

/** Notes that planning `table` weighed `index` with terms on its first `columns` columns. */
export function noteIndexUse(schema: Schema, table: TableInfo, index: IndexInfo, columns: number): void {
  if (columns === 0 || (index.unique && columns >= index.columns.length)) return;
  let set = used.get(schema);
  if (set === undefined) used.set(schema, (set = new Set()));
  set.add(asciiLower(table.name));
}

export function statsUsed(schema: Schema, table: string): boolean {
  return used.get(schema)?.has(asciiLower(table)) === true;
}
