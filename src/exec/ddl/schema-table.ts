/**
 * Rows of sqlite_schema (https://www.sqlite.org/schematab.html), the table b-tree on page 1:
 * record (type TEXT, name TEXT, tbl_name TEXT, rootpage INTEGER, sql TEXT|NULL), new rows at
 * rowid max + 1. Also the text SQLite stores in `sql`: "CREATE TABLE " / "CREATE INDEX " /
 * "CREATE UNIQUE INDEX " followed by the statement's own text from the object's name (without
 * its schema prefix) to its last token — so `create  table if not exists main."t" (a)` is stored
 * as `CREATE TABLE "t" (a)`.
 */
import { TableCursor } from '../../btree/table-cursor.js';
import { deleteRow, insertRow } from '../../btree/table-write.js';
import { SqliteError } from '../../errors.js';
import { decodeRecord } from '../../record/record.js';
import { tokenize } from '../../sql/tokenizer.js';
import type { ExecEnv } from '../dml/exec-env.js';
import { encodeValues } from '../dml/row-codec.js';

export interface NewSchemaRow {
  readonly type: 'table' | 'index' | 'view' | 'trigger';
  readonly name: string;
  readonly tblName: string;
  readonly rootPage: number;
  readonly sql: string | null;
}

export async function appendSchemaRow(env: ExecEnv, row: NewSchemaRow): Promise<void> {
  const cur = new TableCursor(env.pager, 1);
  const rowid = (await cur.last()) ? BigInt(cur.rowid) + 1n : 1n;
  const record = encodeValues([row.type, row.name, row.tblName, BigInt(row.rootPage), row.sql], env.encoding);
  await insertRow(env.pager, 1, rowid, record);
  env.pager.markSchemaChanged();
}

/** Deletes the sqlite_schema rows `match` selects; returns how many. */
export async function deleteSchemaRows(
  env: ExecEnv,
  match: (type: string, name: string, tblName: string) => boolean,
): Promise<number> {
  const cur = new TableCursor(env.pager, 1);
  const doomed: (number | bigint)[] = [];
  for (let ok = await cur.first(); ok; ok = await cur.next()) {
    const rec = decodeRecord(await cur.payload(), env.encoding);
    const [type, name, tblName] = rec.values;
    if (match(String(type), String(name), String(tblName))) doomed.push(cur.rowid);
  }
  for (const rowid of doomed) await deleteRow(env.pager, 1, rowid);
  if (doomed.length > 0) env.pager.markSchemaChanged();
  return doomed.length;
}

/** SQLite's stored text for a CREATE TABLE / CREATE INDEX statement (see the header). */
export function storedCreateText(statementText: string, prefix: string): string {
  const tokens = tokenize(statementText);
  const kinds = ['TABLE', 'INDEX', 'VIEW', 'TRIGGER'];
  let i = tokens.findIndex((t) => t.kind === 'keyword' && kinds.includes(t.value));
  if (i < 0) throw new SqliteError('SQLITE_INTERNAL', 'CREATE statement without TABLE/INDEX/VIEW/TRIGGER');
  i++;
  const kw = (j: number, v: string): boolean => tokens[j]?.kind === 'keyword' && tokens[j]?.value === v;
  if (kw(i, 'IF') && kw(i + 1, 'NOT') && kw(i + 2, 'EXISTS')) i += 3;
  if (tokens[i + 1]?.text === '.') i += 2;
  const start = tokens[i];
  if (start === undefined) throw new SqliteError('SQLITE_INTERNAL', 'CREATE statement without a name');
  return `${prefix} ${statementText.slice(start.offset)}`;
}
