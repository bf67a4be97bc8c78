/**
 * SQL tokenizer following SQLite's tokenize.c (sqlite3GetToken) rule for rule.
 *
 * - Whitespace is space, \t, \n, \f, \r (not \v: SQLite treats 0x0b as an illegal character).
 * - `-- …` runs to end of line; `/* … *\/` runs to `*\/` or, unterminated, to end of input.
 * - Identifier characters are ASCII letters, digits, `_`, `$` and every character >= U+0080
 *   (SQLite's IdChar() accepts every byte >= 0x80 of the UTF-8 text).
 * - Quoted tokens: '…' string, "…" identifier (SQLite may later reinterpret an unresolvable one
 *   as a string, so it keeps its own kind `identifier-quoted`), […] and `…` identifiers. The
 *   quote character doubled stands for itself (not inside […]). Unterminated → illegal token.
 * - x'…' / X'…' blob: an even number of hex digits, else illegal.
 * - Numbers (https://www.sqlite.org/lang_expr.html#literal_values_constants_): decimal integer,
 *   `1.5`, `.5`, `1.`, exponents, hex `0x1F`; since 3.46 `_` may separate two digits. A number
 *   directly followed by identifier characters (`12abc`) is an illegal token.
 * - Parameters: `?`, `?NNN`, and `:name`, `@name`, `$name`, `#name` with TCL-style `::` and a
 *   `(…)` suffix as SQLite allows.
 */
import { SqlSyntaxError } from '../errors.js';
import { isKeyword } from './keywords.js';

export type TokenKind =
  | 'keyword'
  | 'identifier'
  | 'identifier-quoted'
  | 'string'
  | 'blob'
  | 'integer'
  | 'float'
  | 'parameter'
  | 'operator'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The token exactly as written in the source. */
  readonly text: string;
  /**
   * keyword: upper-case keyword; identifiers and strings: unescaped content; blob: the hex
   * digits; numbers: the text with digit separators removed; parameter/operator: the text.
   */
  readonly value: string;
  /** Offset of the first character in the source (UTF-16 code units). */
  readonly offset: number;
  /** 1-based line and column of the first character. */
  readonly line: number;
  readonly col: number;
}

const OPERATORS3 = ['->>'];
const OPERATORS2 = ['->', '==', '<=', '<>', '<<', '>=', '>>', '!=', '||'];
const OPERATORS1 = '-()+;*/%=<>,&~|.';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
/** SQLite's IdChar(): letters, digits, `_`, `$`, and everything at or above 0x80. */
export function isIdChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    isDigit(c) ||
    c === 0x5f ||
    c === 0x24 ||
    c >= 0x80
  );
}

