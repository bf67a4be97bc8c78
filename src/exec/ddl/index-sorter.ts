/**
 * CREATE INDEX's sorter for the common case — every index field a table column or the rowid,
 * BINARY collations, a UTF-8 database, no VIRTUAL generated columns, no WHERE: each entry's
 * record is written straight from the table record's bytes into one growing buffer (no values
 * decoded, no object per entry), and the entries are sorted as SQLite's sorter sorts them —
 * by two numeric keys made from the first field, then, where those tie, by comparing the records'
 * bytes (vdbeSorterCompare / sqlite3VdbeRecordCompare): numbers by value, TEXT and BLOB by memcmp
 * then length, NULL < numbers < TEXT < BLOB (entry-sort.ts, index-record-bytes.ts). The table's
 * rows arrive a leaf at a time (takeLocalCells: btree/table-leaf-scan.ts).
 *
 * The entry record is what `encodeValues(indexEntryValues(…))` makes of the decoded row
 * (row-codec.ts): a field's serial type and body bytes are copied as they are, except
 *   - integers, re-encoded at their smallest width (a file may hold wider ones);
 *   - a REAL (serial type 7) in a REAL/INTEGER/NUMERIC column that is integral and within the
 *     int64 range: an INTEGER in the index (the NUMERIC-weakened index affinity); a NaN: NULL;
 *   - the rowid (alias or suffix), written as an integer; fields the record lacks (ALTER TABLE
 *     ADD COLUMN): the column's DEFAULT, encoded once.
 */
import type { BtreePage } from '../../btree/btree-page.js';
import type { LeafSink } from '../../btree/table-leaf-scan.js';
import { CorruptError } from '../../errors.js';
import { emptyCell, parseCell } from '../../format/cell.js';
import { PageType } from '../../format/page-header.js';
import { readRecordLayout } from '../../record/record.js';
import { integerSerialType, readFloat64 } from '../../record/serial-type.js';
import type { IndexInfo, TableInfo } from '../../schema/schema-types.js';
import { generatedColumns } from '../generated/generated-columns.js';
import { columnDefault, withAffinity } from '../dml/row-codec.js';
import { encodeValueRecord, measureValueRecord, writeMeasuredRecord } from '../dml/record-writer.js';
import type { Value } from '../value.js';
import type { EntryList } from './index-builder.js';
import { sortEntries } from './entry-sort.js';
import { varintLength, writeVarint } from '../../format/varint.js';
import { compareRecords, numberAt, putInt, readInt, readVarintAt, SIZES } from './index-record-bytes.js';

export { compareRecords, recordHasNull } from './index-record-bytes.js';

/** How each field of an entry is made. */
type FieldPlan =
  | { readonly kind: 'rowid' }
  | { readonly kind: 'column'; readonly at: number; readonly numeric: boolean; readonly fallback: Uint8Array };

const TWO_63 = 2 ** 63;

/** A class's step in the first sort key: above any 6-byte prefix (2^48). */
const CLASS = 2 ** 48;

/** The packed sorter for `index`, or undefined when the case is not the common one (see the header). */
export function packedSorter(index: IndexInfo, table: TableInfo, collations: readonly string[], utf8: boolean): PackedEntries | undefined {
  if (!utf8 || index.partial !== undefined || table.withoutRowid) return undefined;
  if (generatedColumns(table)?.hasVirtual === true) return undefined;
  const nocase = foldedFields(collations);
  if (nocase === undefined) return undefined;
  const plans: FieldPlan[] = [];
  for (const rc of index.recordColumns) {
    if (rc.column === -1 || (rc.column >= 0 && rc.column === table.rowidAlias)) plans.push({ kind: 'rowid' });
    else if (rc.column >= 0) {
      const col = table.columns[rc.column]!;
      const numeric = col.affinity === 'REAL' || col.affinity === 'INTEGER' || col.affinity === 'NUMERIC';
      // The DEFAULT a record too short for this column takes, as decodeTableRow gives it and
      // indexEntryValues stores it; encoded once as a one-field record.
      const d = columnDefault(table, rc.column);
      let v: Value = d === undefined || d === null ? null : withAffinity(d, col.affinity);
      if (numeric && typeof v === 'number' && Number.isInteger(v) && v > -TWO_63 && v < TWO_63) v = BigInt(v);
      plans.push({ kind: 'column', at: table.declaredToStorage[rc.column] ?? -1, numeric, fallback: encodeValueRecord([v], 1) });
    } else return undefined;
  }
  return new PackedEntries(table, plans, plans.length, nocase);
}

