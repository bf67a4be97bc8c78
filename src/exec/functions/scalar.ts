/**
 * Scalar SQL functions (https://www.sqlite.org/lang_corefunc.html and lang_datefunc.html),
 * looked up by lower-case name and argument count. Each function receives evaluated
 * arguments; `coalesce`, `ifnull`, `iif`, `likely`/`unlikely`/`likelihood` are also compiled
 * lazily by the expression compiler (their later arguments are only evaluated when needed).
 */
import { SqliteError } from '../../errors.js';
import type { EvalContext } from '../expr-contract.js';
import type { Value } from '../value.js';
import { compareForSort } from '../expr/compare.js';
import { formatReal } from '../format-real.js';
import { decodeUtf8, encodeUtf8, isWellFormedText } from '../../record/text-encoding.js';
import {
  INT64_MIN,
  isTrue,
  numericAffinityText,
  textToBlob,
  toInt,
  toReal,
  valueToText,
} from '../expr/value-ops.js';
import { globMatch, likeMatch } from '../expr/like.js';
import { dateFn, datetimeFn, juliandayFn, strftimeFn, timediffFn, timeFn, unixepochFn } from './datetime.js';
import { MATH_FUNCTIONS } from './math.js';
import { GPKG_FUNCTIONS } from './gpkg.js';
import { sqlPrintf } from './printf.js';

export interface FunctionCallInfo {
  /** The collating sequence of the call (first argument with one; BINARY otherwise). */
  readonly collation: string;
  readonly ctx: EvalContext;
}

export type ScalarFunction = (args: readonly Value[], info: FunctionCallInfo) => Value;

/**
 * The connection counters behind changes(), total_changes() and last_insert_rowid(). An
 * executor that has them passes an EvalContext with a `connection` member (an additive
 * extension of the shared EvalContext; without it those functions answer 0, as a connection
 * that has changed nothing).
 */
export interface ConnectionState {
  lastInsertRowid(): bigint;
  changes(): bigint;
  totalChanges(): bigint;
}
export type EvalContextWithConnection = EvalContext & { readonly connection?: ConnectionState };

function connectionFn(name: string, read: (c: ConnectionState) => bigint): Entry {
  return {
    min: 0,
    max: 0,
    fn: (_args, info) => {
      const c = (info.ctx as EvalContextWithConnection).connection;
      // No connection state (a read-only query of the CLI): a connection that has changed
      // nothing, where SQLite answers 0 too.
      return c === undefined ? 0n : read(c);
    },
  };
}

interface Entry {
  readonly min: number;
  /** −1: any number */
  readonly max: number;
  readonly fn: ScalarFunction;
}

const MAX_BLOB = 1_000_000_000; // SQLITE_MAX_LENGTH

function text(v: Value): string {
  return valueToText(v) ?? '';
}

/** Characters of a text up to its first NUL, as SQLite's C string functions see it. */
function upToNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

function hexOf(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

function bytesOf(v: Value): Uint8Array {
  return v instanceof Uint8Array ? v : textToBlob(text(v));
}

function trimWith(which: 'l' | 'r' | 'b'): ScalarFunction {
  return (args) => {
    const x = args[0] ?? null;
    if (x === null) return null;
    let set: Set<number>;
    if (args.length > 1) {
      const y = args[1] ?? null;
      if (y === null) return null;
      set = new Set([...text(y)].map((c) => c.codePointAt(0)!));
    } else set = new Set([0x20]);
    const chars = [...text(x)];
    let start = 0;
    let end = chars.length;
    if (which !== 'r') while (start < end && set.has(chars[start]!.codePointAt(0)!)) start++;
    if (which !== 'l') while (end > start && set.has(chars[end - 1]!.codePointAt(0)!)) end--;
    return chars.slice(start, end).join('');
  };
}

function quote(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v > 0 ? '9.0e+999' : '-9.0e+999';
    return formatReal(v);
  }
  if (typeof v === 'string') return `'${upToNul(v).split("'").join("''")}'`;
  return `X'${hexOf(v)}'`;
}

