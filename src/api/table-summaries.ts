/** `db.tables()`: every table, index, view and virtual table with its root page and entry count. */
import { countEntries } from '../btree/count-entries.js';
import type { Pager } from '../pager/pager.js';
import type { Schema } from '../schema/read-schema.js';
import type { SchemaRow } from '../schema/schema-types.js';
import type { TableSummary } from './database-types.js';

/** The summaries of main's objects (`rows`: sqlite_schema in stored order; `schema`: main's). */
export async function tableSummaries(pager: Pager, rows: readonly SchemaRow[], schema: Schema): Promise<TableSummary[]> {
  // A table's rows are counted once; an index that is not partial has exactly one entry per row
  // of its table, so its count is the table's (half the pages read for a table with one index).
  // Partial indexes and tables are counted by walking their b-trees.
  const tableCounts = new Map<string, number>();
  const out: TableSummary[] = [];
  for (const row of rows) {
    if (row.type === 'trigger') continue;
    const isVirtual = row.type === 'table' && row.rootPage === 0 && /^\s*create\s+virtual\b/i.test(row.sql ?? '');
    const type = isVirtual ? 'virtual table' : (row.type as TableSummary['type']);
    let rowCount: number | null = null;
    if (row.type === 'table' && row.rootPage > 0) {
      rowCount = await countEntries(pager, row.rootPage);
      tableCounts.set(row.name.toLowerCase(), rowCount);
    } else if (row.type === 'index' && row.rootPage > 0) {
      const index = schema.index(row.name);
      const known = tableCounts.get(row.tblName.toLowerCase());
      rowCount = index !== undefined && index.partial === undefined && known !== undefined ? known : await countEntries(pager, row.rootPage);
    }
    out.push({ type, name: row.name, tblName: row.tblName, rootPage: row.rootPage, rowCount });
  }
  return out;
}