/**
 * Per field, whether it compares under NOCASE; undefined when a collation is neither BINARY nor
 * NOCASE (RTRIM, or one of the application's: the sorter compares bytes, it cannot call them).
 */
export function foldedFields(collations: readonly string[]): boolean[] | undefined {
  const out: boolean[] = [];
  for (const c of collations) {
    const upper = c.toUpperCase();
    if (upper !== 'BINARY' && upper !== 'NOCASE') return undefined;
    out.push(upper === 'NOCASE');
  }
  return out;
}

export class PackedEntries implements LeafSink {
  private buf = new Uint8Array(1 << 16);
  private used = 0;
  private starts = new Int32Array(1024);
  /**
   * Per entry, its first field as two sort keys (entry-sort.ts), numbers that order entries as
   * their records do whenever they differ: `k1` its class (NULL 0, number 1, TEXT 2, BLOB 3)
   * times 2^48 plus, for TEXT and BLOB, bytes 0–5 big-endian, zero-padded (folded for NOCASE);
   * `k2` the value of a number, bytes 6–11 of a TEXT or BLOB (a shorter value padded with zeros
   * never sorts after a longer one it is a prefix of). Keys that tie send the comparison to the
   * records. (Number of an integer beyond 2^53 may round, but never out of order.)
   */
  private k1 = new Float64Array(1024);
  private k2 = new Float64Array(1024);
  count = 0;
  private readonly types: number[] = [];
  private readonly offsets: number[] = [];
  /** Scratch for one entry: serial type, and where its body comes from (src, start, length). */
  private readonly fieldType: number[];
  private readonly fieldSrc: Uint8Array[];
  private readonly fieldStart: number[];
  private readonly fieldInt: (number | bigint)[];

  constructor(
    private readonly table: TableInfo,
    private readonly plans: readonly FieldPlan[],
    /** Fields per entry (`plans.length` when entries come from table records). */
    private readonly fields = plans.length,
    /** Per field, whether TEXT compares under NOCASE (else BINARY). */
    private readonly nocase: readonly boolean[] = [],
  ) {
    const n = plans.length;
    this.fieldType = new Array<number>(n).fill(0);
    this.fieldSrc = new Array<Uint8Array>(n).fill(this.buf);
    this.fieldStart = new Array<number>(n).fill(0);
    this.fieldInt = new Array<number | bigint>(n).fill(0);
    const [first, second] = plans;
    this.single = n === 2 && first?.kind === 'column' && first.at >= 0 && second?.kind === 'rowid' ? first.at : -1;
  }

  /** An index on one column, then the rowid (addSingle): that column's field in the record, else -1. */
  private readonly single: number;

  /**
   * LeafSink (TableCursor.eachLocalInLeaf): the entries of table leaf `page`'s cells from `from`
   * on, each read where it lies. Cell pointers are checked as cellOffset checks them; a cell
   * whose varints are longer than the short forms below goes through parseCell (which checks
   * and reports it); a cell with overflow ends the run (its index is returned).
   */
  takeLocalCells(page: BtreePage, from: number, usable: number): number {
    const data = page.data;
    const header = page.header;
    const n = header.cellCount;
    const pointers = header.cellPointerOffset;
    const contentStart = header.cellContentStart;
    const maxLocal = usable - 35;
    const single = this.single;
    for (let i = from; i < n; i++) {
      const off = (data[pointers + 2 * i]! << 8) | data[pointers + 2 * i + 1]!;
      if (off < contentStart || off > usable - 4) throw new CorruptError(`cell ${i} offset ${off} outside the cell content area`, page.pgno);
      // Payload size and rowid: one- to three-byte varints read here (any rowid below 2^21).
      let p = off;
      let size = data[p++]!;
      if (size >= 0x80) {
        const b = data[p++]!;
        size = b < 0x80 ? ((size & 0x7f) << 7) | b : -1;
      }
      let rowid = data[p++]!;
      if (rowid >= 0x80) {
        const b = data[p++]!;
        if (b < 0x80) rowid = ((rowid & 0x7f) << 7) | b;
        else {
          const c = data[p++]!;
          rowid = c < 0x80 ? ((rowid & 0x7f) << 14) | ((b & 0x7f) << 7) | c : -1;
        }
      }
      if (size < 0 || rowid < 0 || p + size > usable) {
        const cell = parseCell(data, off, PageType.TableLeaf, page.pgno, usable, this.cell);
        if (cell.overflowPgno !== 0) return i;
        this.addAt(data, cell.localOffset, cell.localOffset + cell.payloadSize, cell.rowid);
        continue;
      }
      if (size > maxLocal) return i;
      if (single < 0 || !this.addSingleAt(data, p, p + size, rowid)) this.addAt(data, p, p + size, rowid);
    }
    if (this.leavesExpected !== 0) this.presize();
    return n;
  }

