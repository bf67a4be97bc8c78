/**
 * The shell's columnar output modes, as sqlite3's shell (3.40) draws them:
 *
 *   table     +-----+-------+      box    ┌─────┬───────┐    markdown  |  a  |   b   |
 *             |  a  |   b   |             │  a  │   b   │              |-----|-------|
 *             +-----+-------+             ├─────┼───────┤              | 1   | x     |
 *             | 1   | x     |             │ 1   │ x     │
 *             +-----+-------+             └─────┴───────┘
 *
 *   column    a    b             --quote (qbox is box with it): values as SQL literals ('x',
 *             ---  -----          NULL, x'41'), NULL shown as NULL whatever .nullvalue says
 *             1    x
 *
 * Names are centred in their column (the extra space on the right), values left-aligned; a
 * column is as wide as its widest line, counted in characters (a UTF-8 lead byte counts one,
 * whatever it is). A value is cut into lines (displayLines) at every control character (CR LF
 * counts once; a trailing line break adds no line) and where it reaches the wrap width (60 by
 * default; with word wrap, back at a space or a word's edge when one is in the second half of
 * the line); a tab moves to the next multiple of 8. When any value of the result spans lines, a
 * separator is drawn between rows (table, box) or an empty line printed (column). Only the first
 * line of a name shows. table, box and markdown always show the names; column shows them when
 * headers are on. A result without rows prints nothing.
 *
 * sqlite3 holds the whole result to size the columns; here at most ROWS_PER_TABLE rows are held
 * and a longer result is drawn as several tables (bounded memory).
 */
import type { SqlValue, StorageClass } from '../record/value.js';
import type { RowWriter } from './output.js';
import type { ColumnarMode } from './shell-mode.js';
import { shellText, sqlQuoted15 } from './shell-values.js';

export const ROWS_PER_TABLE = 10_000;

interface Line {
  readonly bytes: Uint8Array;
  readonly width: number;
}

const encoder = new TextEncoder();

const isSpace = (b: number | undefined): boolean => b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d);
const isAlnum = (b: number | undefined): boolean =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));

/**
 * A value's display lines, as the shell's translateForDisplayAndDup cuts them: at most `wrap`
 * characters each (0: no limit), at control characters, tabs expanded to spaces.
 */
export function displayLines(text: Uint8Array, wrap = 0, wordWrap = false): Line[] {
  const max = wrap <= 0 ? 1_000_000 : wrap;
  const lines: Line[] = [];
  let i = 0;
  do {
    const start = i;
    let n = 0;
    while (n < max && i < text.length) {
      const b = text[i]!;
      if (b >= 0x20) {
        n++;
        i++;
        while (i < text.length && (text[i]! & 0xc0) === 0x80) i++;
      } else if (b === 0x09) {
        do n++;
        while ((n & 7) !== 0 && n < max);
        i++;
      } else break;
    }
    let end = i;
    if (n >= max && wordWrap) {
      // Back up to a space, else to an edge between a word and the rest, in the line's second half.
      const half = start + ((i - start) >> 1);
      let k = i;
      while (k > half && !isSpace(text[k - 1])) k--;
      if (k <= half) {
        k = i;
        while (k > half && !(isAlnum(text[k - 1]) !== isAlnum(text[k]) && ((text[k] ?? 0) & 0xc0) !== 0x80)) k--;
      }
      if (k > half) {
        i = k;
        while (text[i] === 0x20) i++;
        end = k;
      }
    }
    lines.push(render(text, start, end, max));
    if (i >= text.length) break;
    // The control character that ended the line goes (CR LF together).
    if (text[i]! < 0x20) i += text[i] === 0x0d && text[i + 1] === 0x0a ? 2 : 1;
  } while (i < text.length);
  return lines;
}

/**
 * Bytes [start, end) of a value as one display line, tabs expanded. Its width counts the bytes
 * that are not UTF-8 continuation bytes (the shell's strlenChar): a line that starts with
 * continuation bytes is narrower than the wrap loop counted it.
 */
function render(text: Uint8Array, start: number, end: number, max: number): Line {
  const out: number[] = [];
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = text[i]!;
    if (b === 0x09) {
      do {
        out.push(0x20);
        n++;
      } while ((n & 7) !== 0 && n < max);
    } else if (b >= 0x20) {
      if ((b & 0xc0) !== 0x80) n++;
      out.push(b);
    }
  }
  return { bytes: Uint8Array.from(out), width: n };
}

export interface ColumnarFormat {
  readonly mode: ColumnarMode;
  readonly headers: boolean;
  readonly nullValue: string;
  readonly wrap: number;
  readonly wordWrap: boolean;
  readonly quote: boolean;
  /**
   * `.width`: per column, 0 for automatic, else the column's width and where its values wrap;
   * negative: values (and column mode's name) aligned right.
   */
  readonly widths: readonly number[];
}

