/**
 * Table rows and index entries as records (https://www.sqlite.org/fileformat2.html#record_format),
 * with SQLite's storage rules:
 *
 * - Column affinity is applied before a value is stored (https://www.sqlite.org/datatype3.html §3).
 * - REAL columns: an integral value in [-2^47, 2^47) is written as an INTEGER serial type (the
 *   "IntReal" space saving of OP_Affinity) and read back as a REAL; larger ones as 8-byte floats.
 * - NUMERIC/INTEGER columns: an integral real (also -0.0) becomes an integer (sqlite3VdbeIntegerAffinity).
 * - Index records: REAL/INTEGER column affinity is weakened to NUMERIC (sqlite3IndexAffinityStr),
 *   so any integral real within the int64 range is written as an integer.
 * - The INTEGER PRIMARY KEY column (rowid alias) is stored as NULL; the rowid holds its value.
 * - STRICT tables check the value's class after affinity: SQLITE_CONSTRAINT_DATATYPE
 *   "cannot store TEXT value in INT column t.c".
 */
import { ConstraintError, CorruptError, SqliteError } from '../../errors.js';
import { applyAffinityValue } from '../expr/value-ops.js';
import { encodeValueRecord, measureValueRecord } from './record-writer.js';
import { decodeRecord, readRecordLayout } from '../../record/record.js';
import { decodeSerialValue } from '../../record/serial-type.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import { int64Value, type SqlValue, type StorageClass } from '../../record/value.js';
import type { Affinity } from '../../schema/affinity.js';
import type { ColumnInfo, IndexInfo, TableInfo } from '../../schema/schema-types.js';
import { fromStored, storageClassOf, type Value } from '../value.js';
import { generatedColumns } from '../generated/generated-columns.js';
import { indexExpressionValue } from '../generated/index-expressions.js';

const INT64_LIMIT = 2 ** 63;

/** An executor value → the record layer's (value, storage class). */
export function toStored(v: Value): { value: SqlValue; cls: StorageClass } {
  if (typeof v === 'bigint') return { value: int64Value(v), cls: 'integer' };
  return { value: v, cls: storageClassOf(v) };
}

/** Column affinity applied to an executor value (before storing or comparing with stored values). */
export function withAffinity(v: Value, affinity: Affinity): Value {
  if (v === null || affinity === 'BLOB') return v;
  // Values that already have the class the affinity wants stay as they are.
  switch (typeof v) {
    case 'string':
      if (affinity === 'TEXT') return v;
      break;
    case 'bigint':
      if (affinity === 'INTEGER' || affinity === 'NUMERIC') return v;
      break;
    case 'number':
      if (affinity === 'REAL') return v;
      break;
    default:
      return v; // a BLOB: no affinity changes it
  }
  let r = applyAffinityValue(v, affinity);
  if ((affinity === 'NUMERIC' || affinity === 'INTEGER') && typeof r === 'number' && Object.is(r, -0)) r = 0n;
  return r;
}

const CLASS_NAMES: Record<StorageClass, string> = { null: 'NULL', integer: 'INT', real: 'REAL', text: 'TEXT', blob: 'BLOB' };

/** The affinity used when storing into `col` (STRICT ANY columns keep values as they are). */
export function storageAffinity(table: TableInfo, col: ColumnInfo): Affinity {
  if (table.strict && col.declaredType.toUpperCase() === 'ANY') return 'BLOB';
  return col.affinity;
}

/** Affinity + STRICT type check for one column value (`check` false: affinity only). */
export function columnValue(table: TableInfo, iCol: number, v: Value, check = true): Value {
  const out = withAffinity(v, storageAffinity(table, table.columns[iCol]!));
  if (check && table.strict) checkStrictType(table, iCol, out);
  return out;
}