  /**
   * LeafSink: the table has `leaves` leaves. After the first one, the buffers are sized for as
   * many entries and bytes per leaf as it gave (plus a little), so that they do not grow by
   * doubling — each doubling a copy, and arrays left for the collector.
   */
  expectLeaves(leaves: number): void {
    this.leavesExpected = leaves;
  }

  private leavesExpected = 0;

  /** The buffers sized from the first leaf (expectLeaves). */
  private presize(): void {
    const leaves = this.leavesExpected;
    this.leavesExpected = 0;
    if (leaves < 2 || this.count === 0) return;
    const entries = Math.ceil(this.count * leaves * 1.05) + 16;
    const bytes = Math.ceil(this.used * leaves * 1.25) + 1024;
    // Only a sane estimate (a first leaf unlike the others must not ask for gigabytes).
    if (entries > 1 << 24 || bytes > 1 << 28) return;
    if (entries > this.starts.length) this.grow(entries);
    if (bytes > this.buf.length) this.reserve(bytes - this.used);
  }

  /** parseCell's output for the cells takeLocalCells does not read itself. */
  private readonly cell = emptyCell();

  /**
   * The entry of an index on one column (field `single` of the record, then the rowid) of the
   * record `src[start…end)`, when its header size is one byte and its serial types one or two
   * (fields up to 8,185 bytes) and the field is not a REAL; false when it is anything else
   * (addAt then).
   */
  private addSingleAt(src: Uint8Array, start: number, end: number, rowid: number): boolean {
    const hdr = src[start]!;
    if (hdr === 0 || hdr >= 0x80 || hdr > end - start) return false;
    const hdrEnd = start + hdr;
    const want = this.single;
    let body = hdrEnd;
    let type = -1;
    let at = 0;
    for (let p = start + 1, k = 0; p < hdrEnd; p++, k++) {
      let t = src[p]!;
      if (t >= 0x80) {
        // A two-byte serial type: TEXT or BLOB of 58 to 8,185 bytes.
        const low = src[p + 1]!;
        if (low >= 0x80 || p + 1 >= hdrEnd) return false;
        t = ((t & 0x7f) << 7) | low;
        p++;
      }
      if (t === 10 || t === 11) return false;
      if (k === want) {
        type = t;
        at = body;
      }
      body += t >= 12 ? (t - 12) >> 1 : SIZES[t]!;
    }
    // A REAL goes through addAt (its conversions depend on the column's affinity).
    if (body !== end || type < 0 || type === 7) return false;
    // An integer is written at its smallest width (a file may hold wider ones); one beyond 2^53
    // goes through addAt.
    let int = 0;
    if (type >= 1 && type <= 6) {
      const v = readInt(src, at, type);
      if (typeof v !== 'number') return false;
      int = v;
      type = integerSerialType(v);
    }
    const size = type >= 12 ? (type - 12) >> 1 : SIZES[type]!;
    const typeBytes = type < 0x80 ? 1 : 2;
    const hdrSize = 2 + typeBytes;
    // Record: header size, the field's type, the rowid's type; the field's bytes; the rowid.
    const rowidType = integerSerialType(rowid);
    const rowidSize = SIZES[rowidType]!;
    const total = hdrSize + size + rowidSize;
    if (this.used + total > this.buf.length) this.reserve(total);
    const out = this.buf;
    const entry = this.used;
    out[entry] = hdrSize;
    if (typeBytes === 1) out[entry + 1] = type;
    else {
      out[entry + 1] = 0x80 | (type >> 7);
      out[entry + 2] = type & 0x7f;
    }
    out[entry + hdrSize - 1] = rowidType;
    let b = entry + hdrSize;
    if (type >= 1 && type <= 6) putInt(out, b, int, size);
    else if (size > 64) out.set(src.subarray(at, at + size), b);
    else for (let k = 0; k < size; k++) out[b + k] = src[at + k]!;
    b += size;
    for (let k = rowidSize - 1, y = rowid; k >= 0; k--, y >>= 8) out[b + k] = y & 0xff;
    this.used += total;
    this.push(entry, hdrSize, type);
    return true;
  }