/** Box-drawing pieces: left, middle, right junction and the horizontal line. */
const BOX = { top: ['┌', '┬', '┐'], mid: ['├', '┼', '┤'], bottom: ['└', '┴', '┘'], h: '─', v: '│' } as const;

export function createColumnarWriter(format: ColumnarFormat, columns: readonly string[], write: (bytes: Uint8Array) => void): RowWriter {
  const nullText = encoder.encode(format.nullValue);
  const wrapOf = (c: number): number => Math.abs(format.widths[c] ?? 0) || format.wrap;
  const names = columns.map((c, i) => displayLines(encoder.encode(c), wrapOf(i), format.wordWrap)[0]!);
  let rows: Line[][][] = [];
  const cellText = (value: SqlValue, storageClass: StorageClass | undefined): Uint8Array =>
    format.quote ? sqlQuoted15(value, storageClass) : (shellText(value, storageClass) ?? nullText);
  const add = (values: readonly SqlValue[], classOf: (i: number) => StorageClass | undefined): void => {
    rows.push(values.map((v, i) => displayLines(cellText(v, classOf(i)), wrapOf(i), format.wordWrap)));
    if (rows.length >= ROWS_PER_TABLE) flush();
  };
  const flush = (): void => {
    if (rows.length === 0) return;
    // draw() works in latin1 text, one character per byte, so values keep their own bytes.
    write(Buffer.from(draw(format, names, rows), 'latin1'));
    rows = [];
  };
  return {
    row: (values, classes) => add(values, (i) => classes[i]),
    execRow: (values) =>
      add(values, (i) => {
        const v = values[i];
        return typeof v === 'bigint' ? 'integer' : typeof v === 'number' ? 'real' : undefined;
      }),
    end: flush,
  };
}

/** One table as latin1 text (a character per byte): names, rows (cells of display lines). */
function draw(format: ColumnarFormat, names: readonly Line[], rows: readonly (readonly Line[][])[]): string {
  const text = (l: Line): string => Buffer.from(l.bytes).toString('latin1');
  const widths = names.map((n, c) => Math.max(Math.abs(format.widths[c] ?? 0), n.width, ...rows.map((r) => Math.max(...r[c]!.map((l) => l.width)))));
  const right = (c: number): boolean => (format.widths[c] ?? 0) < 0;
  const multiLine = rows.some((r) => r.some((cell) => cell.length > 1));
  const pad = (n: number): string => ' '.repeat(Math.max(0, n));
  const left = (l: Line, w: number): string => text(l) + pad(w - l.width);
  /** A value in column c: left-aligned, or right-aligned for a negative `.width`. */
  const aligned = (l: Line, c: number): string => (right(c) ? pad(widths[c]! - l.width) + text(l) : left(l, widths[c]!));
  const centred = (l: Line, w: number): string => pad(Math.floor((w - l.width) / 2)) + text(l) + pad(Math.floor((w - l.width + 1) / 2));
  const { mode } = format;
  const box = mode === 'box';
  // Box characters go in as their UTF-8 bytes, one latin1 character each.
  const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
  const rule = (kind: 'top' | 'mid' | 'bottom'): string => {
    if (!box) return `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
    const [l, m, r] = BOX[kind];
    return utf8(`${l}${widths.map((w) => BOX.h.repeat(w + 2)).join(m)}${r}`) + '\n';
  };
  const bar = box ? utf8(BOX.v) : '|';
  const physical = (r: readonly Line[][]): number => Math.max(...r.map((cell) => cell.length));
  const empty: Line = { bytes: new Uint8Array(), width: 0 };
  let out = '';
  if (mode === 'column') {
    if (format.headers) {
      out += `${names.map((n, c) => aligned(n, c)).join('  ')}\n`;
      out += `${widths.map((w) => '-'.repeat(w)).join('  ')}\n`;
    }
    rows.forEach((r, i) => {
      if (i > 0 && multiLine) out += '\n';
      for (let k = 0; k < physical(r); k++) out += `${r.map((cell, c) => aligned(cell[k] ?? empty, c)).join('  ')}\n`;
    });
    return out;
  }
  if (mode !== 'markdown') out += rule('top');
  out += `${bar} ${names.map((n, c) => centred(n, widths[c]!)).join(` ${bar} `)} ${bar}\n`;
  out += mode === 'markdown' ? `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n` : rule('mid');
  rows.forEach((r, i) => {
    if (i > 0 && multiLine && mode !== 'markdown') out += rule('mid');
    for (let k = 0; k < physical(r); k++) out += `${bar} ${r.map((cell, c) => aligned(cell[k] ?? empty, c)).join(` ${bar} `)} ${bar}\n`;
  });
  if (mode !== 'markdown') out += rule('bottom');
  return out;
}
