/**
 * The rows of `sqlite_schema` (the table b-tree rooted at page 1), as stored:
 *
 *   CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage integer, sql text);
 *
 * (https://www.sqlite.org/fileformat2.html#storage_of_the_sql_database_schema)
 */
import { TableCursor } from '../btree/table-cursor.js';
import { CorruptError } from '../errors.js';
import type { Pager } from '../pager/pager.js';
import { decodeRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import type { SqlValue } from '../record/value.js';
import type { SchemaRow } from './schema-types.js';

export type { SchemaRow };

export async function readSchemaRows(pager: Pager): Promise<SchemaRow[]> {
  const encoding = pager.header.textEncoding as TextEncoding;
  const rows: SchemaRow[] = [];
  const cursor = new TableCursor(pager, 1);
  for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
    const { values } = decodeRecord(await cursor.payload(), encoding);
    rows.push({
      type: text(values[0], 'type'),
      name: text(values[1], 'name'),
      tblName: text(values[2], 'tbl_name'),
      rootPage: rootPage(values[3]),
      sql: values[4] === null || values[4] === undefined ? null : text(values[4], 'sql'),
    });
  }
  return rows;
}

function text(value: SqlValue | undefined, column: string): string {
  if (typeof value !== 'string') throw new CorruptError(`sqlite_schema.${column} is not text`, 1);
  return value;
}

function rootPage(value: SqlValue | undefined): number {
  if (value === null || value === undefined) return 0; // views and triggers
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CorruptError(`sqlite_schema.rootpage is not a page number`, 1);
  }
  return value;
}