  /** Adds the entry of the table row `payload` with `rowid`. */
  add(payload: Uint8Array, rowid: number | bigint): void {
    this.addAt(payload, 0, payload.length, rowid);
  }

  /**
   * Adds the entry of the table row whose record is `payload[from…to)` (a cell's payload where it
   * lies on its page: no view made per row), with `rowid`.
   */
  addAt(payload: Uint8Array, from: number, to: number, rowid: number | bigint): void {
    const fields = this.layout(payload, from, to);
    const single = this.single;
    if (single >= 0 && single < fields && typeof rowid === 'number' && this.addSingle(payload, this.types[single]!, this.offsets[single]!, rowid)) return;
    const plans = this.plans;
    const n = plans.length;
    const types = this.types;
    const offsets = this.offsets;
    const fieldType = this.fieldType;
    const fieldSrc = this.fieldSrc;
    const fieldStart = this.fieldStart;
    let hdr = 0;
    let body = 0;
    for (let i = 0; i < n; i++) {
      const plan = plans[i]!;
      let type: number;
      if (plan.kind === 'rowid') {
        type = this.setInt(i, rowid);
      } else if (plan.at < 0 || plan.at >= fields) {
        // The DEFAULT, from its one-field record: header size, serial type, body.
        const f = plan.fallback;
        type = readVarintAt(f, 1).value;
        fieldSrc[i] = f;
        fieldStart[i] = f[0]!;
      } else {
        type = types[plan.at]!;
        const at = offsets[plan.at]!;
        if (type >= 1 && type <= 6) {
          type = this.setInt(i, readInt(payload, at, type));
        } else if (type !== 7) {
          fieldSrc[i] = payload;
          fieldStart[i] = at;
        } else {
          const f = readFloat64(payload, at);
          if (Number.isNaN(f)) type = 0;
          else if (plan.numeric && Number.isInteger(f) && f > -TWO_63 && f < TWO_63) type = this.setInt(i, Number.isSafeInteger(f) ? f : BigInt(f));
          else {
            fieldSrc[i] = payload;
            fieldStart[i] = at;
          }
        }
      }
      fieldType[i] = type;
      hdr += type < 0x80 ? 1 : varintLength(type);
      body += type >= 12 ? (type - 12) >> 1 : SIZES[type]!;
    }
    let hdrSize = hdr + 1;
    if (hdr > 126) {
      hdrSize = hdr + varintLength(hdr);
      if (varintLength(hdrSize) > varintLength(hdr)) hdrSize++;
    }
    const total = hdrSize + body;
    this.reserve(total);
    const out = this.buf;
    const start = this.used;
    let h = hdrSize < 0x80 ? ((out[start] = hdrSize), start + 1) : start + writeVarint(out, start, hdrSize);
    let b = start + hdrSize;
    for (let i = 0; i < n; i++) {
      const type = fieldType[i]!;
      if (type < 0x80) out[h++] = type;
      else h += writeVarint(out, h, type);
      const size = type >= 12 ? (type - 12) >> 1 : SIZES[type]!;
      if (size === 0) continue;
      const src = fieldSrc[i]!;
      if (src === INT_MARK) putInt(out, b, this.fieldInt[i]!, size);
      else if (size <= 64) {
        // A short field byte by byte: no view made per field (set() wants an array to copy from).
        for (let k = 0, from = fieldStart[i]!; k < size; k++) out[b + k] = src[from + k]!;
      } else out.set(src.subarray(fieldStart[i]!, fieldStart[i]! + size), b);
      b += size;
    }
    this.used += total;
    this.push(start, hdrSize, n === 0 ? 0 : fieldType[0]!);
  }

