/**
 * VACUUM (https://www.sqlite.org/lang_vacuum.html): a compact copy of the database, built page
 * by page in memory, in the order sqlite3RunVacuum builds its copy:
 *
 *   1. every table with storage but sqlite_sequence, in sqlite_schema order, each followed by its
 *      automatic indexes (and by sqlite_sequence after the first AUTOINCREMENT table), as
 *      CREATE TABLE lays them out;
 *   2. every index with a CREATE INDEX text, in sqlite_schema order;
 *   3. the content of every table and index b-tree, copied entry by entry with the same rowids
 *      and the same record bytes (SQLite's transfer optimisation does the same);
 *   4. the rows of views, triggers and virtual tables (rootpage 0), copied as they are.
 *
 * The copy has no free pages and its b-trees are packed: index b-trees (and WITHOUT ROWID
 * tables) are built bottom-up from their entries in order, rowid tables by appending. Header
 * values VACUUM keeps (sqlite3RunVacuum's aCopy: text encoding, user_version, application_id,
 * default cache size) are the caller's to carry over; the schema cookie goes up by one there.
 * The whole copy is held in memory (one database's worth of bytes).
 */
import { IndexCursor } from '../../btree/index-cursor.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { insertRow } from '../../btree/table-write.js';
import { createTable } from '../../btree/tree-admin.js';
import { SqliteError } from '../../errors.js';
import { writeU32 } from '../../format/bytes.js';
import { MemoryPageFile } from '../../pager/page-file.js';
import { Pager } from '../../pager/pager.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import { asciiLower } from '../../schema/affinity.js';
import type { Schema } from '../../schema/read-schema.js';
import type { SchemaRow } from '../../schema/schema-types.js';
import { buildIndexTree } from '../ddl/index-builder.js';
import { encodeValues } from '../dml/row-codec.js';
import type { Expr } from '../../sql/ast.js';
import { setAutoVacuum } from '../pragma/auto-vacuum-pragmas.js';
import type { CompiledExpr, ParamValues, Scope } from '../expr-contract.js';

const SEQUENCE_SQL = 'CREATE TABLE sqlite_sequence(name,seq)';

/** The compact copy of the database `source` reads (rows: its sqlite_schema in rowid order), as whole pages. */
export async function vacuumImage(source: Pager, rows: readonly SchemaRow[], schema: Schema, autoVacuum?: 0 | 1 | 2): Promise<Uint8Array> {
  const header = source.header;
  const file = new MemoryPageFile();
  const dst = await Pager.create(file, { pageSize: source.pageSize, reservedBytes: header.reservedBytes });
  await dst.beginWrite();
  // The copy's auto-vacuum mode: the one PRAGMA auto_vacuum asked for, else the source's (as
  // sqlite3RunVacuum). An auto-vacuum copy keeps its pointer map and roots as SQLite lays them.
  const mode = autoVacuum ?? (header.largestRootPage === 0 ? 0 : header.incrementalVacuum !== 0 ? 2 : 1);
  if (mode !== 0) await setAutoVacuum(dst, mode);
  const encoding = header.textEncoding as TextEncoding;
  // The records copied are in the source's text encoding: the copy says so before anything else.
  writeU32(await dst.getWritable(1), 56, encoding);
  let schemaRowid = 0n;
  const addRow = async (r: SchemaRow, rootPage: number): Promise<void> => {
    schemaRowid++;
    await insertRow(dst, 1, schemaRowid, encodeValues([r.type, r.name, r.tblName, BigInt(rootPage), r.sql], encoding));
  };
  /** Source root page → destination root page, with the kind of b-tree. */
  const copies: { from: number; to: number; index: boolean }[] = [];
  const sequence = rows.find((r) => r.type === 'table' && asciiLower(r.name) === 'sqlite_sequence');
  let sequenceDone = false;

  const tables = rows.filter((r) => r.type === 'table' && r.rootPage > 0 && asciiLower(r.name) !== 'sqlite_sequence');
  for (const r of tables) {
    const table = schema.table(r.name);
    const index = table?.withoutRowid === true;
    const root = await createTable(dst, index ? 'index' : 'table');
    copies.push({ from: r.rootPage, to: root, index });
    await addRow(r, root);
    for (const auto of rows) {
      if (auto.type !== 'index' || auto.sql !== null || asciiLower(auto.tblName) !== asciiLower(r.name) || auto.rootPage <= 0) continue;
      const ixRoot = await createTable(dst, 'index');
      copies.push({ from: auto.rootPage, to: ixRoot, index: true });
      await addRow(auto, ixRoot);
    }
    if (table?.autoincrement === true && !sequenceDone) {
      sequenceDone = true;
      const seqRoot = await createTable(dst, 'table');
      if (sequence !== undefined) copies.push({ from: sequence.rootPage, to: seqRoot, index: false });
      await addRow({ type: 'table', name: 'sqlite_sequence', tblName: 'sqlite_sequence', rootPage: 0, sql: sequence?.sql ?? SEQUENCE_SQL }, seqRoot);
    }
  }
  // (A sqlite_sequence left without any AUTOINCREMENT table is not recreated, as in SQLite.)
  for (const r of rows) {
    if (r.type !== 'index' || r.sql === null || r.rootPage <= 0) continue;
    const root = await createTable(dst, 'index');
    copies.push({ from: r.rootPage, to: root, index: true });
    await addRow(r, root);
  }
  for (const c of copies) await copyTree(source, dst, c.from, c.to, c.index);
  for (const r of rows) {
    if (r.type === 'view' || r.type === 'trigger' || (r.type === 'table' && r.rootPage === 0)) await addRow(r, r.rootPage);
  }
  if (rows.some((r) => r.type === 'index' && r.rootPage <= 0 && r.sql !== null)) {
    throw new SqliteError('SQLITE_CORRUPT', 'an index without a root page cannot be vacuumed');
  }
  await dst.commit();
  return file.bytes;
}