/** Tokenizes `sql` lazily. Comments and whitespace are skipped. Ends with one `eof` token. */
export class Tokenizer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(readonly sql: string) {}

  /** Line/column of an offset (1-based), counting \n as the line separator. */
  locate(offset: number): { line: number; col: number } {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < this.sql.length; i++) {
      if (this.sql.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, col: offset - lineStart + 1 };
  }

  private advanceTo(end: number): void {
    const sql = this.sql;
    for (let i = this.pos; i < end; i++) {
      if (sql.charCodeAt(i) === 0x0a) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.pos = end;
  }

  private illegal(start: number, end: number): never {
    const { line, col } = { line: this.line, col: start - this.lineStart + 1 };
    throw new SqlSyntaxError(`unrecognized token: "${this.sql.slice(start, end)}"`, line, col);
  }

  /** Skips whitespace and comments. */
  private skipTrivia(): void {
    const sql = this.sql;
    const n = sql.length;
    let i = this.pos;
    for (;;) {
      const c = sql.charCodeAt(i);
      if (i < n && isSpace(c)) {
        i++;
      } else if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
        i += 2;
        while (i < n && sql.charCodeAt(i) !== 0x0a) i++;
      } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
        const close = sql.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
      } else {
        break;
      }
    }
    this.advanceTo(i);
  }

  /** The next `count` tokens, without consuming them. */
  lookahead(count: number): Token[] {
    const saved = { pos: this.pos, line: this.line, lineStart: this.lineStart };
    const out: Token[] = [];
    try {
      for (let i = 0; i < count; i++) out.push(this.next());
    } catch {
      // An unrecognized token ahead: stop there; it is reported when actually reached.
    } finally {
      this.pos = saved.pos;
      this.line = saved.line;
      this.lineStart = saved.lineStart;
    }
    return out;
  }

  next(): Token {
    this.skipTrivia();
    const sql = this.sql;
    const n = sql.length;
    const start = this.pos;
    const line = this.line;
    const col = start - this.lineStart + 1;
    const make = (kind: TokenKind, end: number, value: string): Token => {
      const text = sql.slice(start, end);
      this.advanceTo(end);
      return Object.freeze({ kind, text, value, offset: start, line, col });
    };
    if (start >= n) return Object.freeze({ kind: 'eof', text: '', value: '', offset: n, line, col });

    const c = sql.charCodeAt(start);
    const ch = sql[start] as string;

    // Quoted strings and identifiers.
    if (ch === "'" || ch === '"' || ch === '`') {
      let i = start + 1;
      let value = '';
      for (;;) {
        if (i >= n) this.illegal(start, n);
        const q = sql.indexOf(ch, i);
        if (q < 0) this.illegal(start, n);
        value += sql.slice(i, q);
        if (sql[q + 1] === ch) {
          value += ch;
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const kind: TokenKind = ch === "'" ? 'string' : ch === '"' ? 'identifier-quoted' : 'identifier';
      return make(kind, i, value);
    }
    if (ch === '[') {
      const q = sql.indexOf(']', start + 1);
      if (q < 0) this.illegal(start, n);
      return make('identifier', q + 1, sql.slice(start + 1, q));
    }

    // Blob literal x'…'.
    if ((ch === 'x' || ch === 'X') && sql[start + 1] === "'") {
      let i = start + 2;
      while (i < n && isHexDigit(sql.charCodeAt(i))) i++;
      if (sql[i] !== "'" || (i - start) % 2 !== 0) {
        while (i < n && sql[i] !== "'") i++;
        this.illegal(start, i < n ? i + 1 : n);
      }
      return make('blob', i + 1, sql.slice(start + 2, i));
    }

    // Numbers.
    if (isDigit(c) || (ch === '.' && isDigit(sql.charCodeAt(start + 1)))) {
      return this.number(start, make);
    }

    // Identifiers and keywords.
    if (isIdChar(c) && !isDigit(c) && ch !== '$') {
      let i = start + 1;
      while (i < n && isIdChar(sql.charCodeAt(i))) i++;
      const text = sql.slice(start, i);
      const upper = text.toUpperCase();
      if (isKeyword(upper)) return make('keyword', i, upper);
      return make('identifier', i, text);
    }

    // Parameters.
    if (ch === '?') {
      let i = start + 1;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      return make('parameter', i, sql.slice(start, i));
    }
    if (ch === ':' || ch === '@' || ch === '$' || ch === '#') {
      let i = start + 1;
      let named = 0;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (isIdChar(d)) {
          named++;
          i++;
        } else if (d === 0x28 /* ( */ && named > 0) {
          i++;
          while (i < n && !isSpace(sql.charCodeAt(i)) && sql[i] !== ')') i++;
          if (sql[i] !== ')') this.illegal(start, i);
          i++;
          break;
        } else if (d === 0x3a && sql.charCodeAt(i + 1) === 0x3a) {
          i += 2;
        } else {
          break;
        }
      }
      if (named === 0) this.illegal(start, Math.max(i, start + 1));
      return make('parameter', i, sql.slice(start, i));
    }

    // Operators, longest first.
    for (const op of OPERATORS3) if (sql.startsWith(op, start)) return make('operator', start + op.length, op);
    for (const op of OPERATORS2) if (sql.startsWith(op, start)) return make('operator', start + op.length, op);
    if (OPERATORS1.includes(ch)) return make('operator', start + 1, ch);

    // Anything else (`!` alone, `^`, control characters, …) is an illegal token.
    this.illegal(start, start + 1);
  }

  private number(start: number, make: (kind: TokenKind, end: number, value: string) => Token): Token {
    const sql = this.sql;
    const n = sql.length;
    let i = start;
    let kind: TokenKind = 'integer';
    let separators = false;
    // Reads digits (hex digits when `hex`) with `_` separators; returns false on a misplaced `_`.
    const digits = (hex: boolean): boolean => {
      const ok = hex ? isHexDigit : isDigit;
      let good = true;
      for (;;) {
        const d = sql.charCodeAt(i);
        if (i < n && ok(d)) {
          i++;
        } else if (d === 0x5f /* _ */) {
          separators = true;
          if (!ok(sql.charCodeAt(i - 1)) || !ok(sql.charCodeAt(i + 1))) good = false;
          i++;
        } else {
          return good;
        }
      }
    };
    let good = true;
    if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X') && isHexDigit(sql.charCodeAt(i + 2))) {
      i += 2;
      good = digits(true);
    } else {
      good = digits(false);
      if (sql[i] === '.') {
        kind = 'float';
        i++;
        const before = i;
        good = digits(false) && good;
        // A separator directly after the point is not between two digits.
        if (separators && sql[before] === '_') good = false;
      }
      const e = sql[i];
      if (
        (e === 'e' || e === 'E') &&
        (isDigit(sql.charCodeAt(i + 1)) ||
          ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql.charCodeAt(i + 2))))
      ) {
        kind = 'float';
        i += 2;
        good = digits(false) && good;
      }
    }
    let illegal = !good;
    while (i < n && isIdChar(sql.charCodeAt(i))) {
      illegal = true;
      i++;
    }
    if (illegal) this.illegal(start, i);
    const text = sql.slice(start, i);
    return make(kind, i, separators ? text.replaceAll('_', '') : text);
  }
}

/** Tokenizes all of `sql` (without the final `eof` token). */
export function tokenize(sql: string): Token[] {
  const t = new Tokenizer(sql);
  const out: Token[] = [];
  for (;;) {
    const tok = t.next();
    if (tok.kind === 'eof') return out;
    out.push(tok);
  }
}
