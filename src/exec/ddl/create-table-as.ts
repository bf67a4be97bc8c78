/**
 * CREATE TABLE t AS SELECT … (https://www.sqlite.org/lang_createtable.html#create_table_as_select_statements):
 * a table with one column per result column — named as the SELECT names them (a repeated name
 * gets `:1`, `:2`, … as SQLite's sqlite3ColumnsFromExprList does), typed by the expression's
 * affinity (INT, REAL, TEXT, NUM, or none) — stored with the text SQLite writes for it:
 * `CREATE TABLE t(a INT,"a+1")` when short, else one column per line:
 *
 *   CREATE TABLE t(
 *     a INT,
 *     "a+1"
 *   )
 *
 * then filled with the SELECT's rows (read in full first), rowids 1, 2, …
 */
import { createTable } from '../../btree/tree-admin.js';
import { insertRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { isKeyword } from '../../sql/keywords.js';
import { parseStatement } from '../../sql/parser.js';
import type { CreateTableStatement } from '../../sql/ast.js';
import { buildTable } from '../../schema/table-info.js';
import type { Affinity } from '../../schema/affinity.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { compileSelect } from '../select/compile-select.js';
import { coreSpans } from '../select/column-names.js';
import type { Value } from '../value.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { columnValue, encodeTableRecord } from '../dml/row-codec.js';
import { appendSchemaRow } from './schema-table.js';

const TYPE_OF: Readonly<Record<Affinity, string>> = { BLOB: '', TEXT: ' TEXT', NUMERIC: ' NUM', INTEGER: ' INT', REAL: ' REAL' };

/** A name as SQLite's identPut writes it: bare when a plain identifier, else in double quotes. */
function identPut(name: string): string {
  const plain = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*$/.test(name) && !isKeyword(name.toUpperCase());
  return plain ? name : `"${name.replace(/"/g, '""')}"`;
}

/** SQLite's identLength: the name's length, its double quotes counted twice, plus 2. */
function identLength(name: string): number {
  return name.length + (name.match(/"/g)?.length ?? 0) + 2;
}

export async function executeCreateTableAs(env: ExecEnv, stmt: CreateTableStatement, text: string): Promise<StatementResult> {
  const select = stmt.asSelect!;
  const name = stmt.table.name;
  // The SELECT reads with the statement's whole schema (a TEMP table made from main's rows).
  const source = env.whole ?? env;
  const query = compileSelect(select, { schema: source.schema, ctes: new Map(), viewStack: [], spans: coreSpans(text, stmt) }, undefined);
  const seen = new Set<string>();
  const names = query.columns.map((c) => {
    let n = c.name;
    for (let k = 1; seen.has(n.toLowerCase()); k++) n = `${c.name}:${k}`;
    seen.add(n.toLowerCase());
    return n;
  });
  const columns = names.map((n, i) => {
    const affinity = query.columns[i]!.affinity;
    return `${identPut(n)}${affinity === undefined ? '' : TYPE_OF[affinity]}`;
  });
  // SQLite's createTableStmt: one line when short, else a column per line.
  const size = names.reduce((sum, n) => sum + identLength(n) + 5, identLength(name));
  const [sep, sep2, end] = size < 50 ? ['', ',', ')'] : ['\n  ', ',\n  ', '\n)'];
  const sql = `CREATE TABLE ${identPut(name)}(${sep}${columns.join(sep2)}${end}`;
  const ast = parseStatement(sql);
  if (ast.kind !== 'create-table') throw new SqliteError('SQLITE_INTERNAL', 'CREATE TABLE AS built no CREATE TABLE');
  const built = buildTable(ast, 0, sql);
  const rows: Value[][] = [];
  for await (const b of query.batches({ eval: env.ctx, pager: source.pager, cache: new Map() }, undefined)) rows.push(...b);
  const root = await createTable(env.pager, 'table');
  await appendSchemaRow(env, { type: 'table', name, tblName: name, rootPage: root, sql });
  const table: TableInfo = { ...built.table, rootPage: root, indexes: [] };
  let rowid = 0n;
  for (const r of rows) {
    const row = r.map((v, i) => columnValue(table, i, v));
    await insertRow(env.pager, root, ++rowid, encodeTableRecord(table, row, env.encoding));
  }
  return { ...NO_CHANGES, schemaChanged: true };
}
