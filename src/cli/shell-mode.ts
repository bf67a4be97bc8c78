/**
 * The shell's output settings and `.mode`, as sqlite3's shell (3.40) keeps and changes them.
 *
 *   .mode [MODE] [TABLE] [--wrap N] [--wordwrap on|off] [-ww] [--quote] [--noquote]
 *
 * Every `.mode` starts the table-like options from their defaults (wrap at 60 characters, no
 * word wrap, no quoting; `qbox` is box with quoting) and then applies the options after it;
 * without MODE it prints the current mode (with those options for table, box, markdown and
 * column) and sets it again. list, csv, tabs, quote, tcl and ascii set their separators, line and
 * column the row separator; column turns the headers on unless `.headers` was ever given; insert takes the
 * table name (`table` by default). A third word is an error (`extra argument`).
 */
import { ShellMessage } from './shell-errors.js';
import { separatorsOf, type ShellTextMode } from './shell-format.js';
import { latin1, tclText } from './shell-values.js';

/** Text as the shell's output_c_string writes it (its bytes; escapes and octal: ASCII only). */
const cString = (text: string): string => tclText(latin1(new TextEncoder().encode(text)));

export type ColumnarMode = 'table' | 'box' | 'markdown' | 'column';
export type ShellMode = ColumnarMode | ShellTextMode | 'jsonl';

/** sqlite3's modes, in its error message's order (qbox is box with quoting). */
const SQLITE_MODES = ['ascii', 'box', 'column', 'csv', 'html', 'insert', 'json', 'line', 'list', 'markdown', 'qbox', 'quote', 'table', 'tabs', 'tcl'] as const;
const COLUMNAR: ReadonlySet<string> = new Set<ColumnarMode>(['table', 'box', 'markdown', 'column']);

export function isColumnar(mode: ShellMode): mode is ColumnarMode {
  return COLUMNAR.has(mode);
}

export interface ShellSettings {
  mode: ShellMode;
  headers: boolean;
  /** Whether `.headers` was ever given (then `.mode column` leaves the headers as they are). */
  headersSet: boolean;
  colSep: string;
  rowSep: string;
  nullValue: string;
  insertTable: string;
  /** Table-like modes: the widest a line of a value may be (0: no limit), word wrap, SQL quoting. */
  wrap: number;
  wordWrap: boolean;
  quote: boolean;
  /** `.width N …`: per column, 0 automatic, negative aligned right (table-like modes). */
  widths: number[];
  /** `.echo on`: each command is printed before it runs. */
  echo: boolean;
  /** `.changes on`: changes() and total_changes() after each chunk of SQL. */
  changes: boolean;
}

export function defaultSettings(mode: 'list' | 'qbox'): ShellSettings {
  const settings: ShellSettings = {
    mode: 'list',
    headers: false,
    headersSet: false,
    colSep: '|',
    rowSep: '\n',
    nullValue: '',
    insertTable: 'table',
    wrap: 60,
    wordWrap: false,
    quote: false,
    widths: [],
    echo: false,
    changes: false,
  };
  if (mode === 'qbox') Object.assign(settings, { mode: 'box', quote: true });
  return settings;
}

/** `.mode …`: changes `s`; returns the text to print (the current mode when none is named). */
export function applyMode(s: ShellSettings, args: readonly string[], onOff: (word: string | undefined) => boolean): string {
  let named: string | undefined;
  let table: string | undefined;
  const opts = { wrap: 60, wordWrap: false, quote: false };
  const option = (word: string, name: string): boolean => word === `-${name}` || word === `--${name}`;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (option(a, 'wrap') && i + 1 < args.length) opts.wrap = Math.abs(Number.parseInt(args[++i]!, 10) || 0);
    else if (option(a, 'ww')) opts.wordWrap = true;
    else if (option(a, 'wordwrap') && i + 1 < args.length) opts.wordWrap = onOff(args[++i]);
    else if (option(a, 'quote')) opts.quote = true;
    else if (option(a, 'noquote')) opts.quote = false;
    else if (named === undefined) {
      named = a;
      if (a.toLowerCase() === 'qbox') Object.assign(opts, { wrap: 60, wordWrap: false, quote: true });
    } else if (table === undefined) table = a;
    else if (a.startsWith('-')) throw new ShellMessage(`unknown option: ${a}`);
    else throw new ShellMessage(`extra argument: "${a}"`);
  }
  let said = '';
  if (named === undefined) {
    said = `current output mode: ${modeText(s)}\n`;
    named = s.mode;
  }
  const next = named.toLowerCase();
  if (!(SQLITE_MODES as readonly string[]).includes(next) && next !== 'jsonl') throw new Error(`mode should be one of: ${SQLITE_MODES.join(' ')}`);
  // qbox is box with quoting, tabs is list with a tab between values (as `.mode` then says).
  s.mode = next === 'qbox' ? 'box' : next === 'tabs' ? 'list' : (next as ShellMode);
  Object.assign(s, opts);
  s.insertTable = table ?? 'table';
  if (next === 'line' || next === 'column') s.rowSep = '\n';
  else Object.assign(s, separatorsOf(next) ?? {});
  if (next === 'column' && !s.headersSet) s.headers = true;
  return said;
}

/** The mode as `.mode` and `.show` name it (the table-like modes with their options). */
function modeText(s: ShellSettings): string {
  return `${s.mode}${isColumnar(s.mode) ? ` --wrap ${s.wrap} --wordwrap ${s.wordWrap ? 'on' : 'off'} --${s.quote ? '' : 'no'}quote` : ''}`;
}

/** `.show`: the settings, as sqlite3 3.40 lists them (text as C strings). */
export function showSettings(s: ShellSettings, output: string, filename: string): string {
  const lines: [string, string][] = [
    ['echo', s.echo ? 'on' : 'off'],
    ['eqp', 'off'],
    ['explain', 'auto'],
    ['headers', s.headers ? 'on' : 'off'],
    ['mode', modeText(s)],
    ['nullvalue', cString(s.nullValue)],
    ['output', output],
    ['colseparator', cString(s.colSep)],
    ['rowseparator', cString(s.rowSep)],
    ['stats', 'off'],
    ['width', s.widths.map((w) => `${w} `).join('')],
    ['filename', filename],
  ];
  return lines.map(([name, value]) => `${name.padStart(12)}: ${value}\n`).join('');
}
