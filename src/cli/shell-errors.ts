/**
 * A statement's error as sqlite3's shell prints it on standard error:
 *
 *   Parse error near line 3: no such table: nope            (the statement could not be prepared)
 *   Runtime error near line 7: UNIQUE constraint failed: t.a (19)   (it failed while running)
 *
 * "near line N" names the first line of the input that held the statement, and is left out at
 * an interactive prompt. A result code other than SQLITE_ERROR follows the message in
 * parentheses. A syntax error also shows the statement with a marker under the token:
 *
 *   Parse error near line 5: near "SELEC": syntax error
 *     SELEC 1;
 *     ^--- error here
 *
 * s3lite's engine does not separate preparing from running, so which of the two an error is
 * is judged from its code and message, as SQLite would have raised it.
 */
import { SqliteError, SqlSyntaxError } from '../errors.js';

/** SQLITE_ERROR messages that SQLite raises while preparing a statement. */
const PREPARE_MESSAGES = [
  /^no such (table|column|function|index|view|collation sequence|module|window|trigger)\b/,
  /^ambiguous column name/,
  /^wrong number of arguments to function/,
  /^(table|index|view|trigger) \S+ already exists/,
  /^there is already (an index|a table) named/,
  /^table \S+ has \d+ columns? but \d+ values? (was|were) supplied/,
  /^\d+ values for \d+ columns/,
  /^table \S+ has no column named/,
  /^misuse of (aggregate|window) function/,
  /^(\d+(st|nd|rd|th)) ORDER BY term/,
  /^(\d+(st|nd|rd|th)) GROUP BY term/,
  /term out of range/,
  /^sub-select returns \d+ columns/,
  /^row value misused/,
  /^SELECTs to the left and right of/,
  /^RAISE\(\) may only be used within a trigger-program/,
  /^no tables specified/,
  /^duplicate column name/,
  /^object name reserved for internal use/,
  /^(a )?(GROUP BY|HAVING) clause/,
  /^aggregate functions are not allowed/,
  /^(cannot (modify|create|use|add|drop|UPDATE|INSERT|DELETE)|views may not be indexed)/,
  /may not be (modified|indexed|dropped|altered)/,
  /^(DISTINCT|FILTER|ORDER BY) (is not supported|may not be used|clause)/,
  /^unknown (database|table option)/,
  /^incomplete input/,
  /^unrecognized token/,
  /^near ".*": syntax error/,
  /^too many (terms|columns|arguments)/,
  /^default value of column/,
  /^(PRIMARY KEY|AUTOINCREMENT|UNIQUE|FOREIGN KEY)\b.*(only|missing|not allowed|mismatch)/,
  /^foreign key on \S+ should reference/,
  /^(the|an?) .* (is|are) not allowed/,
];

/** Whether SQLite would have raised `err` while preparing (a "Parse error"). */
export function isPrepareError(err: unknown): boolean {
  if (err instanceof SqlSyntaxError) return true;
  if (!(err instanceof SqliteError) || err.code !== 'SQLITE_ERROR') return false;
  return PREPARE_MESSAGES.some((re) => re.test(err.message));
}

/** SQLite's own message: a syntax error's text without s3lite's " at line L, column C". */
function messageOf(err: unknown): string {
  if (err instanceof SqlSyntaxError) return err.message.replace(/ at line \d+, column \d+$/, '');
  return err instanceof Error ? err.message : String(err);
}

/** The first line sqlite3 prints for a failed statement; `line` is left out at a prompt. */
export function errorLine(err: unknown, line: number | undefined): string {
  const kind = isPrepareError(err) ? 'Parse' : 'Runtime';
  const code = err instanceof SqliteError && err.errno > 1 ? ` (${err.errno})` : '';
  return `${kind} error${line === undefined ? '' : ` near line ${line}`}: ${messageOf(err)}${code}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The two lines under a syntax error (sqlite3's shell_error_context): the input from the
 * statement on (white space shown as spaces, at most 78 bytes, scrolled so the error is within
 * 50 bytes of the start) and a marker under the error. Empty for other errors.
 */
export function errorContext(err: unknown, rest: string): string {
  if (!(err instanceof SqlSyntaxError)) return '';
  const lead = rest.length - rest.trimStart().length;
  const sql = rest.slice(lead);
  // The statement's text was parsed on its own, so line/col count from the start of `rest`.
  let at = 0;
  for (let l = 1; l < err.line; l++) {
    const nl = rest.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  let bytes = encoder.encode(sql);
  let offset = encoder.encode(rest.slice(lead, Math.max(lead, at + err.col - 1))).length;
  while (offset > 50) {
    offset--;
    bytes = bytes.subarray(1);
    while (bytes.length > 0 && (bytes[0]! & 0xc0) === 0x80) {
      bytes = bytes.subarray(1);
      offset--;
    }
  }
  let len = Math.min(bytes.length, 78);
  while (len < bytes.length && len > 0 && (bytes[len]! & 0xc0) === 0x80) len--;
  const code = decoder.decode(bytes.subarray(0, len)).replace(/\s/g, ' ');
  return offset < 25 ? `\n  ${code}\n  ${' '.repeat(offset)}^--- error here` : `\n  ${code}\n  ${' '.repeat(offset - 14)}error here ---^`;
}

/** A dot-command's message that sqlite3 prints as it is (its usage lines), without `Error: `. */
export class ShellMessage extends Error {}

/** A dot-command failed and its messages are already out (`.read`'s statements, `.import`'s). */
export class AlreadyReported extends Error {}