  /**
   * Adds an entry made of executor values (an index on expressions, or with a WHERE clause, or
   * over a table this sorter cannot read records of): encoded as `encodeValues` encodes it,
   * straight into the buffer.
   */
  addValues(values: readonly Value[]): void {
    const total = measureValueRecord(values, 1);
    this.reserve(total);
    const start = this.used;
    writeMeasuredRecord(this.buf, start);
    this.used += total;
    const out = this.buf;
    let hdrSize = out[start]!;
    let h = start + 1;
    if (hdrSize >= 0x80) {
      const v = readVarintAt(out, start);
      hdrSize = v.value;
      h = start + v.length;
    }
    this.push(start, hdrSize, values.length === 0 ? 0 : readVarintAt(out, h).value);
  }

  /** Records the entry just written at `start` (header `hdrSize` bytes, first field of serial type `first`) with its sort keys. */
  private push(start: number, hdrSize: number, first: number): void {
    const out = this.buf;
    const c = this.count;
    if (c + 1 >= this.starts.length) this.grow();
    if (this.fields === 0 || first === 0) {
      this.k1[c] = 0;
      this.k2[c] = 0;
    } else if (first < 12) {
      this.k1[c] = CLASS;
      this.k2[c] = Number(numberAt(out, start + hdrSize, first));
    } else {
      const at = start + hdrSize;
      const len = (first - 12) >> 1;
      const cls = first & 1 ? 2 * CLASS : 3 * CLASS;
      if ((first & 1) === 1 && this.nocase[0] === true) {
        this.k1[c] = cls + prefixKey(out, at, len, true);
        this.k2[c] = len > 6 ? prefixKey(out, at + 6, len - 6, true) : 0;
      } else {
        this.k1[c] = cls + prefixKey(out, at, len, false);
        this.k2[c] = len > 6 ? prefixKey(out, at + 6, len - 6, false) : 0;
      }
    }
    this.starts[this.count++] = start;
    this.starts[this.count] = this.used;
  }

  private grow(size = this.starts.length * 2): void {
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const k1 = new Float64Array(size);
    k1.set(this.k1);
    this.k1 = k1;
    const k2 = new Float64Array(size);
    k2.set(this.k2);
    this.k2 = k2;
  }

  /**
   * The record's serial types and body offsets (absolute, in `src`) into `types` / `offsets`;
   * returns its field count. One-byte header size and serial types (every record of short
   * fields) are read here; anything else, and anything wrong, goes to readRecordLayout, which
   * checks and reports exactly as the decoders do.
   */
  private layout(src: Uint8Array, start: number, end: number): number {
    const hdrSize = end > start ? src[start]! : 0x80;
    fast: if (hdrSize > 0 && hdrSize < 0x80 && hdrSize <= end - start) {
      const types = this.types;
      const offsets = this.offsets;
      const hdrEnd = start + hdrSize;
      let body = hdrEnd;
      let n = 0;
      for (let p = start + 1; p < hdrEnd; p++) {
        const type = src[p]!;
        if (type >= 0x80 || type === 10 || type === 11) break fast;
        const size = type >= 12 ? (type - 12) >> 1 : SIZES[type]!;
        if (size > end - body) break fast;
        types[n] = type;
        offsets[n] = body;
        n++;
        body += size;
      }
      if (body === end) return n;
    }
    try {
      const n = readRecordLayout(src.subarray(start, end), this.types, this.offsets);
      for (let i = 0; i < n; i++) this.offsets[i]! += start;
      return n;
    } catch (err) {
      if (err instanceof CorruptError && err.pgno === undefined) {
        throw new CorruptError(`${err.message} in a record of table ${this.table.name}`, this.table.rootPage);
      }
      throw err;
    }
  }

