/**
 * Result values rendered as SQLite's reference driver (slt_sqlite.c) renders them, and the
 * driver's sorting and hashing of a result.
 *
 * Per result column type: NULL is "NULL" whatever the type; `I` is sqlite3_column_int (the value
 * converted to a 64-bit integer, then its low 32 bits, "%d"); `R` is sqlite3_column_double
 * printed "%.3f" by SQLite's own printf (at most 16 significant digits); `T` is
 * sqlite3_column_text ("(empty)" for ""), with every byte outside ' '..'~' turned into '@'.
 */
import { createHash } from 'node:crypto';
import { formatReal } from '../../src/exec/format-real.js';

/** A value as an engine returns it: bigint INTEGER, number REAL, string TEXT, bytes BLOB. */
export type EngineValue = null | bigint | number | string | Uint8Array;

const utf8 = new TextEncoder();
const latin1 = new TextDecoder('latin1');
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export function renderValue(v: EngineValue, type: string): string {
  if (v === null) return 'NULL';
  switch (type) {
    case 'I':
      return String(Number(BigInt.asIntN(32, toInt64(v))));
    case 'R':
      return formatFixed3(toDouble(v));
    default:
      return renderText(v);
  }
}

function renderText(v: Exclude<EngineValue, null>): string {
  let bytes: Uint8Array;
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') bytes = utf8.encode(formatReal(v));
  else if (typeof v === 'string') bytes = utf8.encode(v);
  else bytes = v;
  if (bytes.length === 0) return '(empty)';
  // Byte by byte, as the driver does on its char buffer: a multi-byte UTF-8 character becomes several '@'.
  return latin1.decode(bytes.map((b) => (b < 0x20 || b > 0x7e ? 0x40 : b)));
}

/** sqlite3_column_int64's conversion (memIntValue): reals truncate and saturate, text reads its integer prefix. */
function toInt64(v: Exclude<EngineValue, null>): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 0n;
    if (v <= -9223372036854775808) return I64_MIN;
    if (v >= 9223372036854775807) return I64_MAX;
    return BigInt(Math.trunc(v));
  }
  const text = typeof v === 'string' ? v : latin1.decode(v);
  const m = /^[\s]*([+-]?)0*(\d*)/.exec(text);
  const digits = m?.[2] ?? '';
  if (digits === '') return 0n;
  const n = BigInt(`${m?.[1] === '-' ? '-' : ''}${digits}`);
  return n < I64_MIN ? I64_MIN : n > I64_MAX ? I64_MAX : n;
}

/** sqlite3_column_double's conversion: text reads its longest numeric prefix (0.0 when none). */
function toDouble(v: Exclude<EngineValue, null>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const text = typeof v === 'string' ? v : latin1.decode(v);
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text);
  return m === null ? 0 : Number(m[0]);
}

/**
 * SQLite's printf "%.3f": the value rounded to 3 decimals, but never to more than 16
 * significant digits (sqlite3FpDecode's limit); digits past those print as zeros. Rounding is
 * done on the exact value; SQLite rounds an approximate expansion, so above 1e17 a value at a
 * rounding tie in its 17th digit may come out one unit apart in the 16th.
 */
export function formatFixed3(r: number): string {
  if (Number.isNaN(r)) return 'NaN';
  if (!Number.isFinite(r)) return r > 0 ? 'Inf' : '-Inf';
  if (r === 0) return '0.000';
  const abs = Math.abs(r);
  const exp10 = Math.floor(Math.log10(abs));
  if (exp10 + 1 + 3 <= 16) return r.toFixed(3);
  // More digits than 16 significant ones: round there, pad the integer part with zeros.
  const [mant = '', e = '0'] = abs.toExponential(15).split('e');
  const digits = mant.replace('.', '');
  const intLen = Number(e) + 1;
  const intPart = intLen >= digits.length ? digits + '0'.repeat(intLen - digits.length) : digits.slice(0, intLen);
  const frac = (intLen >= digits.length ? '' : digits.slice(intLen)).padEnd(3, '0').slice(0, 3);
  return `${r < 0 ? '-' : ''}${intPart}.${frac}`;
}

/** The driver's rowsort/valuesort: rows (of `width` values) ordered by strcmp of each value. */
export function sortResult(values: readonly string[], sort: string, width: number): string[] {
  if (sort === 'valuesort') return [...values].sort(compareBytes);
  if (sort !== 'rowsort') return [...values];
  const rows: string[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
  rows.sort((a, b) => {
    for (let k = 0; k < width; k++) {
      const c = compareBytes(a[k] ?? '', b[k] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  });
  return rows.flat();
}

/** strcmp on the rendered values (they are printable ASCII, so UTF-16 order is byte order). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** MD5 of the values, each followed by "\n", as lower-case hex. */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) h.update(`${v}\n`, 'latin1');
  return h.digest('hex');
}
