/**
 * REINDEX [collation | [main.]table | [main.]index] (https://www.sqlite.org/lang_reindex.html):
 * the named indexes (all of them; those of a table; those using a collation) are emptied and
 * built again from their table's rows. s3lite keeps indexes exact on every write, so this only
 * matters for a file whose indexes another program left out of step; it is done as SQLite does.
 */
import { clearTree } from '../../btree/tree-admin.js';
import { pagerOf } from '../../schema/connection-schema.js';
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import type { MaintenanceStatement } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { TableWriter, type StoredRow } from '../dml/table-writer.js';
import { checkMainSchema } from './names.js';

const COLLATIONS = new Set(['binary', 'nocase', 'rtrim']);

export async function executeReindex(env: ExecEnv, stmt: MaintenanceStatement): Promise<StatementResult> {
  const schema = env.schema;
  const chosen: IndexInfo[] = [];
  const rebuildable = (ix: IndexInfo, t: TableInfo): boolean => ix.rootPage > 0 && !(t.withoutRowid && ix === t.primaryKeyIndex);
  const name = stmt.name;
  for (const t of schema.tables) {
    for (const ix of t.indexes) {
      if (!rebuildable(ix, t)) continue;
      if (name === undefined) chosen.push(ix);
      else if (name.schema === undefined && COLLATIONS.has(asciiLower(name.name))) {
        if (ix.columns.some((c) => asciiLower(c.collation) === asciiLower(name.name))) chosen.push(ix);
      }
    }
  }
  if (name !== undefined && !(name.schema === undefined && COLLATIONS.has(asciiLower(name.name)))) {
    checkMainSchema(name.schema);
    const table = schema.table(name.name);
    const index = schema.index(name.name);
    if (table !== undefined) chosen.push(...table.indexes.filter((ix) => rebuildable(ix, table)));
    else if (index !== undefined) {
      const t = schema.table(index.tableName);
      if (t !== undefined && rebuildable(index, t)) chosen.push(index);
    } else throw new SqliteError('SQLITE_ERROR', 'unable to identify the object to be reindexed');
  }
  for (const ix of chosen) {
    const table = schema.table(ix.tableName)!;
    const writer = new TableWriter(env, table);
    const rows: StoredRow[] = [];
    await writer.scan((r) => {
      rows.push(r);
    });
    await clearTree(pagerOf(ix, env.pager), ix.rootPage);
    for (const r of rows) await writer.writeIndexEntry(r, ix);
  }
  return NO_CHANGES;
}
