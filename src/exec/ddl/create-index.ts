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
import { NO_CHANGES, type ExecEnv, type StatementResult } from '../dml/exec-env.js';
import { compareValues } from '../../record/compare.js';
import type { SqlValue, StorageClass } from '../../record/value.js';
import type { Value } from '../value.js';
import { decodeTableRow, encodeValues, indexEntryValues, toStored } from '../dml/row-codec.js';
import { TableCursor } from '../../btree/table-cursor.js';
import { keyInfoOf, TableWriter } from '../dml/table-writer.js';
import { buildIndexTree } from './index-builder.js';
import { tableScope } from '../dml/table-scope.js';
import { isTrue } from '../expr/value-ops.js';
import { checkMainSchema, checkReservedName, nameClash } from './names.js';
import { appendSchemaRow, storedCreateText } from './schema-table.js';
import { validateIndexExpressions } from '../generated/validate-generated.js';

type Stored = { readonly value: SqlValue; readonly cls: StorageClass };
interface Entry {
  readonly values: readonly Value[];
  readonly stored: readonly Stored[];
}

export async function executeCreateIndex(env: ExecEnv, stmt: CreateIndexStatement, text: string): Promise<StatementResult> {
  checkMainSchema(stmt.index.schema);
  const name = stmt.index.name;
  const table = env.schema.table(stmt.table);
  if (table === undefined) {
    if (env.schema.view(stmt.table) !== undefined) throw new SqliteError('SQLITE_ERROR', 'views may not be indexed');
    throw new SqliteError('SQLITE_ERROR', `no such table: main.${stmt.table}`);
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
  // Each entry keeps its executor values (encoded as they are: fromStored(toStored(v)) is v)
  // beside their stored form (what compareValues takes), so the payloads need no round trip.
  const encoding = env.encoding;
  const entries: Entry[] = [];
  const add = (row: readonly Value[], rowid: bigint | undefined): void => {
    if (partial !== undefined && !isTrue(partial([...row, rowid ?? null], env.ctx))) return;
    const values = indexEntryValues(index, table, row, rowid);
    entries.push({ values, stored: values.map(toStored) });
  };
  if (table.withoutRowid) {
    await new TableWriter(env, table).scan((r) => add(r.row, r.rowid));
  } else {
    // The table scan of TableWriter.scan, but with the cursor's Promise-free steps: a row on the
    // leaf already in hand, without overflow, costs no await (most of CREATE INDEX's time was
    // two awaits per row).
    const cur = new TableCursor(env.pager, table.rootPage);
    for (let ok = await cur.first(); ok; ok = cur.nextInLeaf() ?? (await cur.next())) {
      const rowid = BigInt(cur.rowid);
      const payload = cur.localPayload() ?? (await cur.payload());
      add(decodeTableRow(table, rowid, payload, encoding), rowid);
    }
  }
  const keyCount = index.columns.length;
  // The entries in the index's own order (collations, DESC, then the rowid / PK suffix), as
  // SQLite's sorter hands them to OP_IdxInsert; the tree is then built bottom-up from them
  // (index-builder.ts) with full pages. Repeated keys of a UNIQUE index end up side by side.
  const fields = keyInfo.collations.length;
  const collations = Array.from({ length: fields }, (_, i) => keyInfo.collations[i] ?? 'BINARY');
  const desc = Array.from({ length: fields }, (_, i) => keyInfo.desc[i] === true);
  const compareEntries = (a: readonly Stored[], b: readonly Stored[], n: number): number => {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const c = compareValues(x.value, x.cls, y.value, y.cls, collations[i]!, encoding);
      if (c !== 0) return desc[i] ? -c : c;
    }
    return 0;
  };
  entries.sort((a, b) => compareEntries(a.stored, b.stored, fields));
  const payloads: Uint8Array[] = new Array<Uint8Array>(entries.length);
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k]!;
    const stored = entry.stored;
    if (index.unique && k > 0 && !stored.slice(0, keyCount).some((s) => s.cls === 'null') && compareEntries(entries[k - 1]!.stored, stored, keyCount) === 0) {
      const cols = index.columns.map((c) => `${table.name}.${c.name ?? '<expr>'}`).join(', ');
      throw new ConstraintError('UNIQUE', `UNIQUE constraint failed: ${cols}`);
    }
    payloads[k] = encodeValues(entry.values, encoding);
  }
  if (payloads.length > 0) await buildIndexTree(env.pager, root, payloads);
  await appendSchemaRow(env, { type: 'index', name, tblName: table.name, rootPage: root, sql });
  return { changes: 0, lastInsertRowid: undefined, schemaChanged: true };
}
