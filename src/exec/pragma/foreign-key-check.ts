/**
 * PRAGMA foreign_key_check[(T)] (https://www.sqlite.org/pragma.html#pragma_foreign_key_check):
 * one row (table, rowid, parent, fkid) per child row whose parent key is missing, foreign keys
 * on or off. As SQLite: each table's rows in order, its keys (foreign_key_list ids) per row; a
 * key with a NULL child column is satisfied; a parent table that does not exist is empty; a
 * parent key without a UNIQUE index is SQLite's "foreign key mismatch" error for the whole
 * PRAGMA; WITHOUT ROWID children report a NULL rowid. Without an argument the tables come in
 * the order SQLite's schema hash gives for a small schema (last created first).
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { parentKeyExists } from '../dml/foreign-key-lookup.js';
import { SqliteError } from '../../errors.js';
import type { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import type { Schema } from '../../schema/read-schema.js';
import type { TableInfo } from '../../schema/schema-types.js';
import { childKeys, locateParentKey, mismatchError, type ForeignKey, type ParentKey } from '../dml/foreign-key-schema.js';
import { decodeTableRow } from '../dml/row-codec.js';
import type { Value } from '../value.js';

export async function foreignKeyCheckRows(pager: Pager, schema: Schema, arg: string | undefined): Promise<Value[][]> {
  let tables: readonly TableInfo[];
  if (arg !== undefined) {
    const t = schema.table(arg);
    if (t === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: ${arg}`);
    tables = [t];
  } else {
    tables = [...schema.tables].reverse();
  }
  const encoding = pager.header.textEncoding as TextEncoding;
  // Every parent key is located before any row is read: a mismatch fails the whole PRAGMA.
  const plans: { table: TableInfo; keys: { fk: ForeignKey; key: ParentKey | undefined }[] }[] = [];
  for (const table of tables) {
    const keys = childKeys(schema, table.name).map((fk) => {
      const parent = schema.table(fk.parentName);
      if (parent === undefined) return { fk, key: undefined };
      const key = locateParentKey(parent, fk);
      if (key === undefined) throw mismatchError(fk);
      return { fk, key };
    });
    if (keys.length > 0) plans.push({ table, keys });
  }
  const out: Value[][] = [];
  for (const { table, keys } of plans) {
    const visit = async (rowid: bigint | undefined, row: Value[]): Promise<void> => {
      for (const { fk, key } of keys) {
        const values = (key?.childCols ?? fk.childCols).map((c) => row[c] ?? null);
        if (values.some((v) => v === null)) continue;
        if (key !== undefined && (await parentKeyExists(pager, encoding, key, values))) continue;
        out.push([table.name, rowid ?? null, fk.parentName, BigInt(fk.id)]);
      }
    };
    if (table.withoutRowid) {
      const cur = new IndexCursor(pager, table.rootPage);
      for (let ok = await cur.first(); ok; ok = await cur.next()) await visit(undefined, decodeTableRow(table, undefined, await cur.payload(), encoding));
    } else {
      const cur = new TableCursor(pager, table.rootPage);
      for (let ok = await cur.first(); ok; ok = await cur.next()) {
        const rowid = BigInt(cur.rowid);
        await visit(rowid, decodeTableRow(table, rowid, await cur.payload(), encoding));
      }
    }
  }
  return out;
}
