/**
 * Row output for every command that prints rows: a readable table (default), CSV, or JSON Lines.
 *
 * JSON Lines: one JSON array per row, in column order, with every value exact:
 *   INTEGER → a JSON integer token with all 64 bits (bigints included, no precision lost)
 *   REAL    → a JSON number that always carries a `.` or an exponent (2.0 prints `2.0`,
 *             -0.0 prints `-0.0`, ±Infinity print `1e999` / `-1e999`)
 *   TEXT    → a JSON string; BLOB → {"blob":"<lowercase hex>"}; NULL → null
 *
 * Speed (issue 15): rows are gathered into one string and written in pieces of ~64 KiB (one
 * `write` per row cost more than making the row); `execRow` takes the engine's own values, whose
 * JavaScript type is their storage class (bigint = INTEGER, number = REAL), so the query path
 * builds no per-row arrays of public values and classes.
 */
import { createRequire } from 'node:module';
import type Table from 'cli-table3';
import { formatReal15 } from '../exec/format-real.js';
import type { SqlValue, StorageClass } from '../record/value.js';

export type OutputFormat = 'table' | 'csv' | 'json';

export interface RowWriter {
  row(values: readonly SqlValue[], classes: readonly StorageClass[]): void;
  /** A row of executor values (src/exec/value.ts): bigint is INTEGER, number is REAL. */
  execRow(values: readonly SqlValue[]): void;
  /** Prints what is still gathered; call once after the last row. */
  end(): void;
}

type Write = (text: string) => void;

/** Rows a table holds before it is printed and a new one begins (keeps memory bounded). */
const TABLE_PAGE_ROWS = 500;
/** Characters gathered before a write (JSON Lines, CSV). */
const WRITE_CHUNK = 1 << 16;

/** The storage class an executor value's JavaScript type stands for. */
function execClass(v: SqlValue): StorageClass {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'real';
  return typeof v === 'string' ? 'text' : 'blob';
}

export function createRowWriter(format: OutputFormat, columns: readonly string[], write: Write): RowWriter {
  let pending = '';
  const add = (line: string): void => {
    pending += line;
    if (pending.length >= WRITE_CHUNK) {
      write(pending);
      pending = '';
    }
  };
  const flush = (): void => {
    if (pending.length > 0) write(pending);
    pending = '';
  };
  switch (format) {
    case 'json':
      return {
        row: (values, classes) => add(`${jsonRow(values, classes)}\n`),
        execRow: (values) => {
          let line = '[';
          for (let i = 0; i < values.length; i++) {
            const v = values[i]!;
            if (i > 0) line += ',';
            line += typeof v === 'bigint' ? v.toString() : jsonValue(v, 'real');
          }
          add(`${line}]\n`);
        },
        end: flush,
      };
    case 'csv': {
      add(`${columns.map(csvField).join(',')}\r\n`);
      const csvRow = (values: readonly SqlValue[], classOf: (i: number) => StorageClass | undefined): void => {
        let line = '';
        for (let i = 0; i < values.length; i++) {
          if (i > 0) line += ',';
          line += csvField(displayValue(values[i]!, classOf(i)));
        }
        add(`${line}\r\n`);
      };
      return {
        row: (values, classes) => csvRow(values, (i) => classes[i]),
        execRow: (values) => csvRow(values, (i) => execClass(values[i]!)),
        end: flush,
      };
    }
    case 'table': {
      let table = newTable(columns);
      let rows = 0;
      const flush = (): void => {
        if (table.length > 0 || rows === 0) write(`${table.toString()}\n`);
        table = newTable(columns);
      };
      const row = (values: readonly SqlValue[], classes: readonly StorageClass[]): void => {
        table.push(values.map((v, i) => (v === null ? 'NULL' : displayValue(v, classes[i]))));
        if (++rows % TABLE_PAGE_ROWS === 0) flush();
      };
      return {
        row,
        execRow: (values) => row(values, values.map(execClass)),
        end: () => {
          if (table.length > 0 || rows === 0) flush();
        },
      };
    }
  }
}

/**
 * cli-table3, loaded when a table is first printed: JSON Lines and CSV never need it, and it
 * pulls in a handful of CommonJS packages (a good part of a short command's start-up).
 */
let tableClass: typeof Table | undefined;

function newTable(columns: readonly string[]): Table.Table {
  tableClass ??= createRequire(import.meta.url)('cli-table3') as typeof Table;
  return new tableClass({
    head: [...columns],
    style: { head: [], border: [], compact: true },
  });
}

export function jsonRow(values: readonly SqlValue[], classes: readonly StorageClass[]): string {
  let line = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += jsonValue(values[i]!, classes[i]);
  }
  return `${line}]`;
}

export function jsonValue(value: SqlValue, storageClass: StorageClass | undefined): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (storageClass === 'integer') return Number.isInteger(value) ? String(value) : jsonReal(value);
    return jsonReal(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return `{"blob":"${hex(value)}"}`;
}

export function jsonReal(v: number): string {
  if (v === Infinity) return '1e999';
  if (v === -Infinity) return '-1e999';
  if (Number.isNaN(v)) return 'null';
  if (Object.is(v, -0)) return '-0.0';
  // A finite non-integer always prints with a . or an exponent, an integer from 1e21 up with an
  // exponent: only the smaller integers need the .0 (no regular expression per value).
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? `${v}.0` : String(v);
}

/** Text as SQLite's shell shows it: reals as "%!.15g" (formatReal15), blobs in hex. */
export function displayValue(value: SqlValue, storageClass: StorageClass | undefined): string {
  if (value === null) return '';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return storageClass === 'integer' ? String(value) : displayReal(value);
  if (typeof value === 'string') return value;
  return `x'${hex(value)}'`;
}

export function displayReal(v: number): string {
  return formatReal15(v);
}

export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
