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
import { readsLeavesInBulk, visitTableLeaves } from '../btree/table-leaf-records.js';
import { CorruptError, SqliteError } from '../errors.js';
import { applyAffinity } from '../exec/apply-affinity.js';
import type { Pager } from '../pager/pager.js';
import { decodeRecord, readRecordLayout, type DecodedRecord } from '../record/record.js';
import type { TextEncoding } from '../record/text-encoding.js';
import { defaultStorageClass, type SqlValue, type StorageClass } from '../record/value.js';
import type { Schema } from '../schema/read-schema.js';
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
  const encoding = pager.header.textEncoding as TextEncoding;
  const scratch: DecodedRecord = { values: [], classes: [] };
  let batch: T[] = [];
  const visit = (payload: Uint8Array, rowid: number | bigint | undefined): void => {
    batch.push(build(plan, decode(payload, encoding, scratch, table), rowid));
  };
  for await (const _ of visitRecords(pager, table, options, visit)) {
    yield batch;
    batch = [];
  }
}

/** Called with each row's record (a view into the page: read it before returning) and its rowid. */
export type RecordVisitor = (payload: Uint8Array, rowid: number | bigint | undefined) => void;

/**
 * The scan every entry point shares: cursor moves, offset/limit. `visit` is called for each row
 * synchronously, as long as the rows can be read without waiting for a page; the generator then
 * yields how many rows it visited since it last yielded, before it waits (at most MAX_BATCH rows
 * a yield). When `visit` or a read fails, the rows visited before are yielded first, then the
 * error is thrown: the count a consumer sees is always the rows that went out.
 */
async function* visitRecords(pager: Pager, table: TableInfo, options: RowsOptions, visit: RecordVisitor): AsyncGenerator<number> {
  const limit = options.limit ?? Infinity;
  let skip = options.offset ?? 0;
  if (limit <= 0 || table.rootPage <= 0) return;
  const cursorOptions = { readAhead: options.readAhead ?? true };
  let produced = 0;
  let n = 0;
  try {
    if (table.withoutRowid) {
      const cursor = new IndexCursor(pager, table.rootPage, cursorOptions);
      for (let ok = await cursor.first(); ok; ok = await cursor.next()) {
        if (skip > 0) {
          skip--;
          continue;
        }
        visit(await cursor.payload(), undefined);
        n++;
        if (++produced >= limit) break;
        if (n >= MAX_BATCH) {
          n = 0;
          yield MAX_BATCH;
        }
      }
    } else {
      const cursor = new TableCursor(pager, table.rootPage, cursorOptions);
      let ok = await cursor.first();
      while (ok) {
        if (skip > 0) skip--;
        else {
          const local = cursor.localPayload();
          if (local === undefined && n > 0) {
            // An overflow chain to wait for: what is ready goes out first.
            const k = n;
            n = 0;
            yield k;
          }
          visit(local ?? (await cursor.payload()), cursor.rowid);
          n++;
          if (++produced >= limit) break;
        }
        // On to the next leaf too without a Promise when its pages are at hand (a local file).
        const moved = cursor.nextNow();
        if (moved !== undefined && n < MAX_BATCH) {
          ok = moved;
          continue;
        }
        if (n > 0) {
          const k = n;
          n = 0;
          yield k;
        }
        ok = moved ?? (await cursor.next());
      }
    }
  } catch (err) {
    if (n > 0) yield n;
    throw err;
  }
  if (n > 0) yield n;
}

/**
 * What a consumer of raw records (`tableRecordBatches`) needs to put a record's fields in
 * declaration order itself, as `tableRows` does: per column the record field it comes from,
 * whether it has REAL affinity, its DEFAULT; the rowid alias; and `layout`, which checks a
 * record and finds its fields.
 */
