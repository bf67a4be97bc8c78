/**
 * JSON text → JsonNode, as SQLite reads it: RFC 8259 JSON (the four whitespace characters,
 * the escapes `\" \\ \/ \b \f \n \r \t \uXXXX`, numbers
 * `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?` — a fraction or an exponent makes a real —
 * and `true`/`false`/`null` not followed by a letter or digit), and JSON5 as SQLite ≥ 3.42 reads
 * it:
 * - whitespace also \v \f U+00A0 U+FEFF U+1680 U+2000–U+200A U+2028 U+2029 U+202F U+205F
 *   U+3000, and comments (`/* … *\/`, `// …` to the end of the line);
 * - strings in single quotes, raw control characters inside strings, the escapes `\'`, `\v`,
 *   `\0` (not before a digit), `\xHH` and a backslash before a line end (which vanishes);
 * - object keys written as identifiers (ASCII letters, `$`, `_`, digits after the first, any
 *   non-ASCII character, `\uXXXX`);
 * - numbers with a `+` sign, hexadecimal (`0x1F`, up to 2^64 − 1), a leading or trailing decimal
 *   point, `Infinity`/`inf` (any case, signed) and `NaN`/`QNaN`/`SNaN` (unsigned, → null);
 * - one trailing comma in an array or object.
 * JSON5 is converted as it is read into the canonical JSON SQLite prints for it (`.5` → `0.5`,
 * `0x1F` → `31`, `Infinity` → `9e999`, `'it\'s'` → `"it's"`, `\x41` → `\u0041`, `{a:1}` →
 * `{"a":1}`), so the rest of the JSON code sees plain JSON. Anything else is SQLite's
 * "malformed JSON".
 *
 * Known differences: `-0x8000000000000000` reads as INTEGER here where SQLite makes it REAL; a
 * hexadecimal number above 2^64 − 1 is malformed here, where SQLite prints it as `9.0e999`.
 */
import { SqliteError } from '../../../errors.js';
import type { JsonArray, JsonMember, JsonNode, JsonObject, JsonString } from './json-node.js';
import { JSON_FALSE, JSON_NULL, JSON_TRUE } from './json-node.js';

/** SQLite's JSON_MAX_DEPTH: deeper nesting is malformed. */
const MAX_DEPTH = 1000;

export function malformedJson(): SqliteError {
  return new SqliteError('SQLITE_ERROR', 'malformed JSON');
}

/** Parses `text`, or throws "malformed JSON". */
export function parseJson(text: string): JsonNode {
  const node = tryParseJson(text);
  if (node === undefined) throw malformedJson();
  return node;
}

/** Parses `text`; undefined when it is not well-formed JSON (or JSON5). */
export function tryParseJson(text: string): JsonNode | undefined {
  return parseJsonText(text)?.node;
}

/** Parses `text`: its node and whether it used JSON5 (json_valid's flags tell them apart). */
export function parseJsonText(text: string): { readonly node: JsonNode; readonly json5: boolean } | undefined {
  const p = new Parser(text);
  const v = p.value(0);
  if (v === undefined) return undefined;
  if (!p.skipSpace() || p.at !== text.length) return undefined;
  return { node: v, json5: p.json5 };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** JSON5's further whitespace (SQLite's list): \v \f and the Unicode spaces it names. */