function substr(args: readonly Value[]): Value {
  const x = args[0] ?? null;
  const y = args[1] ?? null;
  if (y === null || (args.length === 3 && (args[2] ?? null) === null)) return null;
  if (x === null) return null;
  let p1 = toInt(y);
  let p2: bigint;
  let negP2 = false;
  const isBlob = x instanceof Uint8Array;
  if (isBlob && x.length === 0) return null; // sqlite3_value_blob() of an empty BLOB is a NULL pointer
  const str = isBlob ? '' : upToNul(text(x));
  // Characters are code points; without surrogates they are the UTF-16 units themselves. Text
  // that was not UTF-8 is cut on its bytes, as SQLite cuts it (byteCharacters).
  const simple = !isBlob && !/[\ud800-\udfff]/.test(str);
  const raw = isBlob || simple || isWellFormedText(str) ? undefined : encodeUtf8(str);
  const chars = raw === undefined ? undefined : byteCharacters(raw, 0x80);
  const units: readonly string[] | string = isBlob || chars !== undefined ? '' : simple ? str : [...str];
  // SQLite 3.5x counts the length for a negative start with the older rule (only a byte ≥ 0xC0
  // takes continuation bytes), and then walks characters with the newer one.
  const len = BigInt(isBlob ? x.length : chars !== undefined ? byteCharacters(raw!, 0xc0).length - 1 : units.length);
  if (args.length === 3) {
    p2 = toInt(args[2] ?? null);
    if (p2 < 0n) {
      p2 = -p2;
      negP2 = true;
    }
  } else p2 = 2n ** 63n - 1n; // "the rest of the string"
  if (p1 < 0n) {
    p1 += len;
    if (p1 < 0n) {
      p2 += p1;
      if (p2 < 0n) p2 = 0n;
      p1 = 0n;
    }
  } else if (p1 > 0n) p1--;
  else if (p2 > 0n) p2--;
  if (negP2) {
    p1 -= p2;
    if (p1 < 0n) {
      p2 += p1;
      p1 = 0n;
    }
  }
  if (chars !== undefined) {
    const n = BigInt(chars.length - 1);
    return decodeUtf8(raw!.subarray(chars[Number(p1 > n ? n : p1)], chars[Number(p1 + p2 > n ? n : p1 + p2)]));
  }
  const start = p1 > len ? Number(len) : Number(p1);
  const end = p1 + p2 > len ? Number(len) : Number(p1 + p2);
  if (isBlob) return x.slice(start, end);
  if (typeof units === 'string') return units.slice(start, end);
  return units.slice(start, end).join('');
}

function round(args: readonly Value[]): Value {
  let n = 0;
  if (args.length === 2) {
    const y = args[1] ?? null;
    if (y === null) return null;
    const big = toInt(y);
    n = big > 30n ? 30 : big < 0n ? 0 : Number(big);
  }
  const x = args[0] ?? null;
  if (x === null) return null;
  let r = toReal(x);
  if (r < -4503599627370496 || r > 4503599627370496) return r;
  if (n === 0) {
    r = Number(BigInt(Math.trunc(r + (r < 0 ? -0.5 : 0.5))));
    return r;
  }
  // SQLite prints with "%!.*f" and reads the text back: round half away from zero, decimally.
  const fixed = roundDecimal(r, n);
  return Number(fixed);
}

/** |r| rounded half away from zero at `n` decimals, from the exact value of the double. */
function roundDecimal(r: number, n: number): string {
  const neg = r < 0;
  const s = Math.abs(r).toFixed(n);
  return neg ? `-${s}` : s;
}

function sign(x: Value): Value {
  if (x === null) return null;
  let n: Value = x;
  if (x instanceof Uint8Array) return null; // sqlite3_value_numeric_type() leaves a BLOB a BLOB
  if (typeof x === 'string') {
    n = numericAffinityText(x, false);
    if (typeof n === 'string') return null;
  }
  const v = n as bigint | number;
  return v > 0 ? 1n : v < 0 ? -1n : 0n;
}

/** minmaxFunc: among equal values min() returns the last one and max() the first. */
function minMax(isMax: boolean): ScalarFunction {
  return (args, info) => {
    let best: Value = null;
    for (let i = 0; i < args.length; i++) {
      const v = args[i] ?? null;
      if (v === null) return null;
      if (i === 0) best = v;
      else {
        const cmp = compareForSort(best, v, info.collation);
        if (isMax ? cmp < 0 : cmp >= 0) best = v;
      }
    }
    return best;
  };
}

function instr(args: readonly Value[]): Value {
  const h = args[0] ?? null;
  const n = args[1] ?? null;
  if (h === null || n === null) return null;
  if (h instanceof Uint8Array && n instanceof Uint8Array) {
    if (n.length === 0) return 1n;
    outer: for (let i = 0; i + n.length <= h.length; i++) {
      for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
      return BigInt(i + 1);
    }
    return 0n;
  }
  const hs = text(h);
  const ns = text(n);
  if (!isWellFormedText(hs) || !isWellFormedText(ns)) return instrBytes(encodeUtf8(hs), encodeUtf8(ns));
  const at = hs.indexOf(ns);
  if (at < 0) return 0n;
  return BigInt([...hs.slice(0, at)].length + 1);
}