export interface RecordShape {
  readonly columnCount: number;
  /** Per declared column: the record field it comes from, or -1. */
  readonly storage: readonly number[];
  /** Columns with REAL affinity (a stored integer reads as a REAL). */
  readonly real: readonly boolean[];
  /** The DEFAULT of each column (with its affinity), for records shorter than the table. */
  readonly defaults: readonly { readonly value: SqlValue; readonly storageClass: StorageClass }[];
  /** The column that takes the rowid (INTEGER PRIMARY KEY), or -1 (always for WITHOUT ROWID). */
  readonly rowidAlias: number;
  readonly encoding: TextEncoding;
  /**
   * The table has VIRTUAL generated columns, which no record holds: use `fill` (the values as
   * `tableRows` gives them) instead of reading the fields.
   */
  readonly computed: boolean;
  /** Serial type and body offset of each field of the record last given to `layout`. */
  readonly types: number[];
  readonly offsets: number[];
  /** Checks `payload` and fills `types`/`offsets`; returns its number of fields (CorruptError naming the table). */
  layout(payload: Uint8Array): number;
  /** The row's values and storage classes in declaration order, as `tableRows` gives them. */
  fill(payload: Uint8Array, rowid: number | bigint | undefined, values: SqlValue[], classes: StorageClass[]): void;
}

async function recordShape(pager: Pager, table: TableInfo): Promise<RecordShape> {
  const plan = await planRows(table);
  const encoding = pager.header.textEncoding as TextEncoding;
  const scratch: DecodedRecord = { values: [], classes: [] };
  const types: number[] = [];
  const offsets: number[] = [];
  return {
    columnCount: plan.columnCount,
    storage: plan.storage,
    real: plan.real,
    defaults: plan.defaults,
    rowidAlias: table.withoutRowid ? -1 : table.rowidAlias,
    encoding,
    computed: plan.virtual !== undefined,
    types,
    offsets,
    layout: (payload) => {
      try {
        return readRecordLayout(payload, types, offsets);
      } catch (err) {
        throw named(err, table);
      }
    },
    fill: (payload, rowid, values, classes) => fillRow(plan, decode(payload, encoding, scratch, table), rowid, values, classes),
  };
}

/**
 * The raw records of `table` in b-tree order, for a consumer that reads them itself (the CLI
 * writes rows straight from the page bytes): `visitorFor` gets the table's shape once, then the
 * visitor it returns is called for every row without a Promise between rows on the same leaf.
 * Yields the number of rows visited since the last yield (see `visitRecords`).
 *
 * A whole rowid table on a local file (no limit, not inside a write) is read leaf run by leaf run
 * (btree/table-leaf-records.ts: no cursor step per row, no page array per leaf); the records
 * are the same, in the same order.
 */
export async function* tableRecordBatches(
  pager: Pager,
  table: TableInfo,
  options: RowsOptions,
  visitorFor: (shape: RecordShape) => RecordVisitor,
): AsyncGenerator<number> {
  const visit = visitorFor(await recordShape(pager, table));
  const whole = options.limit === undefined && options.readAhead !== false && !table.withoutRowid && table.rootPage > 0;
  if (whole && !pager.inWriteTransaction && readsLeavesInBulk(pager)) {
    yield* visitTableLeaves(pager, table.rootPage, options.offset ?? 0, MAX_BATCH, visit);
    return;
  }
  yield* visitRecords(pager, table, options, visit);
}

/** `tableRowValues` in batches (see `scanBatches`): for consumers that flatten them without a Promise per row. */
export function tableRowValueBatches(pager: Pager, table: TableInfo, options: RowsOptions = {}): AsyncGenerator<SqlValue[][]> {
  return scanBatches(pager, table, options, valuesRow);
}

function decode(payload: Uint8Array, encoding: TextEncoding, out: DecodedRecord, table: TableInfo): DecodedRecord {
  try {
    return decodeRecord(payload, encoding, out); // (empties `out` first)
  } catch (err) {
    throw named(err, table);
  }
}

/** A record's CorruptError (which knows no page) names the table and its root page. */
function named(err: unknown, table: TableInfo): unknown {
  if (err instanceof CorruptError && err.pgno === undefined) {
    return new CorruptError(`${err.message} in a record of table ${table.name}`, table.rootPage);
  }
  return err;
}

/** The table `name` of `main` for the inspection API, or SQLite's error (views and virtual tables are not tables to read). */
export function readableTable(main: Schema, name: string): TableInfo {
  const relation = main.relation(name);
  if (relation === undefined) throw new SqliteError('SQLITE_ERROR', `no such table: ${name}`);
  if (relation.kind === 'virtual-table') {
    throw new SqliteError('SQLITE_ERROR', `virtual table module ${relation.module} is not supported`);
  }
  if (relation.kind === 'view') {
    throw new SqliteError('SQLITE_ERROR', `${name} is a view; reading views needs the query engine`);
  }
  return relation;
}
