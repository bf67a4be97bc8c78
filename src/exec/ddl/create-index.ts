/**
 * CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t(cols) [WHERE …]
 * (https://www.sqlite.org/lang_createindex.html): a new index b-tree filled from the table's
 * existing rows (entries = key columns…, rowid / PK columns) sorted in index order and built
 * bottom-up (index-builder.ts), then its sqlite_schema row. A UNIQUE index over rows that
 * already repeat a key fails with SQLite's message. Expression terms and the WHERE clause are
 * checked as SQLite checks them (validate-generated.ts) and evaluated per row (index-expressions.ts).
 */
import { createTable } from '../../btree/tree-admin.js';
import { ConstraintError, SqliteError } from '../../errors.js';
import { asciiLower } from '../../schema/affinity.js';
import { buildIndex } from '../../schema/index-info.js';
import type { CreateIndexStatement } from '../../sql/ast.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { compareValuesIn } from '../expr/compare.js';
import { UTF8 } from '../../record/text-encoding.js';
import type { Value } from '../value.js';
import { decodeTableRow, encodeValues, indexEntryValues, tableColumnsDecoder } from '../dml/row-codec.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { scanTableLeaves } from '../../btree/table-leaf-scan.js';
import { keyInfoOf, TableWriter } from '../dml/table-writer.js';
import { buildIndexTree } from './index-builder.js';
import { compareRecords, foldedFields, PackedEntries, packedSorter, recordHasNull } from './index-sorter.js';
import { tableScope } from '../dml/table-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { checkReservedName, nameClash } from './names.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';
import { validateIndexExpressions } from '../generated/validate-generated.js';

function hasNull(values: readonly Value[], n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] === null) return true;
  return false;
}

