/**
 * JSON Lines and CSV written as bytes (issue 15): the same text as `createRowWriter` in
 * output.ts (the reference; a property test holds them equal), but gathered in a ByteSink and
 * sent in large chunks, with no string per row. A table scan goes further: `recordVisitor`
 * writes each row straight from the record's bytes in the page — integers as digits, text that
 * needs no escaping copied as it is, BLOBs hexed from the page — with no value decoded at all.
 *
 * The table format stays in output.ts (cli-table3 lays out strings).
 */
import type { RecordShape, RecordVisitor } from '../api/table-rows.js';
import { decodeText, UTF8, type TextEncoding } from '../record/text-encoding.js';
import type { SqlValue, StorageClass } from '../record/value.js';
import { ByteSink, CHUNK_BYTES } from './byte-sink.js';
import { csvField, displayReal, jsonReal, type RowWriter } from './output.js';

export interface ByteRowWriter extends RowWriter {
  /** A visitor for `Database.recordBatches` that writes every record it is given as a row. */
  recordVisitor(shape: RecordShape): RecordVisitor;
}

/** How one format spells each kind of value; every method writes into the sink. */
interface Spelling {
  rowStart(): void;
  separator(): void;
  rowEnd(): void;
  null(): void;
  /** An INTEGER held as a safe integer. */
  int(v: number): void;
  /** An INTEGER outside the safe range. */
  big(v: bigint): void;
  real(v: number): void;
  /** TEXT given as UTF-8 bytes `src[start, end)`. */
  utf8(src: Uint8Array, start: number, end: number): void;
  text(s: string): void;
  blob(src: Uint8Array, start: number, end: number): void;
}

/**
 * `emit` gets each chunk; `consumed`, asked right after, says whether that chunk's bytes have
 * been written out so that its buffer may be filled again (ByteSink).
 */
export function createByteRowWriter(
  format: 'json' | 'csv',
  columns: readonly string[],
  emit: (chunk: Uint8Array) => void,
  consumed?: () => boolean,
): ByteRowWriter {
  const sink = new ByteSink(emit, CHUNK_BYTES, consumed);
  const spell = format === 'json' ? jsonSpelling(sink) : csvSpelling(sink);
  if (format === 'csv') {
    sink.utf8(columns.map(csvField).join(','));
    sink.ascii('\r\n');
  }
  /** A value with its storage class, as the public API gives it (integers may be numbers). */
  const typed = (v: SqlValue, cls: StorageClass | undefined): void => {
    if (v === null) spell.null();
    else if (typeof v === 'bigint') spell.big(v);
    else if (typeof v === 'number') {
      if (cls !== 'integer') spell.real(v);
      else if (format === 'json' ? Number.isInteger(v) : true) intOrText(spell, sink, v);
      else spell.real(v);
    } else if (typeof v === 'string') spell.text(v);
    else spell.blob(v, 0, v.length);
  };
  /** An executor value: its JavaScript type is its storage class (bigint INTEGER, number REAL). */
  const exec = (v: SqlValue): void => {
    if (v === null) spell.null();
    else if (typeof v === 'bigint') spell.big(v);
    else if (typeof v === 'number') spell.real(v);
    else if (typeof v === 'string') spell.text(v);
    else spell.blob(v, 0, v.length);
  };
  const row = (values: readonly SqlValue[], classes: readonly StorageClass[]): void => {
    spell.rowStart();
    for (let i = 0; i < values.length; i++) {
      if (i > 0) spell.separator();
      typed(values[i]!, classes[i]);
    }
    spell.rowEnd();
  };
  return {
    row,
    execRow: (values) => {
      spell.rowStart();
      for (let i = 0; i < values.length; i++) {
        if (i > 0) spell.separator();
        exec(values[i]!);
      }
      spell.rowEnd();
    },
    end: () => sink.flush(),
    recordVisitor: (shape) => recordVisitor(shape, spell, typed, row),
  };
}

