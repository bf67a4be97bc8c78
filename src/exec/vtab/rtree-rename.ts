/**
 * ALTER TABLE on an R*Tree table, as SQLite 3.40 does it:
 *
 * - RENAME TO new: the virtual table's row and every view and trigger naming it are rewritten
 *   (sqlite_rename_table), then rtree.c's xRename renames its shadow tables in turn —
 *   `ALTER TABLE 'x_node' RENAME TO "new_node"`, then x_parent, then x_rowid — each an
 *   ordinary table rename (their CREATE text gets the quoted new name). A shadow name already
 *   taken fails that inner statement, which SQLite reports as "SQL logic error"; nothing changes.
 * - ADD / RENAME / DROP COLUMN are refused with SQLite's messages.
 */
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import type { AlterTableStatement } from '../../sql/ast.js';
import { readEntries, snapshot, testSchema, writeEntries } from '../ddl/alter-table.js';
import { checkReservedName } from '../ddl/names.js';
import { renameTableIn } from '../ddl/rename-sql.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';

const SHADOWS = ['node', 'parent', 'rowid'] as const;

export async function alterRtree(env: ExecEnv, vt: VirtualTableInfo, stmt: AlterTableStatement): Promise<StatementResult> {
  const action = stmt.action;
  switch (action.kind) {
    case 'add-column':
      throw new SqliteError('SQLITE_ERROR', 'virtual tables may not be altered');
    case 'rename-column':
      throw new SqliteError('SQLITE_ERROR', `cannot rename columns of virtual table "${vt.name}"`);
    case 'drop-column':
      throw new SqliteError('SQLITE_ERROR', `cannot drop column from virtual table "${vt.name}"`);
    case 'rename-table':
      await renameRtree(env, vt, action.newName);
      return { ...NO_CHANGES, schemaChanged: true };
  }
}

function taken(env: ExecEnv, name: string): boolean {
  const schema = env.schema;
  return schema.relation(name) !== undefined || schema.index(name) !== undefined || schema.virtualTable(name) !== undefined;
}

async function renameRtree(env: ExecEnv, vt: VirtualTableInfo, newName: string): Promise<void> {
  if (taken(env, newName)) throw new SqliteError('SQLITE_ERROR', `there is already another table or index with this name: ${newName}`);
  checkReservedName(newName);
  // xRename's inner renames: a shadow name in use stops the whole statement.
  if (SHADOWS.some((s) => taken(env, `${newName}_${s}`))) throw new SqliteError('SQLITE_ERROR', 'SQL logic error');
  const entries = await readEntries(env);
  const before = snapshot(entries);
  const renames: [string, string][] = [[vt.name, newName], ...SHADOWS.map((s): [string, string] => [`${vt.name}_${s}`, `${newName}_${s}`])];
  for (const [from, to] of renames) {
    const key = asciiLower(from);
    for (const e of entries) {
      if (e.sql !== null) e.sql = renameTableIn(e.sql, from, to);
      if (asciiLower(e.tblName) !== key) continue;
      if (e.type === 'table') e.name = to;
      e.tblName = to;
    }
  }
  testSchema(env, entries, '');
  await writeEntries(env, before, entries);
}