/**
 * instr() on the UTF-8 bytes (instrFunc): the needle is tried at each character start, where a
 * character is a byte and the continuation bytes (0x80–0xBF) after it.
 */
function instrBytes(hay: Uint8Array, needle: Uint8Array): bigint {
  let n = 1n;
  for (let at = 0; needle.length <= hay.length - at; n++) {
    let k = 0;
    while (k < needle.length && hay[at + k] === needle[k]) k++;
    if (k === needle.length) return n;
    at++;
    while (at < hay.length && (hay[at]! & 0xc0) === 0x80) at++;
  }
  return 0n;
}

/**
 * Where SQLite's characters start in UTF-8 bytes that may not be well-formed (a byte ≥ `lead`
 * takes the continuation bytes 0x80–0xBF after it: 0x80 as SQLite 3.5x walks them and length()
 * counts them, 0xC0 as its older rule does), plus the end: n + 1 offsets.
 */
function byteCharacters(z: Uint8Array, lead: number): number[] {
  const starts: number[] = [];
  for (let i = 0; i < z.length; ) {
    starts.push(i);
    if (z[i++]! >= lead) while (i < z.length && (z[i]! & 0xc0) === 0x80) i++;
  }
  starts.push(z.length);
  return starts;
}

/** unhex(X[, Y]): hex digit pairs → bytes; characters of Y may separate pairs; anything else → NULL. */
function unhex(args: readonly Value[]): Value {
  const x = args[0] ?? null;
  if (x === null) return null;
  let ignore = new Set<string>();
  if (args.length > 1) {
    const y = args[1] ?? null;
    if (y === null) return null;
    ignore = new Set([...upToNul(text(y))]);
  }
  // Hex digits always pair up; only other characters may be skipped (when listed in Y).
  const chars = [...upToNul(text(x))];
  const out: number[] = [];
  for (let i = 0; i < chars.length; ) {
    const ch = chars[i]!;
    const hi = parseHexDigit(ch);
    if (hi < 0) {
      if (!ignore.has(ch)) return null;
      i++;
      continue;
    }
    const lo = parseHexDigit(chars[i + 1]);
    if (lo < 0) return null;
    out.push(hi * 16 + lo);
    i += 2;
  }
  return Uint8Array.from(out);
}

function parseHexDigit(c: string | undefined): number {
  if (c === undefined || c.length !== 1 || !/[0-9a-fA-F]/.test(c)) return -1;
  return Number.parseInt(c, 16);
}

function randomInt64(): bigint {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return BigInt.asIntN(64, v);
}

function datetimeEntry(f: (args: readonly Value[], now: Date) => Value, min: number): Entry {
  return { min, max: -1, fn: (args, info) => f(args, info.ctx.now) };
}

/** What sqlite_compileoption_get lists: the optional parts of SQLite this engine has. */
const COMPILE_OPTIONS: readonly string[] = ['ENABLE_RTREE'];