/**
 * An INTEGER column's value held as a number: SQLite's shell and `String` print the same digits
 * for a safe integer; anything else (an integer-class non-integer the public API never makes)
 * prints as `String` does, as displayValue/jsonValue do.
 */
function intOrText(spell: Spelling, sink: ByteSink, v: number): void {
  if (Number.isSafeInteger(v)) spell.int(v);
  else sink.ascii(String(v));
}

function jsonSpelling(sink: ByteSink): Spelling {
  /** A JSON string: printable ASCII without `"` or `\` goes as it is, anything else through JSON.stringify. */
  const text = (s: string): void => {
    const n = s.length;
    sink.room(n + 2);
    const buf = sink.buf;
    let p = sink.pos;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === 34 || c === 92) {
        sink.utf8(JSON.stringify(s));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 34;
    sink.pos = p;
  };
  return {
    rowStart: () => byte(sink, 91), // [
    separator: () => byte(sink, 44), // ,
    rowEnd: () => {
      sink.room(2);
      sink.buf[sink.pos++] = 93; // ]
      sink.buf[sink.pos++] = 10; // \n
    },
    null: () => sink.ascii('null'),
    int: (v) => sink.int(v),
    big: (v) => sink.ascii(v.toString()),
    real: (v) => sink.ascii(jsonReal(v)),
    utf8: (src, start, end) => {
      sink.room(end - start + 2);
      const buf = sink.buf;
      let p = sink.pos;
      buf[p++] = 34;
      for (let i = start; i < end; i++) {
        const c = src[i]!;
        if (c < 0x20 || c >= 0x80 || c === 34 || c === 92) {
          text(decodeText(src, start, end, UTF8));
          return;
        }
        buf[p++] = c;
      }
      buf[p++] = 34;
      sink.pos = p;
    },
    text,
    blob: (src, start, end) => {
      sink.ascii('{"blob":"');
      sink.hex(src, start, end);
      sink.ascii('"}');
    },
  };
}

function csvSpelling(sink: ByteSink): Spelling {
  /** A CSV field: printable ASCII without `"` or `,` goes as it is, anything else through csvField. */
  const text = (s: string): void => {
    const n = s.length;
    sink.room(n);
    const buf = sink.buf;
    let p = sink.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === 34 || c === 44) {
        sink.utf8(csvField(s));
        return;
      }
      buf[p++] = c;
    }
    sink.pos = p;
  };
  return {
    rowStart: () => undefined,
    separator: () => byte(sink, 44), // ,
    rowEnd: () => {
      sink.room(2);
      sink.buf[sink.pos++] = 13; // \r
      sink.buf[sink.pos++] = 10; // \n
    },
    null: () => undefined,
    int: (v) => sink.int(v),
    big: (v) => sink.ascii(v.toString()),
    real: (v) => sink.ascii(displayReal(v)),
    utf8: (src, start, end) => {
      sink.room(end - start);
      const buf = sink.buf;
      let p = sink.pos;
      for (let i = start; i < end; i++) {
        const c = src[i]!;
        if (c < 0x20 || c >= 0x80 || c === 34 || c === 44) {
          text(decodeText(src, start, end, UTF8));
          return;
        }
        buf[p++] = c;
      }
      sink.pos = p;
    },
    text,
    blob: (src, start, end) => {
      sink.ascii("x'");
      sink.hex(src, start, end);
      sink.ascii("'");
    },
  };
}

function byte(sink: ByteSink, b: number): void {
  sink.room(1);
  sink.buf[sink.pos++] = b;
}

/** True on little-endian machines (where a float64's bytes are the reverse of SQLite's). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** The big-endian float64 at `src[at…]` (SQLite's serial type 7). */
function readFloat64(src: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f64Bytes[7 - i] = src[at + i]!;
  else for (let i = 0; i < 8; i++) f64Bytes[i] = src[at + i]!;
  return f64[0]!;
}