  /**
   * The entry of an index on one column (field `single` of the record, then the rowid), when
   * that field is NULL, TEXT or BLOB: written straight, without the general loop; false for any
   * other field (a number may need re-encoding).
   */
  private addSingle(payload: Uint8Array, type: number, at: number, rowid: number): boolean {
    if (type !== 0 && type < 12) return false;
    const size = type >= 12 ? (type - 12) >> 1 : 0;
    const typeBytes = type < 0x80 ? 1 : varintLength(type);
    const rowidType = integerSerialType(rowid);
    const rowidSize = SIZES[rowidType]!;
    const hdrSize = 2 + typeBytes;
    if (hdrSize >= 0x80) return false;
    const total = hdrSize + size + rowidSize;
    this.reserve(total);
    const out = this.buf;
    const start = this.used;
    out[start] = hdrSize;
    if (typeBytes === 1) out[start + 1] = type;
    else writeVarint(out, start + 1, type);
    out[start + hdrSize - 1] = rowidType;
    let b = start + hdrSize;
    if (size > 64) out.set(payload.subarray(at, at + size), b);
    else for (let k = 0; k < size; k++) out[b + k] = payload[at + k]!;
    b += size;
    if (rowidSize > 0) putInt(out, b, rowid, rowidSize);
    this.used += total;
    this.push(start, hdrSize, type);
    return true;
  }

  /** Marks field i as an integer to write from `fieldInt` (returns its serial type). */
  private setInt(i: number, v: number | bigint): number {
    this.fieldInt[i] = v;
    this.fieldSrc[i] = INT_MARK;
    return integerSerialType(v);
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.used + n));
    grown.set(this.buf.subarray(0, this.used));
    this.buf = grown;
  }

  /** The entries in index order, as ranges of the shared buffer (no object per entry). */
  sortedList(desc: readonly boolean[]): SortedEntries {
    const n = this.count;
    const buf = this.buf;
    const starts = this.starts;
    const fields = this.fields;
    const nocase = this.nocase;
    const k1 = this.k1;
    const k2 = this.k2;
    if (desc[0] === true) {
      // A DESC first field: the keys negated sort it descending (ties still go to the records,
      // which compare with `desc`).
      for (let i = 0; i < n; i++) {
        k1[i] = -k1[i]!;
        k2[i] = -k2[i]!;
      }
    }
    const order = sortEntries(n, k1, k2, (a, b) => compareRecords(buf, starts[a]!, buf, starts[b]!, fields, desc, nocase));
    return new SortedEntries(buf, starts, order);
  }
}

/** PackedEntries in index order: entry k is `buffer[start(k)…end(k))` (an EntryList for index-builder.ts). */
export class SortedEntries implements EntryList {
  constructor(
    readonly buffer: Uint8Array,
    private readonly starts: Int32Array,
    private readonly order: Int32Array,
  ) {}

  get length(): number {
    return this.order.length;
  }

  get ranges(): { readonly buffer: Uint8Array; readonly starts: Int32Array; readonly order: Int32Array } {
    return { buffer: this.buffer, starts: this.starts, order: this.order };
  }

  start(k: number): number {
    return this.starts[this.order[k]!]!;
  }

  size(k: number): number {
    const i = this.order[k]!;
    return this.starts[i + 1]! - this.starts[i]!;
  }

  copyTo(k: number, to: Uint8Array, at: number): void {
    const i = this.order[k]!;
    const from = this.starts[i]!;
    const size = this.starts[i + 1]! - from;
    const buf = this.buffer;
    if (size > 64) to.set(buf.subarray(from, from + size), at);
    else for (let j = 0; j < size; j++) to[at + j] = buf[from + j]!;
  }

  view(k: number): Uint8Array {
    const i = this.order[k]!;
    return this.buffer.subarray(this.starts[i]!, this.starts[i + 1]!);
  }
}

/**
 * Up to 6 bytes of `src` from `at` (`len` available) as a big-endian number, zero-padded: exact
 * in a double. `fold`: A-Z as a-z (NOCASE's order).
 */
function prefixKey(src: Uint8Array, at: number, len: number, fold: boolean): number {
  const m = len < 6 ? len : 6;
  let k = 0;
  if (fold) {
    for (let i = 0; i < m; i++) {
      const c = src[at + i]!;
      k = k * 256 + (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    }
  } else {
    for (let i = 0; i < m; i++) k = k * 256 + src[at + i]!;
  }
  return k * POW256[6 - m]!;
}

/** 256^k, k = 0…6: the zero padding of a prefix key shorter than 6 bytes. */
const POW256 = [1, 2 ** 8, 2 ** 16, 2 ** 24, 2 ** 32, 2 ** 40, 2 ** 48];

/** The marker of a field whose body is the integer in fieldInt (not bytes copied from a source). */
const INT_MARK = new Uint8Array(0);

