/**
 * The rows of one table, decoded from its b-tree and put in declaration order:
 *
 * - rowid tables: a table b-tree keyed by rowid; the INTEGER PRIMARY KEY column (rowid alias)
 *   is stored as NULL in the record and takes the rowid's value;
 * - WITHOUT ROWID tables: an index b-tree whose records hold the PRIMARY KEY columns first
 *   (`storageToDeclared` maps them back);
 * - records written before an `ALTER TABLE … ADD COLUMN` have fewer fields: the missing
 *   trailing ones take the column's DEFAULT, with the column's affinity applied, as SQLite does.
 */
import { IndexCursor } from '../btree/index-cursor.js';
import { TableCursor } from '../btree/table-cursor.js';
import { CorruptError, SqliteError } from '../errors.js';
import { applyAffinity } from '../exec/apply-affinity.js';
import type { Pager } from '../pager/pager.js';
import { decodeRecord, type DecodedRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import { defaultStorageClass, type SqlValue, type StorageClass } from '../record/value.js';
import type { TableInfo } from '../schema/schema-types.js';

export interface RowsOptions {
  /** At most this many rows (default: all). */
  readonly limit?: number;
  /** Skip this many rows first (default 0); skipped rows are not decoded. */
  readonly offset?: number;
  /**
   * Fetch the next leaves in parallel while rows flow out (default true; see
   * btree/read-ahead.ts). Off, a scan over S3 costs one round trip per leaf.
   */
  readonly readAhead?: boolean;
}

export interface TypedRow {
  /** The rowid (absent for WITHOUT ROWID tables). */
  readonly rowid: number | bigint | undefined;
  readonly values: SqlValue[];
  readonly classes: StorageClass[];
}

export async function* tableRows(pager: Pager, table: TableInfo, options: RowsOptions = {}): AsyncGenerator<TypedRow> {
  const virtual = table.columns.find((c) => c.hidden === 2);
  if (virtual !== undefined) {
    throw new SqliteError('SQLITE_ERROR', `generated VIRTUAL column ${table.name}.${virtual.name} is not supported yet`);
  }
  const limit = options.limit ?? Infinity;
  let skip = options.offset ?? 0;
  if (limit <= 0 || table.rootPage <= 0) return;
  const encoding = pager.header.textEncoding as TextEncoding;
  const defaults = table.columns.map((c) => {
    const v = c.defaultValue ?? null;
    return applyAffinity(v, defaultStorageClass(v), c.affinity);
  });
  const realColumn = table.columns.map((c) => c.affinity === 'REAL');
  const cursorOptions = { readAhead: options.readAhead ?? true };
  const cursor = table.withoutRowid
    ? new IndexCursor(pager, table.rootPage, cursorOptions)
    : new TableCursor(pager, table.rootPage, cursorOptions);
  const scratch: DecodedRecord = { values: [], classes: [] };
  let produced = 0;
  const table_ = cursor instanceof TableCursor ? cursor : undefined;
  // On a table b-tree, moves within a leaf and payloads without overflow are synchronous: no
  // Promise per row beyond the generator's own.
  for (let ok = await cursor.first(); ok; ok = table_?.nextInLeaf() ?? (await cursor.next())) {
    if (skip > 0) {
      skip--;
      continue;
    }
    const rowid = table_?.rowid;
    const record = decode(table_?.localPayload() ?? (await cursor.payload()), encoding, scratch, table);
    const values = new Array<SqlValue>(table.columns.length);
    const classes = new Array<StorageClass>(table.columns.length);
    for (let col = 0; col < table.columns.length; col++) {
      const at = table.declaredToStorage[col] ?? -1;
      if (col === table.rowidAlias && rowid !== undefined) {
        values[col] = rowid;
        classes[col] = 'integer';
      } else if (at >= 0 && at < record.values.length) {
        values[col] = record.values[at] ?? null;
        classes[col] = record.classes[at] ?? 'null';
        // SQLite stores integral values of REAL columns as integers to save space and turns
        // them back into reals when it reads them (OP_RealAffinity).
        if (realColumn[col] === true && classes[col] === 'integer') {
          values[col] = Number(values[col] as number | bigint);
          classes[col] = 'real';
        }
      } else {
        const d = defaults[col]!;
        values[col] = d.value;
        classes[col] = d.storageClass;
      }
    }
    yield { rowid, values, classes };
    if (++produced >= limit) return;
  }
}

function decode(payload: Uint8Array, encoding: TextEncoding, out: DecodedRecord, table: TableInfo): DecodedRecord {
  try {
    out.values.length = 0;
    out.classes.length = 0;
    return decodeRecord(payload, encoding, out);
  } catch (err) {
    if (err instanceof CorruptError && err.pgno === undefined) {
      throw new CorruptError(`${err.message} in a record of table ${table.name}`, table.rootPage);
    }
    throw err;
  }
}