/** A STRICT table's type rule for a value after affinity; throws SQLite's DATATYPE error. */
export function checkStrictType(table: TableInfo, iCol: number, v: Value): void {
  if (v === null) return;
  const col = table.columns[iCol]!;
  const type = col.declaredType.toUpperCase();
  const cls = storageClassOf(v);
  const ok =
    type === 'ANY' ||
    ((type === 'INT' || type === 'INTEGER') && cls === 'integer') ||
    (type === 'REAL' && cls === 'real') ||
    (type === 'TEXT' && cls === 'text') ||
    (type === 'BLOB' && cls === 'blob');
  if (!ok) throw new ConstraintError('DATATYPE', `cannot store ${CLASS_NAMES[cls]} value in ${col.declaredType} column ${table.name}.${col.name}`);
}

/**
 * `columnValue(table, iCol, ·, check)` as a function made once per column: the affinity and
 * STRICT type are looked up here, not per value. The writers pass `check` false and judge the
 * STRICT types in TableWriter.checkRow, after NOT NULL, as SQLite orders its checks.
 */
export function columnConverter(table: TableInfo, iCol: number, check = true): (v: Value) => Value {
  const col = table.columns[iCol]!;
  const affinity = storageAffinity(table, col);
  if (table.strict && check) return (v) => columnValue(table, iCol, v);
  return (v) => withAffinity(v, affinity);
}

/** How a table's record is laid out: the declared column of each field (-1: the rowid alias, stored as NULL) and which fields are REAL. */
export interface RecordLayout {
  readonly order: readonly number[];
  readonly intReal: readonly boolean[];
}

const layouts = new WeakMap<TableInfo, RecordLayout>();

export function recordLayout(table: TableInfo): RecordLayout {
  let layout = layouts.get(table);
  if (layout === undefined) {
    const order = table.storageToDeclared.map((iCol) => (iCol === table.rowidAlias && !table.withoutRowid ? -1 : iCol));
    const intReal = table.storageToDeclared.map((iCol) => table.columns[iCol]?.affinity === 'REAL');
    layout = { order, intReal };
    layouts.set(table, layout);
  }
  return layout;
}

/** The table record of a row (values in declaration order, affinity already applied). */
export function encodeTableRecord(table: TableInfo, row: readonly Value[], encoding: TextEncoding): Uint8Array {
  const { order, intReal } = recordLayout(table);
  return encodeValueRecord(row, encoding, order, intReal);
}

/** `encodeTableRecord`'s size, measured for `writeMeasuredRecord` (record-writer.ts) to write in place. */
export function measureTableRecord(table: TableInfo, row: readonly Value[], encoding: TextEncoding): number {
  const { order, intReal } = recordLayout(table);
  return measureValueRecord(row, encoding, order, intReal);
}

/** Default values per column (constants only; others are evaluated by the caller). */
export function columnDefault(table: TableInfo, iCol: number): Value | undefined {
  const col = table.columns[iCol]!;
  if (col.defaultExpr === undefined) return null;
  if (col.defaultValue === undefined) return undefined;
  return fromStored(col.defaultValue, col.defaultClass ?? 'null');
}

/**
 * A stored record → the row in declaration order (rowid alias from the rowid, REAL columns as
 * reals, missing trailing fields from the column DEFAULT with affinity: ALTER TABLE ADD COLUMN).
 */
export function decodeTableRow(table: TableInfo, rowid: bigint | undefined, payload: Uint8Array, encoding: TextEncoding): Value[] {
  let rec;
  try {
    rec = decodeRecord(payload, encoding);
  } catch (err) {
    if (err instanceof CorruptError && err.pgno === undefined) {
      throw new CorruptError(`${err.message} in a record of table ${table.name}`, table.rootPage);
    }
    throw err;
  }
  const row = new Array<Value>(table.columns.length);
  for (let col = 0; col < table.columns.length; col++) {
    const at = table.declaredToStorage[col] ?? -1;
    if (col === table.rowidAlias && rowid !== undefined) {
      row[col] = rowid;
    } else if (at >= 0 && at < rec.values.length) {
      let v = fromStored(rec.values[at] ?? null, rec.classes[at] ?? 'null');
      if (table.columns[col]!.affinity === 'REAL' && typeof v === 'bigint') v = Number(v);
      row[col] = v;
    } else {
      const d = columnDefault(table, col);
      row[col] = d === undefined || d === null ? null : withAffinity(d, table.columns[col]!.affinity);
    }
  }
  const generated = generatedColumns(table);
  if (generated?.hasVirtual === true) generated.computeVirtual(row);
  return row;
}

