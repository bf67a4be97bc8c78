/**
 * Decoding a table row (or an index entry) straight into the slots of the executor's row.
 *
 * Rowid table: the record's field i holds column storageToDeclared[i]; the INTEGER PRIMARY KEY
 * is stored as NULL and takes the rowid. WITHOUT ROWID: the same map (PRIMARY KEY fields
 * first). Fields missing at the end (rows written before ALTER TABLE ADD COLUMN) take the
 * column's DEFAULT with its affinity. REAL columns hold integral values as integers on disk and
 * read them back as REAL (OP_RealAffinity).
 */
import { CorruptError } from '../../errors.js';
import { decodeRecord, readRecordLayout, type DecodedRecord } from '../../record/record.js';
import { copyBytes } from '../../record/byte-pool.js';
import { decodeSerialValue, readFloat64 } from '../../record/serial-type.js';
import { decodeText } from '../../record/text-encoding.js';
import type { TextEncoding } from '../../record/text-encoding.js';
import { defaultStorageClass } from '../../record/value.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import { applyAffinity } from '../apply-affinity.js';
import { fromStored, type Value } from '../value.js';
import { generatedColumns, type GeneratedColumns } from '../generated/generated-columns.js';

export class RowDecoder {
  private readonly scratch: DecodedRecord = { values: [], classes: [] };
  /** `fillRow`'s record layout (serial type and body offset per field), reused row to row. */
  private readonly types: number[] = [];
  private readonly offsets: number[] = [];
  private readonly defaults: Value[];
  private readonly real: boolean[];
  /** The table's generated columns when some are VIRTUAL (computed into `virtualRow`, then copied). */
  private readonly generated: GeneratedColumns | undefined;
  private readonly virtualRow: Value[] = [];
  /**
   * Per column: the query reads it. A row's other fields are not decoded (a wide row's long
   * text the query never looks at costs nothing); their slots are NULL. Undefined: every column.
   */
  private readonly wanted: boolean[] | undefined;

  constructor(
    readonly table: TableInfo,
    readonly encoding: TextEncoding,
    readColumns?: ReadonlySet<number>,
  ) {
    this.defaults = table.columns.map((c) => {
      const v = c.defaultValue ?? null;
      const t = applyAffinity(v, c.defaultClass ?? defaultStorageClass(v), c.affinity);
      return fromStored(t.value, t.storageClass);
    });
    this.real = table.columns.map((c) => c.affinity === 'REAL');
    const generated = generatedColumns(table);
    this.generated = generated?.hasVirtual === true ? generated : undefined;
    this.generated?.virtualSteps(); // a generated column loop is an error before the first row
    const wanted = readColumns === undefined || this.generated !== undefined ? undefined : table.columns.map((_c, i) => readColumns.has(i));
    this.wanted = wanted !== undefined && wanted.some((w) => !w) ? wanted : undefined;
  }

  private decode(payload: Uint8Array, pgno: number): DecodedRecord {
    try {
      return decodeRecord(payload, this.encoding, this.scratch);
    } catch (err) {
      if (err instanceof CorruptError && err.pgno === undefined) {
        throw new CorruptError(`${err.message} in a record of ${this.table.name}`, pgno);
      }
      throw err;
    }
  }

  /**
   * A table record → columns at `row[offset + col]`, the rowid at `row[rowidSlot]`. The record's
   * layout is read once (checked as `decodeRecord` checks it) and each column's value decoded
   * straight into its executor value — no stored value and class per field in between.
   */
  fillRow(row: Value[], offset: number, rowidSlot: number | undefined, payload: Uint8Array, rowid: number | bigint | undefined): void {
    const t = this.table;
    const wanted = this.wanted;
    let fields: number;
    try {
      fields = readRecordLayout(payload, this.types, this.offsets);
    } catch (err) {
      if (err instanceof CorruptError && err.pgno === undefined) {
        throw new CorruptError(`${err.message} in a record of ${t.name}`, t.rootPage);
      }
      throw err;
    }
    const n = t.columns.length;
    const toStorage = t.declaredToStorage;
    for (let col = 0; col < n; col++) {
      if (wanted !== undefined && !wanted[col]) {
        // A column the query does not read: not decoded (the header was checked whole).
        row[offset + col] = null;
        continue;
      }
      const at = toStorage[col] ?? -1;
      row[offset + col] = at >= 0 && at < fields ? this.fieldValue(payload, at, col) : (this.defaults[col] ?? null);
    }
    if (rowid !== undefined) {
      const r = typeof rowid === 'bigint' ? rowid : BigInt(rowid);
      if (t.rowidAlias >= 0) row[offset + t.rowidAlias] = r;
      if (rowidSlot !== undefined) row[rowidSlot] = r;
    }
    if (this.generated !== undefined) this.computeVirtual(row, offset);
  }