const FUNCTIONS: Record<string, Entry> = {
  abs: {
    min: 1,
    max: 1,
    fn: ([x = null]) => {
      if (x === null) return null;
      if (typeof x === 'bigint') {
        if (x === INT64_MIN) throw new SqliteError('SQLITE_ERROR', 'integer overflow');
        return x < 0n ? -x : x;
      }
      return Math.abs(toReal(x));
    },
  },
  char: {
    min: 0,
    max: -1,
    fn: (args) =>
      args
        .map((a) => {
          const c = toInt(a);
          return String.fromCodePoint(c < 0n || c > 0x10ffffn || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c));
        })
        .join(''),
  },
  coalesce: { min: 2, max: -1, fn: (args) => args.find((a) => a !== null) ?? null },
  ifnull: { min: 2, max: 2, fn: ([a = null, b = null]) => (a !== null ? a : b) },
  iif: { min: 2, max: 3, fn: ([c = null, a = null, b = null]) => (isTrue(c) ? a : b) },
  concat: { min: 1, max: -1, fn: (args) => args.map((a) => text(a)).join('') },
  concat_ws: {
    min: 2,
    max: -1,
    fn: ([sep = null, ...rest]) => {
      if (sep === null) return null;
      return rest.filter((a) => a !== null).map((a) => text(a)).join(text(sep));
    },
  },
  format: { min: 1, max: -1, fn: ([f = null, ...rest]) => (f === null ? null : sqlPrintf(text(f), rest)) },
  printf: { min: 1, max: -1, fn: ([f = null, ...rest]) => (f === null ? null : sqlPrintf(text(f), rest)) },
  glob: {
    min: 2,
    max: 2,
    fn: ([p = null, s = null]) => (p === null || s === null ? null : globMatch(text(p), text(s)) ? 1n : 0n),
  },
  like: {
    min: 2,
    max: 3,
    fn: (args) => {
      const [p = null, s = null] = args;
      let esc: string | undefined;
      if (args.length === 3) {
        const e = args[2] ?? null;
        if (e === null) return null;
        esc = text(e);
        if ([...esc].length !== 1) throw new SqliteError('SQLITE_ERROR', 'ESCAPE expression must be a single character');
      }
      if (p === null || s === null) return null;
      return likeMatch(text(p), text(s), esc) ? 1n : 0n;
    },
  },
  hex: { min: 1, max: 1, fn: ([x = null]) => hexOf(bytesOf(x)) },
  instr: { min: 2, max: 2, fn: instr },
  length: {
    min: 1,
    max: 1,
    fn: ([x = null]) => {
      if (x === null) return null;
      if (x instanceof Uint8Array) return BigInt(x.length);
      return BigInt(characterCount(upToNul(text(x))));
    },
  },
  octet_length: {
    min: 1,
    max: 1,
    fn: ([x = null]) => (x === null ? null : BigInt(bytesOf(x).length)),
  },
  lower: { min: 1, max: 1, fn: ([x = null]) => (x === null ? null : asciiLower(text(x))) },
  upper: { min: 1, max: 1, fn: ([x = null]) => (x === null ? null : asciiUpper(text(x))) },
  ltrim: { min: 1, max: 2, fn: trimWith('l') },
  rtrim: { min: 1, max: 2, fn: trimWith('r') },
  trim: { min: 1, max: 2, fn: trimWith('b') },
  max: { min: 2, max: -1, fn: minMax(true) },
  min: { min: 2, max: -1, fn: minMax(false) },
  nullif: {
    min: 2,
    max: 2,
    fn: ([a = null, b = null], info) => (a !== null && b !== null && compareForSort(a, b, info.collation) === 0 ? null : a),
  },
  quote: { min: 1, max: 1, fn: ([x = null]) => quote(x) },
  random: { min: 0, max: 0, fn: () => randomInt64() },
  randomblob: {
    min: 1,
    max: 1,
    fn: ([n = null]) => {
      let k = toInt(n);
      if (k < 1n) k = 1n;
      if (k > BigInt(MAX_BLOB)) throw new SqliteError('SQLITE_TOOBIG', 'string or blob too big');
      const out = new Uint8Array(Number(k));
      for (let i = 0; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(out.length, i + 65536)));
      return out;
    },
  },
  replace: {
    min: 3,
    max: 3,
    fn: ([x = null, y = null, z = null]) => {
      if (x === null || y === null) return null;
      const from = text(y);
      if (from === '' || from.charCodeAt(0) === 0) return text(x); // C: zPattern[0]==0
      if (z === null) return null;
      const [subject, to] = [text(x), text(z)];
      // SQLite replaces bytes: text that was not UTF-8 is matched on its bytes.
      if (!isWellFormedText(subject) || !isWellFormedText(from)) return decodeUtf8(replaceBytes(encodeUtf8(subject), encodeUtf8(from), encodeUtf8(to)));
      return subject.split(from).join(to);
    },
  },
  round: { min: 1, max: 2, fn: round },
  sign: { min: 1, max: 1, fn: ([x = null]) => sign(x) },
  sqlite_version: { min: 0, max: 0, fn: () => '3.45.0' },
  // The build is s3lite's, not a SQLite check-in: say so rather than borrow SQLite's id.
  sqlite_source_id: { min: 0, max: 0, fn: () => 's3lite: SQLite 3.45.0 file format and SQL, pure TypeScript' },
  sqlite_compileoption_used: {
    min: 1,
    max: 1,
    fn: ([x = null]) => {
      if (x === null) return null;
      // SQLite ignores a leading SQLITE_ and, when X has no '=', the value part of an option.
      const want = text(x).replace(/^sqlite_/i, '').toUpperCase();
      return COMPILE_OPTIONS.some((o) => o === want || (!want.includes('=') && o.split('=')[0] === want)) ? 1n : 0n;
    },
  },
  sqlite_compileoption_get: {
    min: 1,
    max: 1,
    fn: ([n = null]) => {
      const i = toInt(n);
      return i >= 0n && i < BigInt(COMPILE_OPTIONS.length) ? COMPILE_OPTIONS[Number(i)]! : null;
    },
  },
  load_extension: {
    min: 1,
    max: 2,
    fn: () => {
      // As SQLite answers while extension loading is off: there is no native code to load.
      throw new SqliteError('SQLITE_ERROR', 'not authorized');
    },
  },
  substr: { min: 2, max: 3, fn: substr },
  substring: { min: 2, max: 3, fn: substr },
  typeof: {
    min: 1,
    max: 1,
    fn: ([x = null]) =>
      x === null ? 'null' : typeof x === 'bigint' ? 'integer' : typeof x === 'number' ? 'real' : typeof x === 'string' ? 'text' : 'blob',
  },
  unhex: { min: 1, max: 2, fn: unhex },
  unicode: {
    min: 1,
    max: 1,
    fn: ([x = null]) => {
      if (x === null) return null;
      const s = text(x);
      return s.length === 0 || s.charCodeAt(0) === 0 ? null : BigInt(s.codePointAt(0)!);
    },
  },
  zeroblob: {
    min: 1,
    max: 1,
    fn: ([n = null]) => {
      const k = toInt(n);
      if (k > BigInt(MAX_BLOB)) throw new SqliteError('SQLITE_TOOBIG', 'string or blob too big');
      return new Uint8Array(k < 0n ? 0 : Number(k));
    },
  },
  changes: connectionFn('changes', (c) => c.changes()),
  total_changes: connectionFn('total_changes', (c) => c.totalChanges()),
  last_insert_rowid: connectionFn('last_insert_rowid', (c) => c.lastInsertRowid()),
  likely: { min: 1, max: 1, fn: ([x = null]) => x },
  unlikely: { min: 1, max: 1, fn: ([x = null]) => x },
  likelihood: { min: 2, max: 2, fn: ([x = null]) => x },
  date: datetimeEntry(dateFn, 0),
  time: datetimeEntry(timeFn, 0),
  datetime: datetimeEntry(datetimeFn, 0),
  julianday: datetimeEntry(juliandayFn, 0),
  unixepoch: datetimeEntry(unixepochFn, 0),
  strftime: datetimeEntry(strftimeFn, 1),
  timediff: { min: 2, max: 2, fn: (args, info) => timediffFn(args, info.ctx.now) },
};