export async function executeCreateIndex(env: ExecEnv, stmt: CreateIndexStatement, text: string): Promise<StatementResult> {
  const name = stmt.index.name;
  const table = env.schema.table(stmt.table);
  const isTemp = env.schema.temp !== undefined;
  if (table === undefined) {
    if (env.schema.view(stmt.table) !== undefined) throw new SqliteError('SQLITE_ERROR', 'views may not be indexed');
    // `CREATE INDEX temp.i ON t` with t in main (an index lives in its table's database).
    if (isTemp && env.whole?.schema.table(stmt.table) !== undefined) throw new SqliteError('SQLITE_ERROR', `cannot create a TEMP index on non-TEMP table "${stmt.table}"`);
    throw new SqliteError('SQLITE_ERROR', `no such table: ${isTemp ? '' : 'main.'}${stmt.table}`);
  }
  if (asciiLower(table.name).startsWith('sqlite_')) throw new SqliteError('SQLITE_ERROR', `table ${table.name} may not be indexed`);
  if (nameClash(env.schema, name, 'index')) {
    if (stmt.ifNotExists) return NO_CHANGES;
    throw new SqliteError('SQLITE_ERROR', `index ${name} already exists`);
  }
  checkReservedName(name);
  const sql = storedCreateText(text, stmt.unique ? 'CREATE UNIQUE INDEX' : 'CREATE INDEX');
  const index = buildIndex(stmt, table, 0, sql);
  validateIndexExpressions(index, table);
  const root = await createTable(env.pager, 'index');
  const keyInfo = keyInfoOf(index.recordColumns, env);
  const scope = tableScope(table);
  const partial = index.partial === undefined ? undefined : env.compile(index.partial, scope);
  const fields = keyInfo.collations.length;
  const collations = Array.from({ length: fields }, (_, i) => keyInfo.collations[i] ?? 'BINARY');
  const desc = Array.from({ length: fields }, (_, i) => keyInfo.desc[i] === true);
  const keyCount = index.columns.length;
  const packed = packedSorter(index, table, collations, env.encoding === UTF8);
  if (packed !== undefined) {
    // The common case: entries made from the record bytes and sorted as bytes (index-sorter.ts).
    // The table's leaves read in bulk (table-leaf-scan.ts), each record read where it lies on
    // its leaf (no view, no cursor step per row); a record with overflow assembled for it.
    await scanTableLeaves(env.pager, table.rootPage, packed);
    return finishPacked(env, packed, { index, table, root, name, sql, desc, keyCount, nocase: foldedFields(collations)! });
  }
  // Each entry is its executor values (encoded as they are), compared as they are: an executor
  // value's JavaScript type is its storage class (bigint INTEGER, number REAL).
  const encoding = env.encoding;
  const entries: Value[][] = [];
  // BINARY and NOCASE keys of a UTF-8 database: each entry encoded at once into one buffer and
  // sorted as bytes (index-sorter.ts) — no array of values kept per entry until the end.
  const nocase = encoding === UTF8 ? foldedFields(collations) : undefined;
  const bytes = nocase === undefined ? undefined : new PackedEntries(table, [], fields, nocase);
  const add = (row: readonly Value[], rowid: bigint | undefined): void => {
    if (partial !== undefined && !isTrue(partial([...row, rowid ?? null], env.ctx))) return;
    const values = indexEntryValues(index, table, row, rowid);
    if (bytes !== undefined) bytes.addValues(values);
    else entries.push(values);
  };
  // Plain columns (no expression, no WHERE): only the indexed fields of each record are decoded.
  const plainColumns = partial === undefined && index.recordColumns.every((c) => c.column >= -1);
  const decodeColumns = plainColumns
    ? tableColumnsDecoder(table, index.recordColumns.filter((c) => c.column >= 0).map((c) => c.column), encoding)
    : undefined;
  if (table.withoutRowid) {
    await new TableWriter(env, table).scan((r) => add(r.row, r.rowid));
  } else {
    // The table scan of TableWriter.scan, but with the cursor's Promise-free steps: a row on the
    // leaf already in hand, without overflow, costs no await (most of CREATE INDEX's time was
    // two awaits per row).
    const cur = new TableCursor(env.pager, table.rootPage);
    const row = new Array<Value>(table.columns.length).fill(null);
    for (let ok = await cur.first(); ok; ok = cur.nextInLeaf() ?? (await cur.next())) {
      const rowid = BigInt(cur.rowid);
      const payload = cur.localPayload() ?? (await cur.payload());
      if (decodeColumns !== undefined) {
        decodeColumns(rowid, payload, row);
        add(row, rowid);
      } else {
        add(decodeTableRow(table, rowid, payload, encoding), rowid);
      }
    }
  }
  if (bytes !== undefined) return finishPacked(env, bytes, { index, table, root, name, sql, desc, keyCount, nocase: nocase! });
  // The entries in the index's own order (collations, DESC, then the rowid / PK suffix), as
  // SQLite's sorter hands them to OP_IdxInsert; the tree is then built bottom-up from them
  // (index-builder.ts) with full pages. Repeated keys of a UNIQUE index end up side by side.
  const compareEntries = (a: readonly Value[], b: readonly Value[], n: number): number => {
    for (let i = 0; i < n; i++) {
      const c = compareValuesIn(a[i]!, b[i]!, collations[i]!, encoding);
      if (c !== 0) return desc[i] ? -c : c;
    }
    return 0;
  };
  entries.sort((a, b) => compareEntries(a, b, fields));
  const payloads: Uint8Array[] = new Array<Uint8Array>(entries.length);
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k]!;
    if (index.unique && k > 0 && !hasNull(entry, keyCount) && compareEntries(entries[k - 1]!, entry, keyCount) === 0) {
      throw uniqueFailed(index, table);
    }
    payloads[k] = encodeValues(entry, encoding);
  }
  if (payloads.length > 0) await buildIndexTree(env.pager, root, payloads);
  await appendSchemaRow(env, { type: 'index', name, tblName: table.name, rootPage: root, sql });
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}

interface PackedTarget {
  readonly index: IndexInfo;
  readonly table: TableInfo;
  readonly root: number;
  readonly name: string;
  readonly sql: string;
  readonly desc: readonly boolean[];
  readonly keyCount: number;
  readonly nocase: readonly boolean[];
}

/** The packed entries sorted, checked for UNIQUE, built into the tree, and the schema row. */
async function finishPacked(env: ExecEnv, packed: PackedEntries, t: PackedTarget): Promise<StatementResult> {
  const { index, table, desc, keyCount } = t;
  const sorted = packed.sortedList(desc);
  if (index.unique) {
    const buf = sorted.buffer;
    for (let k = 1; k < sorted.length; k++) {
      const at = sorted.start(k);
      if (!recordHasNull(buf, keyCount, at) && compareRecords(buf, sorted.start(k - 1), buf, at, keyCount, desc, t.nocase) === 0) {
        throw uniqueFailed(index, table);
      }
    }
  }
  if (sorted.length > 0) await buildIndexTree(env.pager, t.root, sorted);
  await appendSchemaRow(env, { type: 'index', name: t.name, tblName: table.name, rootPage: t.root, sql: t.sql });
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}

/** SQLite's message (sqlite3UniqueConstraint): the columns, or `index 'name'` when a key is an expression. */
function uniqueFailed(index: IndexInfo, table: TableInfo): ConstraintError {
  const what = index.columns.some((c) => c.column === -2) ? `index '${index.name}'` : index.columns.map((c) => `${table.name}.${c.name ?? 'rowid'}`).join(', ');
  return new ConstraintError('UNIQUE', `UNIQUE constraint failed: ${what}`);
}
