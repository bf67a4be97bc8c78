/**
 * CREATE VIRTUAL TABLE … USING rtree / rtree_i32 and DROP TABLE of one, laid out as SQLite does:
 *
 *   sqlite_schema   ('table', x, x, 0, 'CREATE VIRTUAL TABLE x USING rtree(…)'), then the
 *                   shadow tables in rtree.c's order, each a b-tree and a row:
 *                     CREATE TABLE "x_rowid"(rowid INTEGER PRIMARY KEY,nodeno[,a0,a1,…])
 *                     CREATE TABLE "x_node"(nodeno INTEGER PRIMARY KEY,data)
 *                     CREATE TABLE "x_parent"(nodeno INTEGER PRIMARY KEY,parentnode)
 *   x_node          the empty root: (1, zeroblob(node size))
 *
 * The node size is the page size less 64 (a node fills one page), but no more than 51 cells
 * need (4 + 51·cell size), as rtree.c's getNodeSize decides. DROP TABLE drops the three shadow
 * tables (xDestroy) and the virtual table's row.
 */
import { createTable } from '../../btree/tree-admin.js';
import { dropRoots } from '../ddl/drop-roots.js';
import { insertRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import type { VirtualTableInfo } from '../../schema/schema-types.js';
import type { CreateVirtualTableStatement } from '../../sql/ast.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { encodeValues } from '../dml/row-codec.js';
import { checkMainSchema, checkReservedName, nameClash } from '../ddl/names.js';
import { appendSchemaRow, deleteSchemaRows, storedCreateText } from '../ddl/schema-table.js';
import { isRtreeModule, rtreeDef } from './rtree-def.js';
import { resetRtreeSession } from './rtree-write.js';

/** RTREE_MAXCELLS: a node never needs room for more cells than this. */
const MAX_CELLS = 51;

/** getNodeSize for a new table. */
export function rtreeNodeSize(pageSize: number, dims: number): number {
  const cell = 8 + 8 * dims;
  return Math.min(pageSize - 64, 4 + cell * MAX_CELLS);
}

/** `name` as SQLite's %w writes it inside double quotes. */
function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function executeCreateVirtualTable(env: ExecEnv, stmt: CreateVirtualTableStatement, text: string): Promise<StatementResult> {
  checkMainSchema(stmt.table.schema);
  const name = stmt.table.name;
  if (nameClash(env.schema, name, 'table')) {
    if (stmt.ifNotExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `table ${name} already exists`);
  }
  checkReservedName(name);
  if (!isRtreeModule(stmt.module)) throw new SqliteError('SQLITE_ERROR', `no such module: ${stmt.module}`);
  const def = rtreeDef(name, stmt.module, stmt.args);
  for (const suffix of ['rowid', 'node', 'parent']) {
    if (env.schema.relation(`${name}_${suffix}`) !== undefined) throw new SqliteError('SQLITE_ERROR', `table ${quoted(`${name}_${suffix}`)} already exists`);
  }
  const sql = storedCreateText(text, 'CREATE VIRTUAL TABLE');
  await appendSchemaRow(env, { type: 'table', name, tblName: name, rootPage: 0, sql });
  const aux = Array.from({ length: def.aux }, (_a, i) => `,a${i}`).join('');
  const shadows = [
    { suffix: 'rowid', sql: `(rowid INTEGER PRIMARY KEY,nodeno${aux})` },
    { suffix: 'node', sql: '(nodeno INTEGER PRIMARY KEY,data)' },
    { suffix: 'parent', sql: '(nodeno INTEGER PRIMARY KEY,parentnode)' },
  ];
  let nodeRoot = 0;
  for (const s of shadows) {
    const table = `${name}_${s.suffix}`;
    const root = await createTable(env.pager, 'table');
    await appendSchemaRow(env, { type: 'table', name: table, tblName: table, rootPage: root, sql: `CREATE TABLE ${quoted(table)}${s.sql}` });
    if (s.suffix === 'node') nodeRoot = root;
  }
  const size = rtreeNodeSize(env.pager.header.pageSize, def.dims);
  await insertRow(env.pager, nodeRoot, 1n, encodeValues([null, new Uint8Array(size)], env.encoding));
  resetRtreeSession(env.pager, name);
  // rtree.c's xCreate inserts the root node through SQL: last_insert_rowid() is then 1.
  return { changes: 0, lastInsertRowid: 1n, schemaChanged: true };
}

/** DROP TABLE of an R*Tree: its shadow tables (whichever exist) and its own row. */
export async function dropRtree(env: ExecEnv, vt: VirtualTableInfo): Promise<StatementResult> {
  const moves = new Map<number, number>(); // root moves of an auto-vacuum database (drop-roots.ts)
  for (const suffix of ['node', 'rowid', 'parent']) {
    const table = env.schema.table(`${vt.name}_${suffix}`);
    if (table === undefined) continue;
    const roots = new Set<number>([table.rootPage]);
    for (const ix of table.indexes) if (ix.rootPage > 0) roots.add(ix.rootPage);
    const key = asciiLower(table.name);
    await deleteSchemaRows(env, (type, _n, tbl) => (type === 'table' || type === 'index' || type === 'trigger') && asciiLower(tbl) === key);
    await dropRoots(env, roots, moves);
  }
  const key = asciiLower(vt.name);
  await deleteSchemaRows(env, (type, n) => type === 'table' && asciiLower(n) === key);
  resetRtreeSession(env.pager, vt.name);
  return { ...NO_CHANGES, schemaChanged: true };
}
