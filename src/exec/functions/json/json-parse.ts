/**
 * JSON text → JsonNode, accepting exactly RFC 8259 JSON as SQLite does: the four whitespace
 * characters (space, tab, LF, CR), no control characters inside strings, the escapes
 * `\" \\ \/ \b \f \n \r \t \uXXXX`, numbers `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`
 * (a number with a fraction or an exponent is a real), and `true`/`false`/`null` not followed
 * by a letter or digit. Anything else is SQLite's "malformed JSON".
 *
 * Known difference: SQLite ≥ 3.42 also reads JSON5 (comments, single quotes, unquoted keys,
 * hexadecimal, trailing commas, …) and converts it; that is "malformed JSON" here.
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

/** Parses `text`; undefined when it is not well-formed JSON. */
export function tryParseJson(text: string): JsonNode | undefined {
  const p = new Parser(text);
  const v = p.value(0);
  if (v === undefined) return undefined;
  p.skipSpace();
  return p.at === text.length ? v : undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

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
  constructor(private readonly s: string) {}

  skipSpace(): void {
    while (this.at < this.s.length && isSpace(this.s.charCodeAt(this.at))) this.at++;
  }

  value(depth: number): JsonNode | undefined {
    this.skipSpace();
    const s = this.s;
    const c = s.charCodeAt(this.at);
    switch (c) {
      case 0x7b: // {
        return depth >= MAX_DEPTH ? undefined : this.object(depth);
      case 0x5b: // [
        return depth >= MAX_DEPTH ? undefined : this.array(depth);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', JSON_TRUE);
      case 0x66: // f
        return this.literal('false', JSON_FALSE);
      case 0x6e: // n
        return this.literal('null', JSON_NULL);
      default:
        if (c === 0x2d || isDigit(c)) return this.number();
        return undefined;
    }
  }

  private literal(word: string, node: JsonNode): JsonNode | undefined {
    if (!this.s.startsWith(word, this.at)) return undefined;
    const after = this.s.charCodeAt(this.at + word.length);
    if (isAlnum(after)) return undefined;
    this.at += word.length;
    return node;
  }

  private number(): JsonNode | undefined {
    const s = this.s;
    const start = this.at;
    let i = start;
    if (s.charCodeAt(i) === 0x2d) i++;
    if (s.charCodeAt(i) === 0x30) i++;
    else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i++;
    else return undefined;
    let real = false;
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(s.charCodeAt(i))) return undefined;
      while (isDigit(s.charCodeAt(i))) i++;
      real = true;
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(s.charCodeAt(i))) return undefined;
      while (isDigit(s.charCodeAt(i))) i++;
      real = true;
    }
    // "01" and "-01" are not numbers (a leading zero must stand alone).
    if (isDigit(s.charCodeAt(i))) return undefined;
    this.at = i;
    return { kind: real ? 'real' : 'integer', raw: s.slice(start, i) };
  }

  private string(): JsonString | undefined {
    const s = this.s;
    let i = this.at + 1;
    for (;;) {
      if (i >= s.length) return undefined;
      const c = s.charCodeAt(i);
      if (c < 0x20) return undefined;
      if (c === 0x22) break;
      if (c === 0x5c) {
        const d = s.charCodeAt(i + 1);
        if (d === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(s.charCodeAt(i + k))) return undefined;
          i += 6;
          continue;
        }
        if (d !== 0x22 && d !== 0x5c && d !== 0x2f && d !== 0x62 && d !== 0x66 && d !== 0x6e && d !== 0x72 && d !== 0x74) return undefined;
        i += 2;
        continue;
      }
      i++;
    }
    const raw = s.slice(this.at + 1, i);
    this.at = i + 1;
    return { kind: 'text', raw };
  }

  private array(depth: number): JsonArray | undefined {
    this.at++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.s.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return { kind: 'array', items };
    }
    for (;;) {
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      items.push(v);
      this.skipSpace();
      const c = this.s.charCodeAt(this.at);
      this.at++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return { kind: 'array', items };
      return undefined;
    }
  }

  private object(depth: number): JsonObject | undefined {
    this.at++;
    const members: JsonMember[] = [];
    this.skipSpace();
    if (this.s.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return { kind: 'object', members };
    }
    for (;;) {
      this.skipSpace();
      if (this.s.charCodeAt(this.at) !== 0x22) return undefined;
      const key = this.string();
      if (key === undefined) return undefined;
      this.skipSpace();
      if (this.s.charCodeAt(this.at) !== 0x3a) return undefined;
      this.at++;
      const value = this.value(depth + 1);
      if (value === undefined) return undefined;
      members.push({ key, value });
      this.skipSpace();
      const c = this.s.charCodeAt(this.at);
      this.at++;
      if (c === 0x2c) continue;
      if (c === 0x7d) return { kind: 'object', members };
      return undefined;
    }
  }
}
