/**
 * Column affinity from a declared type (https://www.sqlite.org/datatype3.html §3.1), and the
 * declared type itself as SQLite records it from the type tokens of a column definition.
 */

export type Affinity = 'BLOB' | 'TEXT' | 'NUMERIC' | 'INTEGER' | 'REAL';

/** The six type names STRICT tables accept (sqlite3StdType), in SQLite's order. */
export const STANDARD_TYPES = ['ANY', 'BLOB', 'INT', 'INTEGER', 'REAL', 'TEXT'] as const;
export type StandardType = (typeof STANDARD_TYPES)[number];

const STANDARD_AFFINITY: Record<StandardType, Affinity> = {
  ANY: 'NUMERIC',
  BLOB: 'BLOB',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  REAL: 'REAL',
  TEXT: 'TEXT',
};

/**
 * sqlite3AffinityType: scan the (dequoted) type for the substrings of §3.1's rules, in order:
 * INT → INTEGER (and stop); CHAR/CLOB/TEXT → TEXT; BLOB → BLOB unless TEXT was seen;
 * REAL/FLOA/DOUB → REAL unless TEXT/BLOB was seen; otherwise NUMERIC. (A column with no type
 * at all has BLOB affinity — see declaredTypeOf — but a present, empty type such as `[]` is
 * NUMERIC, as is `CAST(x AS "")`.)
 */
export function affinityOfType(type: string): Affinity {
  const upper = asciiUpper(type);
  let aff: Affinity = 'NUMERIC';
  for (let i = 0; i + 3 <= upper.length; i++) {
    const four = upper.slice(i, i + 4);
    if (upper.startsWith('INT', i)) return 'INTEGER';
    if (four === 'CHAR' || four === 'CLOB' || four === 'TEXT') aff = 'TEXT';
    else if (four === 'BLOB' && (aff === 'NUMERIC' || aff === 'REAL')) aff = 'BLOB';
    else if ((four === 'REAL' || four === 'FLOA' || four === 'DOUB') && aff === 'NUMERIC') aff = 'REAL';
  }
  return aff;
}

function isQuote(ch: string | undefined): boolean {
  return ch === '"' || ch === "'" || ch === '`' || ch === '[';
}

/** sqlite3Dequote: strip one level of quoting from a string that starts with a quote. */
export function dequote(z: string): string {
  const first = z[0];
  if (!isQuote(first)) return z;
  const quote = first === '[' ? ']' : (first as string);
  let out = '';
  for (let i = 1; i < z.length; i++) {
    const ch = z[i] as string;
    if (ch === quote) {
      if (z[i + 1] === quote) {
        out += quote;
        i++;
      } else {
        break;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

/** ASCII-only upper case (SQLite never folds non-ASCII letters). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** ASCII-only lower case: the key SQLite's case-insensitive name lookups use. */
export function asciiLower(s: string): string {
  // Names are mostly lower case already: look before making a new string (this runs per statement).
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

export interface DeclaredType {
  /** What `PRAGMA table_info` shows as `type`. */
  readonly declaredType: string;
  /** Set when the type is one of the six standard names (exactly, ignoring case and quotes). */
  readonly standard?: StandardType;
  readonly affinity: Affinity;
}

/**
 * sqlite3AddColumn's treatment of the type tokens `raw` (source text, "" when absent):
 * 1. A trailing `GENERATED ALWAYS` (two fallback keywords the type name swallowed) is removed
 *    when the text is at least 16 characters and ends in "always".
 * 2. If at least 3 characters remain, a fully quoted text without inner quotes is unquoted
 *    (sqlite3DequoteToken) and compared, case-insensitively, to the standard names; a match is
 *    recorded in upper case.
 * 3. Otherwise the text is dequoted (sqlite3Dequote) and its affinity computed by the §3.1 rules.
 */
export function declaredTypeOf(raw: string): DeclaredType {
  let t = raw;
  if (t.length >= 16 && asciiUpper(t.slice(-6)) === 'ALWAYS') {
    t = t.slice(0, -6).replace(/[ \t\n\f\r\v]+$/, '');
    if (t.length >= 9 && asciiUpper(t.slice(-9)) === 'GENERATED') {
      t = t.slice(0, -9).replace(/[ \t\n\f\r\v]+$/, '');
    }
  }
  if (t.length >= 3) {
    if (isQuote(t[0]) && t.length >= 2) {
      let inner = true;
      for (let i = 1; i < t.length - 1; i++) if (isQuote(t[i])) inner = false;
      if (inner) t = t.slice(1, -1);
    }
    const upper = asciiUpper(t);
    for (const std of STANDARD_TYPES) {
      if (upper === std) return { declaredType: std, standard: std, affinity: STANDARD_AFFINITY[std] };
    }
  }
  if (t === '') return { declaredType: '', affinity: 'BLOB' };
  const declaredType = dequote(t);
  return { declaredType, affinity: affinityOfType(declaredType) };
}
