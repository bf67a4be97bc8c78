/**
 * The output modes of `s3lite shell` that copy sqlite3's shell (3.40) byte for byte, so a script
 * piped into `s3lite shell FILE` prints what `sqlite3 FILE` prints. Row by row:
 *
 * - `list` (sqlite3's default): values joined by the column separator (`|`), each row ended by
 *   the row separator (`\n`); `tabs` and `ascii` (0x1F and 0x1E) are list with other separators;
 * - `csv`: RFC 4180 fields separated by `,`, rows ended by CRLF; a value is quoted when it is
 *   empty, holds the separator, or holds a byte sqlite3 quotes (control bytes and space, `"`,
 *   `'`, DEL and every byte ≥ 0x80), with `"` doubled inside;
 * - `line`: one `name = value` line per column, names right-aligned (at least 5 wide), rows of
 *   one statement parted by an empty line;
 * - `quote`: SQL literals joined by `,` (names as 'text' when headers are on);
 * - `tcl`: C-escaped strings in double quotes joined by a space;
 * - `html`: `<TR>` rows of `<TD>` cells, one per line (`<TH>` names when headers are on);
 * - `insert`: `INSERT INTO name[(columns)] VALUES(…);` (columns when headers are on);
 * - `json`: one JSON array of objects, a row per line (`[{…},` … `{…}]`).
 *
 * The table-like modes (table, box, markdown, column, qbox) are in shell-columnar.ts; how one
 * value is written in each mode is in shell-values.ts. NULL prints the `.nullvalue` text (empty
 * by default) where the mode prints text. Headers (`.headers on`) precede the first row of a
 * statement; a statement without rows prints nothing at all.
 */
import type { SqlValue, StorageClass } from '../record/value.js';
import { quoteName } from './dump.js';
import type { RowWriter } from './output.js';
import { fromLatin1, htmlText, insertLiteral, jsonLiteral, jsonString, latin1, quoteLiteral, shellText, tclText } from './shell-values.js';

export type ShellTextMode = 'list' | 'ascii' | 'csv' | 'line' | 'quote' | 'tcl' | 'html' | 'insert' | 'json';

export interface ShellFormat {
  readonly mode: ShellTextMode;
  readonly headers: boolean;
  readonly colSep: string;
  readonly rowSep: string;
  readonly nullValue: string;
  /** insert mode's table name (`.mode insert NAME`; "table" by default). */
  readonly insertTable: string;
}

/** The separators `.mode NAME` sets, as sqlite3's shell sets them (tabs: only the column's). */
export function separatorsOf(mode: string): { colSep: string; rowSep?: string } | undefined {
  switch (mode) {
    case 'csv':
      return { colSep: ',', rowSep: '\r\n' };
    case 'tabs':
      return { colSep: '\t' };
    case 'list':
      return { colSep: '|', rowSep: '\n' };
    case 'quote':
      return { colSep: ',', rowSep: '\n' };
    case 'tcl':
      return { colSep: ' ', rowSep: '\n' };
    case 'ascii':
      return { colSep: '\x1f', rowSep: '\x1e' };
    default:
      return undefined;
  }
}

const encoder = new TextEncoder();

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
  const putText = (latin1Text: string): void => put(fromLatin1(latin1Text));
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
  const joined = (cells: readonly Uint8Array[]): void => {
    cells.forEach((cell, i) => {
      put(cell);
      put(i < cells.length - 1 ? colSep : rowSep);
    });
  };
  // %*s pads by bytes, so widths count UTF-8 bytes.
  const width = Math.max(5, ...names.map((n) => n.length));
  const nullText = latin1(nullValue);
  const insertHead = `INSERT INTO ${quoteName(format.insertTable)}${format.headers ? `(${columns.map(quoteName).join(',')})` : ''} VALUES(`;
  const row = (values: readonly SqlValue[], classOf: (i: number) => StorageClass | undefined): void => {
    const first = rows === 0;
    const text = (i: number): Uint8Array | undefined => shellText(values[i]!, classOf(i));
    switch (format.mode) {
      case 'line':
        if (!first) put(rowSep);
        values.forEach((_v, i) => {
          const name = names[i] ?? new Uint8Array();
          put(encoder.encode(' '.repeat(width - name.length)));
          put(name);
          put(encoder.encode(' = '));
          put(text(i) ?? nullValue);
          put(rowSep);
        });
        break;
      case 'quote':
        if (first && format.headers) joined(columns.map((c) => fromLatin1(quoteLiteral(c, 'text'))));
        joined(values.map((v, i) => fromLatin1(quoteLiteral(v, classOf(i)))));
        break;
      case 'tcl':
        if (first && format.headers) joined(names.map((n) => fromLatin1(tclText(latin1(n)))));
        joined(values.map((_v, i) => fromLatin1(tclText(latin1(text(i) ?? nullValue)))));
        break;
      case 'html': {
        const cells = (tag: string, texts: readonly string[]): string => `<TR>${texts.map((t) => `<${tag}>${htmlText(t)}</${tag}>\n`).join('')}</TR>\n`;
        if (first && format.headers) putText(cells('TH', names.map(latin1)));
        putText(cells('TD', values.map((_v, i) => (text(i) === undefined ? nullText : latin1(text(i)!)))));
        break;
      }
      case 'insert':
        putText(`${insertHead}${values.map((v, i) => insertLiteral(v, classOf(i))).join(',')});\n`);
        break;
      case 'json':
        putText(`${first ? '[' : ',\n'}{${values.map((v, i) => `${jsonString(names[i] ?? new Uint8Array())}:${jsonLiteral(v, classOf(i))}`).join(',')}}`);
        break;
      case 'csv':
        if (first && format.headers) joined(names.map((n) => csvField(n, colSep)));
        joined(values.map((_v, i) => (text(i) === undefined ? nullValue : csvField(text(i)!, colSep))));
        break;
      default:
        if (first && format.headers) joined(names);
        joined(values.map((_v, i) => text(i) ?? nullValue));
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
    end: () => {
      if (format.mode === 'json' && rows > 0) putText(']\n');
      flush();
    },
  };
}
