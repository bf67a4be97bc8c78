/**
 * The output modes of `s3lite shell` that copy sqlite3's shell byte for byte, so a script piped
 * into `s3lite shell FILE` prints what `sqlite3 FILE` prints:
 *
 * - `list` (sqlite3's default): values joined by the column separator (`|`), each row ended by
 *   the row separator (`\n`);
 * - `tabs`: list with a tab between values;
 * - `csv`: RFC 4180 fields separated by `,`, rows ended by CRLF; a value is quoted when it is
 *   empty, holds the separator, or holds a byte sqlite3 quotes (control bytes and space, `"`,
 *   `'`, DEL and every byte ≥ 0x80), with `"` doubled inside;
 * - `line`: one `name = value` line per column, names right-aligned (at least 5 wide), rows of
 *   one statement parted by an empty line.
 *
 * A value is shown as sqlite3_column_text() gives it to the shell: INTEGER in decimal, REAL as
 * "%!.15g" (the 3.40 shell's text), TEXT as its stored bytes and a BLOB as its raw bytes, each cut at its
 * first NUL byte (the shell prints a C string); NULL prints the `.nullvalue` text (empty by
 * default). Headers (`.headers on`) precede the first row of a statement; a statement without
 * rows prints nothing at all.
 */
import { formatReal15 } from '../exec/format-real.js';
import { encodeUtf8 } from '../record/text-encoding.js';
import type { SqlValue, StorageClass } from '../record/value.js';
import type { RowWriter } from './output.js';

export type ShellTextMode = 'list' | 'tabs' | 'csv' | 'line';

export interface ShellFormat {
  readonly mode: ShellTextMode;
  readonly headers: boolean;
  readonly colSep: string;
  readonly rowSep: string;
  readonly nullValue: string;
}

/** The separators `.mode NAME` sets, as sqlite3's shell sets them (line mode: only the row's). */
export function separatorsOf(mode: Exclude<ShellTextMode, 'line'>): { colSep: string; rowSep: string } {
  if (mode === 'csv') return { colSep: ',', rowSep: '\r\n' };
  if (mode === 'tabs') return { colSep: '\t', rowSep: '\n' };
  return { colSep: '|', rowSep: '\n' };
}

const encoder = new TextEncoder();

/** The bytes sqlite3 shows for one value, or undefined for NULL. */
function textOf(value: SqlValue, storageClass: StorageClass | undefined): Uint8Array | undefined {
  if (value === null) return undefined;
  let bytes: Uint8Array;
  if (typeof value === 'bigint') bytes = encoder.encode(value.toString());
  else if (typeof value === 'number') bytes = encoder.encode(storageClass === 'integer' && Number.isInteger(value) ? String(value) : formatReal15(value));
  else if (typeof value === 'string') bytes = encodeUtf8(value); // text that was not UTF-8: its own bytes
  else bytes = value;
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** Whether sqlite3's CSV output quotes a field holding this byte. */
function csvQuotes(byte: number): boolean {
  return byte <= 0x20 || byte === 0x22 || byte === 0x27 || byte >= 0x7f;
}

function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const QUOTE = 0x22;

/** One CSV field as sqlite3's output_csv() writes it. */
function csvField(text: Uint8Array, colSep: Uint8Array): Uint8Array {
  if (text.length > 0 && !text.some(csvQuotes) && !includes(text, colSep)) return text;
  const out: number[] = [QUOTE];
  for (const b of text) {
    out.push(b);
    if (b === QUOTE) out.push(QUOTE);
  }
  out.push(QUOTE);
  return Uint8Array.from(out);
}

/** A row writer for one statement's rows in a sqlite3 text mode; `write` gets the bytes. */
export function createShellWriter(format: ShellFormat, columns: readonly string[], write: (bytes: Uint8Array) => void): RowWriter {
  const colSep = encoder.encode(format.colSep);
  const rowSep = encoder.encode(format.rowSep);
  const nullValue = encoder.encode(format.nullValue);
  const names = columns.map((c) => encoder.encode(c));
  const parts: Uint8Array[] = [];
  let size = 0;
  let rows = 0;
  const put = (bytes: Uint8Array): void => {
    parts.push(bytes);
    size += bytes.length;
  };
  const flush = (): void => {
    if (size === 0) return;
    const all = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    parts.length = 0;
    size = 0;
    write(all);
  };
  const field = (text: Uint8Array | undefined): Uint8Array => {
    if (format.mode !== 'csv') return text ?? nullValue;
    return text === undefined ? nullValue : csvField(text, colSep);
  };
  const joined = (cells: readonly Uint8Array[]): void => {
    cells.forEach((cell, i) => {
      put(cell);
      put(i < cells.length - 1 ? colSep : rowSep);
    });
  };
  // %*s pads by bytes, so widths count UTF-8 bytes.
  const width = Math.max(5, ...names.map((n) => n.length));
  const row = (values: readonly SqlValue[], classOf: (i: number) => StorageClass | undefined): void => {
    const texts = values.map((v, i) => textOf(v, classOf(i)));
    if (format.mode === 'line') {
      if (rows > 0) put(rowSep);
      texts.forEach((t, i) => {
        const name = names[i] ?? new Uint8Array();
        put(encoder.encode(' '.repeat(width - name.length)));
        put(name);
        put(encoder.encode(' = '));
        put(t ?? nullValue);
        put(rowSep);
      });
    } else {
      if (rows === 0 && format.headers) joined(names.map((n) => (format.mode === 'csv' ? csvField(n, colSep) : n)));
      joined(texts.map(field));
    }
    rows++;
    if (size >= 1 << 16) flush();
  };
  return {
    row: (values, classes) => row(values, (i) => classes[i]),
    execRow: (values) =>
      row(values, (i) => {
        const v = values[i];
        return typeof v === 'bigint' ? 'integer' : typeof v === 'number' ? 'real' : undefined;
      }),
    end: flush,
  };
}