/** Copies every entry of the b-tree at `from` into the empty b-tree at `to`. */
async function copyTree(source: Pager, dst: Pager, from: number, to: number, index: boolean): Promise<void> {
  if (index) {
    const payloads: Uint8Array[] = [];
    const cur = new IndexCursor(source, from);
    for (let ok = await cur.first(); ok; ok = await cur.next()) payloads.push((await cur.payload()).slice());
    if (payloads.length > 0) await buildIndexTree(dst, to, payloads);
    return;
  }
  const cur = new TableCursor(source, from);
  for (let ok = await cur.first(); ok; ok = cur.nextInLeaf() ?? (await cur.next())) {
    const payload = cur.localPayload() ?? (await cur.payload());
    await insertRow(dst, to, cur.rowid, payload.slice());
  }
}

/** Header fields VACUUM keeps (sqlite3RunVacuum's aCopy, the schema cookie aside): default cache size, user_version, application_id. */
const KEPT_HEADER_FIELDS = [48, 60, 68] as const;

/**
 * `VACUUM` inside `pager`'s open write transaction: the compact copy replaces every page (a
 * journaled rewrite; the file shrinks at commit) and the schema cookie goes up by one.
 */
export async function vacuumInPlace(pager: Pager, rows: readonly SchemaRow[], schema: Schema, autoVacuum?: 0 | 1 | 2): Promise<void> {
  const image = await vacuumImage(pager, rows, schema, autoVacuum);
  const page1 = await pager.getPage(1);
  for (const at of KEPT_HEADER_FIELDS) image.set(page1.subarray(at, at + 4), at);
  await pager.replaceWith(image);
  pager.markSchemaChanged();
}

/** `VACUUM INTO`: the compact copy as a file of its own (schema cookie one up, as SQLite's). */
export async function vacuumCopy(pager: Pager, rows: readonly SchemaRow[], schema: Schema, autoVacuum?: 0 | 1 | 2): Promise<Uint8Array> {
  const image = await vacuumImage(pager, rows, schema, autoVacuum);
  const page1 = await pager.getPage(1);
  for (const at of KEPT_HEADER_FIELDS) image.set(page1.subarray(at, at + 4), at);
  writeU32(image, 40, (pager.header.schemaCookie + 1) >>> 0);
  // A new file, as SQLite writes one: change counter 1, valid for that change.
  writeU32(image, 24, 1);
  writeU32(image, 92, 1);
  return image;
}

/** The file name of `VACUUM INTO expr` (a constant expression; anything but text is SQLite's "non-text filename"). */
export function vacuumTarget(expr: Expr, compile: (e: Expr, scope: Scope) => CompiledExpr, params: ParamValues): string {
  const v = compile(expr, { resolveColumn: () => undefined })([], { params, now: new Date() });
  if (typeof v !== 'string') throw new SqliteError('SQLITE_ERROR', 'non-text filename');
  return v;
}
