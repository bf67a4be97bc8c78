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
import { CorruptError } from '../errors.js';
import { applyAffinity } from '../exec/apply-affinity.js';
import type { Pager } from '../pager/pager.js';
import { decodeRecord, type DecodedRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import { defaultStorageClass, type SqlValue, type StorageClass } from '../record/value.js';
import type { TableInfo } from '../schema/schema-types.js';
import type { VirtualFiller } from '../exec/generated/public-rows.js';

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

/**
 * The rows of `table` in rowid order (key order for WITHOUT ROWID tables), each with its rowid
 * and the storage class of every value.
 */
export function tableRows(pager: Pager, table: TableInfo, options: RowsOptions = {}): AsyncGenerator<TypedRow> {
  return scanRows(pager, table, options, typedRow);
}

/**
 * The values of each row of `table`, in declaration order: what `tableRows` yields as
 * `row.values`, without the storage classes and without an object per row (one generator, one
 * Promise per row at most; none between rows on the same leaf beyond the generator's own).
 */
export function tableRowValues(pager: Pager, table: TableInfo, options: RowsOptions = {}): AsyncGenerator<SqlValue[]> {
  return scanRows(pager, table, options, valuesRow);
}

/** What a scan needs to know about a table to put a record's fields in declaration order. */
interface RowPlan {
  readonly table: TableInfo;
  readonly columnCount: number;
  /** Per declared column: the record field it comes from, or -1 (a column the record cannot hold). */
  readonly storage: readonly number[];
  /** The DEFAULT of each column (with its affinity), for records shorter than the table. */
  readonly defaults: readonly { readonly value: SqlValue; readonly storageClass: StorageClass }[];
  /** Columns with REAL affinity. */
  readonly real: readonly boolean[];
  /** Computes the VIRTUAL generated columns (which the record does not hold), when there are some. */
  readonly virtual?: VirtualFiller;
  /** Storage classes for `virtual` when the caller wants none. */
  readonly scratchClasses?: StorageClass[];
}

async function planRows(table: TableInfo): Promise<RowPlan> {
  // VIRTUAL generated columns are computed by the expression compiler, loaded only for them.
  const virtual = table.columns.some((c) => c.hidden === 2)
    ? (await import('../exec/generated/public-rows.js')).virtualFiller(table)
    : undefined;
  return {
    ...(virtual !== undefined && { virtual, scratchClasses: [] }),
    table,
    columnCount: table.columns.length,
    storage: table.columns.map((_, col) => table.declaredToStorage[col] ?? -1),
    defaults: table.columns.map((c) => {
      const v = c.defaultValue ?? null;
      return applyAffinity(v, defaultStorageClass(v), c.affinity);
    }),
    real: table.columns.map((c) => c.affinity === 'REAL'),
  };
}

/**
 * Puts the fields of `record` into `values` (and `classes`, when given) in declaration order:
 * the rowid alias takes the rowid, REAL columns turn stored integers back into reals, missing
 * trailing fields take the column's DEFAULT.
 */
function fillRow(
  plan: RowPlan,
  record: DecodedRecord,
  rowid: number | bigint | undefined,
  values: SqlValue[],
  classes: StorageClass[] | undefined,
): void {
  const rowidAlias = rowid === undefined ? -1 : plan.table.rowidAlias;
  const fields = record.values;
  const fieldClasses = record.classes;
  const kept = classes ?? plan.scratchClasses;
  for (let col = 0; col < plan.columnCount; col++) {
    const at = plan.storage[col]!;
    let value: SqlValue;
    let cls: StorageClass;
    if (col === rowidAlias) {
      value = rowid!;
      cls = 'integer';
    } else if (at >= 0 && at < fields.length) {
      value = fields[at]!;
      cls = fieldClasses[at]!;
      // SQLite stores integral values of REAL columns as integers to save space and turns
      // them back into reals when it reads them (OP_RealAffinity).
      if (cls === 'integer' && plan.real[col] === true) {
        value = Number(value as number | bigint);
        cls = 'real';
      }
    } else {
      const d = plan.defaults[col]!;
      value = d.value;
      cls = d.storageClass;
    }
    values[col] = value;
    if (kept !== undefined) kept[col] = cls;
  }
  if (plan.virtual !== undefined) plan.virtual(values, kept!);
}

function typedRow(plan: RowPlan, record: DecodedRecord, rowid: number | bigint | undefined): TypedRow {
  const values = new Array<SqlValue>(plan.columnCount);
  const classes = new Array<StorageClass>(plan.columnCount);
  fillRow(plan, record, rowid, values, classes);
  return { rowid, values, classes };
}

function valuesRow(plan: RowPlan, record: DecodedRecord, rowid: number | bigint | undefined): SqlValue[] {
  const values = new Array<SqlValue>(plan.columnCount);
  fillRow(plan, record, rowid, values, undefined);
  return values;
}

/** The scan both entry points share: cursor moves, offset/limit, record decoding; `build` shapes each row. */
/** Rows in batches (at most this many per batch; a batch ends where the scan must wait for a page). */
const MAX_BATCH = 512;

async function* scanRows<T>(
  pager: Pager,
  table: TableInfo,
  options: RowsOptions,
  build: (plan: RowPlan, record: DecodedRecord, rowid: number | bigint | undefined) => T,
): AsyncGenerator<T> {
  for await (const batch of scanBatches(pager, table, options, build)) yield* batch;
}

/**
 * The rows of a table in b-tree order, in batches: every row that can be read without waiting
 * (moves within a leaf and payloads without overflow are synchronous on a table b-tree) joins
 * the current batch, which goes out when the scan must wait for a page. A consumer then pays one
 * Promise per batch, not per row.
 */
async function* scanBatches<T>(
  pager: Pager,
  table: TableInfo,
  options: RowsOptions,
  build: (plan: RowPlan, record: DecodedRecord, rowid: number | bigint | undefined) => T,
): AsyncGenerator<T[]> {
  const plan = await planRows(table);
  const limit = options.limit ?? Infinity;
  let skip = options.offset ?? 0;
  if (limit <= 0 || table.rootPage <= 0) return;
  const encoding = pager.header.textEncoding as TextEncoding;
  const cursorOptions = { readAhead: options.readAhead ?? true };
  const scratch: DecodedRecord = { values: [], classes: [] };
  let produced = 0;
  let batch: T[] = [];
  if (table.withoutRowid) {
    const cursor = new IndexCursor(pager, table.rootPage, cursorOptions);
    for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
      if (skip > 0) {
        skip--;
        continue;
      }
      batch.push(build(plan, decode(await cursor.payload(), encoding, scratch, table), undefined));
      if (++produced >= limit) break;
      if (batch.length >= MAX_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const cursor = new TableCursor(pager, table.rootPage, cursorOptions);
  let ok = await cursor.first();
  while (ok) {
    if (skip > 0) skip--;
    else {
      const local = cursor.localPayload();
      if (local === undefined && batch.length > 0) {
        // An overflow chain to wait for: what is ready goes out first.
        yield batch;
        batch = [];
      }
      batch.push(build(plan, decode(local ?? (await cursor.payload()), encoding, scratch, table), cursor.rowid));
      if (++produced >= limit) break;
    }
    const moved = cursor.nextInLeaf();
    if (moved !== undefined && batch.length < MAX_BATCH) {
      ok = moved;
      continue;
    }
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
    ok = moved ?? (await cursor.next());
  }
  if (batch.length > 0) yield batch;
}

/** `tableRowValues` in batches (see `scanBatches`): for consumers that flatten them without a Promise per row. */
export function tableRowValueBatches(pager: Pager, table: TableInfo, options: RowsOptions = {}): AsyncGenerator<SqlValue[][]> {
  return scanBatches(pager, table, options, valuesRow);
}

function decode(payload: Uint8Array, encoding: TextEncoding, out: DecodedRecord, table: TableInfo): DecodedRecord {
  try {
    return decodeRecord(payload, encoding, out); // (empties `out` first)
  } catch (err) {
    if (err instanceof CorruptError && err.pgno === undefined) {
      throw new CorruptError(`${err.message} in a record of table ${table.name}`, table.rootPage);
    }
    throw err;
  }
}