for (const [name, [min, max, fn]] of Object.entries(MATH_FUNCTIONS)) FUNCTIONS[name] = { min, max, fn };
for (const [name, [min, max, fn]] of Object.entries(GPKG_FUNCTIONS)) FUNCTIONS[name] = { min, max, fn };

/** The scalar function `name` taking `argc` arguments, or undefined. */
export function lookupFunction(name: string, argc: number): ScalarFunction | undefined {
  const e = FUNCTIONS[name.toLowerCase()];
  if (e === undefined || !Object.hasOwn(FUNCTIONS, name.toLowerCase())) return undefined;
  if (argc < e.min || (e.max >= 0 && argc > e.max)) return undefined;
  return e.fn;
}

/** As lookupFunction, but throws SQLite's errors: no such function / wrong number of arguments. */
export function resolveFunction(name: string, argc: number, written = name): ScalarFunction {
  const key = name.toLowerCase();
  const e = Object.hasOwn(FUNCTIONS, key) ? FUNCTIONS[key] : undefined;
  if (e === undefined) throw new SqliteError('SQLITE_ERROR', `no such function: ${written}`);
  if (argc < e.min || (e.max >= 0 && argc > e.max)) {
    throw new SqliteError('SQLITE_ERROR', `wrong number of arguments to function ${written}()`);
  }
  return e.fn;
}


/**
 * length() of text as SQLite (3.5x) counts it: characters, where any byte ≥ 0x80 takes every
 * continuation byte (0x80–0xBF) after it, valid or not (SQLite 3.40 let only bytes ≥ 0xC0 take
 * them). Text that was not UTF-8 holds escaped bytes (record/text-encoding.ts), so it is
 * counted on its bytes.
 */
function characterCount(s: string): number {
  if (isWellFormedText(s)) return [...s].length;
  const z = encodeUtf8(s);
  let n = 0;
  for (let i = 0; i < z.length; ) {
    const c = z[i++]!;
    if (c >= 0x80) while (i < z.length && (z[i]! & 0xc0) === 0x80) i++;
    n++;
  }
  return n;
}

/** Every occurrence of `from` in `subject` replaced by `to`, left to right, on bytes. */
function replaceBytes(subject: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  outer: while (i < subject.length) {
    if (i + from.length <= subject.length) {
      let k = 0;
      while (k < from.length && subject[i + k] === from[k]) k++;
      if (k === from.length) {
        for (const b of to) out.push(b);
        i += from.length;
        continue outer;
      }
    }
    out.push(subject[i]!);
    i++;
  }
  return Uint8Array.from(out);
}
