/**
 * How the page shows values, and how it copies them: the same two forms the CLI prints.
 *
 * - display: as the CLI's table (SQLite's shell): reals as "%!.15g", BLOBs in hex;
 * - JSON Lines (`--json`): one array per row; INTEGER an exact integer token (64 bits), REAL a
 *   number that always carries `.` or an exponent (±Infinity as ±1e999), TEXT a string, BLOB
 *   `{"blob":"<hex>"}`, NULL `null`. test/web/inspector.test.ts compares these lines with the
 *   CLI's on the same database.
 */
import { formatReal15 } from '../../src/exec/format-real.js';
import type { SqlValue, StorageClass } from '../../src/index.js';

/** The storage class of a value as the query engine hands it (bigint INTEGER, number REAL). */
export function classOf(value: SqlValue): StorageClass {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return 'real';
  if (typeof value === 'string') return 'text';
  return 'blob';
}

export function hex(bytes: Uint8Array, max = Infinity): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

export function jsonValue(value: SqlValue, storageClass: StorageClass): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (storageClass === 'integer' && Number.isInteger(value)) return String(value);
    if (value === Infinity) return '1e999';
    if (value === -Infinity) return '-1e999';
    if (Number.isNaN(value)) return 'null';
    if (Object.is(value, -0)) return '-0.0';
    const s = String(value);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return `{"blob":"${hex(value)}"}`;
}

export function jsonRow(values: readonly SqlValue[], classes: readonly StorageClass[]): string {
  return `[${values.map((v, i) => jsonValue(v, classes[i] ?? classOf(v))).join(',')}]`;
}

/** Longest text shown in a cell; the whole value is in the cell's tooltip and in the copy. */
const CELL_CHARS = 300;
const CELL_BLOB_BYTES = 48;

/** A cell's text: the CLI's table form, cut for the screen. `full` is the uncut text. */
export function displayValue(value: SqlValue, storageClass: StorageClass): { text: string; full: string } {
  if (value === null) return { text: 'NULL', full: 'NULL' };
  if (typeof value === 'bigint') return same(value.toString());
  if (typeof value === 'number') return same(storageClass === 'integer' ? String(value) : displayReal(value));
  if (typeof value === 'string') {
    return { text: value.length > CELL_CHARS ? `${value.slice(0, CELL_CHARS)}…` : value, full: value };
  }
  const cut = value.length > CELL_BLOB_BYTES;
  return {
    text: `x'${hex(value, CELL_BLOB_BYTES)}${cut ? '…' : ''}'${cut ? ` (${value.length} bytes)` : ''}`,
    full: `x'${hex(value, 4096)}'${value.length > 4096 ? ` … (${value.length} bytes)` : ''}`,
  };
}

const same = (text: string): { text: string; full: string } => ({ text, full: text });

/** SQLite's "%!.15g", as the CLI's table shows a REAL. */
function displayReal(v: number): string {
  return formatReal15(v);
}

/**
 * The plan as the CLI's `plan` (and SQLite's shell) draws EXPLAIN QUERY PLAN: `plan()` gives
 * lines indented two spaces per level; siblings join with `|--`, the last with `` `-- ``.
 */
export function drawPlan(planLines: readonly string[]): string {
  const lines = planLines.map((l) => {
    const text = l.trimStart();
    return { depth: (l.length - text.length) / 2, text };
  });
  const out = ['QUERY PLAN'];
  const closed: boolean[] = [];
  lines.forEach((l, i) => {
    let last = true;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j]!.depth < l.depth) break;
      if (lines[j]!.depth === l.depth) {
        last = false;
        break;
      }
    }
    let prefix = '';
    for (let k = 0; k < l.depth; k++) prefix += closed[k] === true ? '   ' : '|  ';
    closed[l.depth] = last;
    out.push(`${prefix}${last ? '`--' : '|--'}${l.text}`);
  });
  return out.join('\n');
}

/** An error as the CLI prints it: `SQLITE_CODE: message`. */
export function describeError(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_')) return `${code}: ${err.message}`;
  if (err instanceof Error && err.name === 'RangeError') return `SQLITE_RANGE: ${err.message}`;
  return `SQLITE_INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