function isSpace5(c: number): boolean {
  return (
    c === 0x0b || c === 0x0c || c === 0xa0 || c === 0xfeff || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** A character that may start a JSON5 identifier key (any non-ASCII one but JSON5's spaces, as SQLite takes it). */
function isIdentStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x24 || c === 0x5f || (c >= 0x80 && !isSpace5(c));
}

/** Words SQLite reads as numbers (Infinity) or null (NaN), case-insensitively. */
const NAN_INF: readonly { readonly word: string; readonly node: 'inf' | 'nan' }[] = [
  { word: 'infinity', node: 'inf' },
  { word: 'inf', node: 'inf' },
  { word: 'qnan', node: 'nan' },
  { word: 'snan', node: 'nan' },
  { word: 'nan', node: 'nan' },
];

const MAX_U64 = 0xffffffffffffffffn;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

class Parser {
  at = 0;
  /** A JSON5 feature was met. */
  json5 = false;
  constructor(private readonly s: string) {}

  /** Skips whitespace and comments; false on a comment left open. */
  skipSpace(): boolean {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.at);
      if (isSpace(c)) this.at++;
      else if (isSpace5(c)) {
        this.json5 = true;
        this.at++;
      } else if (c === 0x2f && s.charCodeAt(this.at + 1) === 0x2a) {
        const end = s.indexOf('*/', this.at + 2);
        if (end < 0) return false;
        this.json5 = true;
        this.at = end + 2;
      } else if (c === 0x2f && s.charCodeAt(this.at + 1) === 0x2f) {
        this.json5 = true;
        this.at += 2;
        while (this.at < s.length && !isLineEnd(s.charCodeAt(this.at))) this.at++;
      } else return true;
    }
  }

  value(depth: number): JsonNode | undefined {
    if (!this.skipSpace()) return undefined;
    const s = this.s;
    const c = s.charCodeAt(this.at);
    switch (c) {
      case 0x7b: // {
        return depth >= MAX_DEPTH ? undefined : this.object(depth);
      case 0x5b: // [
        return depth >= MAX_DEPTH ? undefined : this.array(depth);
      case 0x22: // "
        return this.string(0x22);
      case 0x27: // '
        this.json5 = true;
        return this.string(0x27);
      case 0x74: // t
        return this.literal('true', JSON_TRUE);
      case 0x66: // f
        return this.literal('false', JSON_FALSE);
      default:
        if (c === 0x6e && s.startsWith('null', this.at)) return this.literal('null', JSON_NULL);
        if (c === 0x2d || c === 0x2b || c === 0x2e || isDigit(c)) return this.number();
        return this.nanInf(this.at, '');
    }
  }

  /** Infinity / NaN and their spellings at `from`, after `sign`. */
  private nanInf(from: number, sign: '' | '-' | '+'): JsonNode | undefined {
    const s = this.s;
    for (const { word, node } of NAN_INF) {
      if (s.slice(from, from + word.length).toLowerCase() !== word || isAlnum(s.charCodeAt(from + word.length))) continue;
      // A sign goes only with Infinity.
      if (node === 'nan' && sign !== '') return undefined;
      this.json5 = true;
      this.at = from + word.length;
      return node === 'nan' ? JSON_NULL : { kind: 'real', raw: sign === '-' ? '-9e999' : '9e999' };
    }
    return undefined;
  }

  private literal(word: string, node: JsonNode): JsonNode | undefined {
    if (!this.s.startsWith(word, this.at)) return undefined;
    const after = this.s.charCodeAt(this.at + word.length);
    if (isAlnum(after)) return undefined;
    this.at += word.length;
    return node;
  }

  /**
   * A number; JSON5's forms come out in the canonical text SQLite prints for them (no `+`,
   * `0` around a bare decimal point, hexadecimal in decimal).
   */
  private number(): JsonNode | undefined {
    const s = this.s;
    let i = this.at;
    let sign: '' | '-' | '+' = '';
    if (s.charCodeAt(i) === 0x2d) {
      sign = '-';
      i++;
    } else if (s.charCodeAt(i) === 0x2b) {
      sign = '+';
      this.json5 = true;
      i++;
    }
    const first = s.charCodeAt(i);
    const minus = sign === '-' ? '-' : '';
    if (first === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x78) return this.hex(i + 2, minus);
    if (!isDigit(first) && first !== 0x2e) return this.nanInf(i, sign);
    const intStart = i;
    if (first === 0x30) i++;
    else while (isDigit(s.charCodeAt(i))) i++;
    let int = s.slice(intStart, i);
    let real = false;
    let frac = '';
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      const fracStart = i;
      while (isDigit(s.charCodeAt(i))) i++;
      frac = s.slice(fracStart, i);
      if (int === '' && frac === '') return undefined;
      if (int === '' || frac === '') this.json5 = true;
      if (int === '') int = '0';
      if (frac === '') frac = '0';
      frac = `.${frac}`;
      real = true;
    } else if (int === '') return undefined;
    const expStart = i;
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const esign = s.charCodeAt(i);
      if (esign === 0x2b || esign === 0x2d) i++;
      if (!isDigit(s.charCodeAt(i))) return undefined;
      while (isDigit(s.charCodeAt(i))) i++;
      real = true;
    }
    // "01" and "-01" are not numbers (a leading zero must stand alone).
    if (isDigit(s.charCodeAt(i))) return undefined;
    this.at = i;
    return { kind: real ? 'real' : 'integer', raw: `${minus}${int}${frac}${s.slice(expStart, i)}` };
  }

  /** JSON5 hexadecimal digits from `from` (after `0x`): an integer up to 2^64 − 1. */
  private hex(from: number, sign: string): JsonNode | undefined {
    const s = this.s;
    let i = from;
    while (isHex(s.charCodeAt(i))) i++;
    if (i === from || isAlnum(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2e) return undefined;
    const value = BigInt(`0x${s.slice(from, i)}`);
    if (value > MAX_U64) return undefined;
    this.json5 = true;
    this.at = i;
    return { kind: 'integer', raw: `${sign}${value}` };
  }

  /**
   * A string in `quote` (" or '). Plain JSON keeps its text as written; a string with JSON5
   * features is rewritten into canonical JSON escapes.
   */
  private string(quote: number): JsonString | undefined {
    const s = this.s;
    const start = this.at + 1;
    let i = start;
    let rewrite = quote === 0x27;
    for (;;) {
      if (i >= s.length) return undefined;
      const c = s.charCodeAt(i);
      if (c === quote) break;
      if (c < 0x20) {
        this.json5 = true;
        rewrite = true;
        i++;
        continue;
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const d = s.charCodeAt(i + 1);
      if (d === 0x75) {
        for (let k = 2; k < 6; k++) if (!isHex(s.charCodeAt(i + k))) return undefined;
        i += 6;
      } else if (d === 0x22 || d === 0x5c || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) {
        i += 2;
      } else {
        const n = json5Escape(s, i);
        if (n === 0) return undefined;
        this.json5 = true;
        rewrite = true;
        i += n;
      }
    }
    this.at = i + 1;
    const body = s.slice(start, i);
    return { kind: 'text', raw: rewrite ? canonicalString(body) : body };
  }

  private array(depth: number): JsonArray | undefined {
    this.at++;
    const items: JsonNode[] = [];
    if (!this.skipSpace()) return undefined;
    if (this.s.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return { kind: 'array', items };
    }
    for (;;) {
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      items.push(v);
      if (!this.skipSpace()) return undefined;
      const c = this.s.charCodeAt(this.at);
      this.at++;
      if (c === 0x5d) return { kind: 'array', items };
      if (c !== 0x2c) return undefined;
      if (!this.skipSpace()) return undefined;
      if (this.s.charCodeAt(this.at) === 0x5d) {
        this.json5 = true; // one trailing comma
        this.at++;
        return { kind: 'array', items };
      }
    }
  }

  private object(depth: number): JsonObject | undefined {
    this.at++;
    const members: JsonMember[] = [];
    if (!this.skipSpace()) return undefined;
    if (this.s.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return { kind: 'object', members };
    }
    for (;;) {
      if (!this.skipSpace()) return undefined;
      const key = this.key();
      if (key === undefined) return undefined;
      if (!this.skipSpace()) return undefined;
      if (this.s.charCodeAt(this.at) !== 0x3a) return undefined;
      this.at++;
      const value = this.value(depth + 1);
      if (value === undefined) return undefined;
      members.push({ key, value });
      if (!this.skipSpace()) return undefined;
      const c = this.s.charCodeAt(this.at);
      this.at++;
      if (c === 0x7d) return { kind: 'object', members };
      if (c !== 0x2c) return undefined;
      if (!this.skipSpace()) return undefined;
      if (this.s.charCodeAt(this.at) === 0x7d) {
        this.json5 = true; // one trailing comma
        this.at++;
        return { kind: 'object', members };
      }
    }
  }

  /** An object key: a string, or (JSON5) an identifier, kept as written. */
  private key(): JsonString | undefined {
    const s = this.s;
    const c = s.charCodeAt(this.at);
    if (c === 0x22) return this.string(0x22);
    if (c === 0x27) {
      this.json5 = true;
      return this.string(0x27);
    }
    let i = this.at;
    for (;;) {
      const d = s.charCodeAt(i);
      if (isIdentStart(d) || (i > this.at && isDigit(d))) i++;
      else if (d === 0x5c && s.charCodeAt(i + 1) === 0x75 && [2, 3, 4, 5].every((k) => isHex(s.charCodeAt(i + k)))) i += 6;
      else break;
    }
    if (i === this.at) return undefined;
    const name = s.slice(this.at, i);
    // A word SQLite reads as a value first (true, NaN, Infinity …) is not a key.
    if (name === 'true' || name === 'false' || name === 'null' || NAN_INF.some((w) => w.word === name.toLowerCase())) return undefined;
    this.json5 = true;
    this.at = i;
    return { kind: 'text', raw: name };
  }
}

function isLineEnd(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
}

/**
 * The length of the JSON5-only escape at `i` (a backslash): `\'` `\v` `\0` (not before a
 * digit), `\xHH`, a backslash before a line end (CR LF counts as one); 0 when it is none.
 */
function json5Escape(s: string, i: number): number {
  const d = s.charCodeAt(i + 1);
  if (d === 0x27 || d === 0x76) return 2;
  if (d === 0x30) return isDigit(s.charCodeAt(i + 2)) ? 0 : 2;
  if (d === 0x78) return isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) ? 4 : 0;
  if (d === 0x0d) return s.charCodeAt(i + 2) === 0x0a ? 3 : 2;
  if (isLineEnd(d)) return 2;
  return 0;
}

const CONTROL_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** A JSON5 string body (either quote) in canonical JSON escapes, as SQLite prints it. */
function canonicalString(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c < 0x20) out += CONTROL_ESCAPES[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
    else if (c !== 0x5c) out += body[i];
    else {
      const d = body.charCodeAt(i + 1);
      const n = json5Escape(body, i);
      if (n === 0) {
        // A JSON escape: \uXXXX keeps its six characters, the others their two.
        const len = d === 0x75 ? 6 : 2;
        out += body.slice(i, i + len);
        i += len - 1;
        continue;
      }
      if (d === 0x27) out += "'";
      else if (d === 0x76) out += '\\u000b';
      else if (d === 0x30) out += '\\u0000';
      else if (d === 0x78) out += `\\u00${body.slice(i + 2, i + 4)}`; // the digits as written
      // a line continuation vanishes
      i += n - 1;
    }
  }
  return out;
}