  /** Field `at` of the record whose layout `fillRow` just read, as column `col`'s executor value. */
  private fieldValue(payload: Uint8Array, at: number, col: number): Value {
    const type = this.types[at]!;
    const off = this.offsets[at]!;
    if (type === 0) return null;
    if (type === 7) {
      const f = readFloat64(payload, off);
      return Number.isNaN(f) ? null : f;
    }
    if (type >= 12) {
      const end = off + ((type - 12) >> 1);
      return type & 1 ? decodeText(payload, off, end, this.encoding) : copyBytes(payload, off, end);
    }
    // An integer (serial types 1–6, 8, 9): INTEGER as bigint, REAL columns' integral values as REAL.
    const v = decodeSerialValue(payload, off, type, this.encoding);
    if (this.real[col] === true) return Number(v);
    return typeof v === 'bigint' ? v : BigInt(v as number);
  }

  /** The VIRTUAL columns of the row at `row[offset…]`, computed from its other columns. */
  private computeVirtual(row: Value[], offset: number): void {
    const n = this.table.columns.length;
    const own = this.virtualRow;
    for (let col = 0; col < n; col++) own[col] = row[offset + col] ?? null;
    this.generated!.computeVirtual(own);
    const cols = this.table.columns;
    for (let col = 0; col < n; col++) if (cols[col]!.hidden === 2) row[offset + col] = own[col] ?? null;
  }

  /** An index entry → the columns it holds (and the rowid, last field of a rowid table's index). */
  fillFromIndex(row: Value[], offset: number, rowidSlot: number | undefined, index: IndexInfo, payload: Uint8Array, pgno: number): void {
    const rec = this.decode(payload, pgno);
    const t = this.table;
    index.recordColumns.forEach((rc, i) => {
      if (i >= rec.values.length) return;
      let v = fromStored(rec.values[i] ?? null, rec.classes[i] ?? 'null');
      if (rc.column === -1 || (rc.column >= 0 && rc.column === t.rowidAlias)) {
        if (rowidSlot !== undefined) row[rowidSlot] = v;
        if (t.rowidAlias >= 0) row[offset + t.rowidAlias] = v;
        return;
      }
      if (rc.column >= 0) {
        if (typeof v === 'bigint' && this.real[rc.column] === true) v = Number(v);
        row[offset + rc.column] = v;
      }
    });
  }

  /** The rowid stored as the last field of a rowid table's index entry. */
  indexRowid(payload: Uint8Array, pgno: number): bigint {
    const rec = this.decode(payload, pgno);
    const v = rec.values[rec.values.length - 1];
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    if (typeof v === 'bigint') return v;
    throw new CorruptError(`index entry of ${this.table.name} does not end in a rowid`, pgno);
  }

  /** Values of the PRIMARY KEY columns (in key order) held by an index entry of a WITHOUT ROWID table. */
  indexPrimaryKey(index: IndexInfo, payload: Uint8Array, pgno: number): Value[] {
    const rec = this.decode(payload, pgno);
    return this.table.primaryKey.map((col) => {
      const at = index.recordColumns.findIndex((rc) => rc.column === col);
      if (at < 0 || at >= rec.values.length) throw new CorruptError(`index entry of ${this.table.name} lacks its primary key`, pgno);
      return fromStored(rec.values[at] ?? null, rec.classes[at] ?? 'null');
    });
  }
}