/**
 * As `decodeTableRow`, for the columns `cols` only: `row[col]` gets what decodeTableRow would put
 * there, for each col in `cols`; the other fields of the record are checked (as decodeRecord
 * checks them) but not decoded. For CREATE INDEX, which reads every row for a few columns.
 * Undefined for a table with VIRTUAL generated columns (computed from the whole row).
 */
export function tableColumnsDecoder(
  table: TableInfo,
  cols: readonly number[],
  encoding: TextEncoding,
): ((rowid: bigint | undefined, payload: Uint8Array, row: Value[]) => void) | undefined {
  if (generatedColumns(table)?.hasVirtual === true) return undefined;
  const types: number[] = [];
  const offsets: number[] = [];
  const plan = cols.map((col) => ({
    col,
    at: table.declaredToStorage[col] ?? -1,
    real: table.columns[col]!.affinity === 'REAL',
    alias: col === table.rowidAlias,
  }));
  return (rowid, payload, row) => {
    let fields: number;
    try {
      fields = readRecordLayout(payload, types, offsets);
    } catch (err) {
      if (err instanceof CorruptError && err.pgno === undefined) {
        throw new CorruptError(`${err.message} in a record of table ${table.name}`, table.rootPage);
      }
      throw err;
    }
    for (const { col, at, real, alias } of plan) {
      if (alias && rowid !== undefined) {
        row[col] = rowid;
      } else if (at >= 0 && at < fields) {
        const type = types[at]!;
        const stored = decodeSerialValue(payload, offsets[at]!, type, encoding);
        let v: Value;
        if (stored === null) v = null;
        else if (type <= 9 && type !== 7) v = typeof stored === 'bigint' ? stored : BigInt(stored as number);
        else v = stored;
        if (real && typeof v === 'bigint') v = Number(v);
        row[col] = v;
      } else {
        const d = columnDefault(table, col);
        row[col] = d === undefined || d === null ? null : withAffinity(d, table.columns[col]!.affinity);
      }
    }
  };
}

/** The value an index record holds for a table value (NUMERIC-weakened affinity, see the header). */
function indexStored(v: Value): Value {
  if (typeof v === 'number' && Number.isInteger(v) && v > -INT64_LIMIT && v < INT64_LIMIT) return BigInt(v);
  return v;
}

/** The values of `index`'s record for a row (recordColumns: key columns, then rowid / PK columns). */
export function indexEntryValues(index: IndexInfo, table: TableInfo, row: readonly Value[], rowid: bigint | undefined): Value[] {
  return index.recordColumns.map((c, field) => {
    if (c.column === -1) {
      if (rowid === undefined) throw new SqliteError('SQLITE_INTERNAL', 'rowid of a WITHOUT ROWID row');
      return rowid;
    }
    if (c.column < 0) return indexExpressionValue(index, table, field, row);
    const v = row[c.column] ?? null;
    return table.columns[c.column]?.affinity === 'REAL' || table.columns[c.column]?.affinity === 'INTEGER' || table.columns[c.column]?.affinity === 'NUMERIC'
      ? indexStored(v)
      : v;
  });
}

/** The record of `values`, in order. */
export function encodeValues(values: readonly Value[], encoding: TextEncoding): Uint8Array {
  return encodeValueRecord(values, encoding);
}