/**
 * Writes each record as a row, reading its fields where they lie: what `tableRows` would decode
 * (record.ts / serial-type.ts) and the writer would print, without the values in between. The
 * record was checked by `shape.layout` (every body inside the payload, no reserved type).
 */
function recordVisitor(
  shape: RecordShape,
  spell: Spelling,
  typed: (v: SqlValue, cls: StorageClass | undefined) => void,
  row: (values: readonly SqlValue[], classes: readonly StorageClass[]) => void,
): RecordVisitor {
  if (shape.computed) {
    // VIRTUAL generated columns are computed from the decoded row.
    const values: SqlValue[] = [];
    const classes: StorageClass[] = [];
    return (payload, rowid) => {
      shape.fill(payload, rowid, values, classes);
      row(values, classes);
    };
  }
  const { columnCount, storage, real, defaults, rowidAlias, types, offsets, encoding } = shape;
  return (payload, rowid) => {
    const fields = shape.layout(payload);
    spell.rowStart();
    for (let col = 0; col < columnCount; col++) {
      if (col > 0) spell.separator();
      if (col === rowidAlias && rowid !== undefined) {
        if (typeof rowid === 'number') spell.int(rowid);
        else spell.big(rowid);
        continue;
      }
      const at = storage[col]!;
      if (at < 0 || at >= fields) {
        const d = defaults[col]!;
        typed(d.value, d.storageClass);
        continue;
      }
      field(spell, payload, types[at]!, offsets[at]!, real[col] === true, encoding);
    }
    spell.rowEnd();
  };
}

/** One field of serial type `type` whose body starts at `src[at]`; `real`: the column has REAL affinity. */
function field(spell: Spelling, src: Uint8Array, type: number, at: number, real: boolean, encoding: TextEncoding): void {
  let v: number;
  switch (type) {
    case 0:
      spell.null();
      return;
    case 1:
      v = (src[at]! << 24) >> 24;
      break;
    case 2:
      v = (((src[at]! << 8) | src[at + 1]!) << 16) >> 16;
      break;
    case 3:
      v = (((src[at]! << 16) | (src[at + 1]! << 8) | src[at + 2]!) << 8) >> 8;
      break;
    case 4:
      v = (src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
      break;
    case 5: {
      const hi = (((src[at]! << 8) | src[at + 1]!) << 16) >> 16;
      v = hi * 0x1_0000_0000 + (((src[at + 2]! << 24) | (src[at + 3]! << 16) | (src[at + 4]! << 8) | src[at + 5]!) >>> 0);
      break;
    }
    case 6: {
      const hi = (src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
      const lo = ((src[at + 4]! << 24) | (src[at + 5]! << 16) | (src[at + 6]! << 8) | src[at + 7]!) >>> 0;
      // |hi| < 2^21 keeps hi·2^32 + lo exact as a number; beyond, the digits come from a bigint.
      if (hi >= -0x200000 && hi < 0x200000) {
        v = hi * 0x1_0000_0000 + lo;
        break;
      }
      const big = (BigInt(hi) << 32n) | BigInt(lo);
      if (real) spell.real(Number(big));
      else spell.big(big);
      return;
    }
    case 7: {
      const f = readFloat64(src, at);
      // A NaN reads as NULL (sqlite3VdbeSerialGet).
      if (Number.isNaN(f)) spell.null();
      else spell.real(f);
      return;
    }
    case 8:
      v = 0;
      break;
    case 9:
      v = 1;
      break;
    default: {
      const end = at + ((type - 12) >> 1);
      if ((type & 1) === 0) spell.blob(src, at, end);
      else if (encoding === UTF8) spell.utf8(src, at, end);
      else spell.text(decodeText(src, at, end, encoding));
      return;
    }
  }
  // SQLite stores integral values of REAL columns as integers and reads them back as reals.
  if (real) spell.real(v);
  else spell.int(v);
}
