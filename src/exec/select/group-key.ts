/**
 * Hash keys for GROUP BY, DISTINCT and the compound operators: two rows get the same key exactly
 * when SQLite would treat them as the same group, i.e. column by column
 *
 *   NULL = NULL (grouping treats NULLs as equal, unlike `=`),
 *   INTEGER 1 = REAL 1.0 (numbers compare by value; -0.0 = 0),
 *   TEXT equal under the column's collation (NOCASE folds ASCII case, RTRIM drops trailing spaces),
 *   BLOB equal byte for byte; values of different classes never equal.
 */
import type { Value } from '../value.js';

const TWO_63 = 2 ** 63;

function part(v: Value, collation: string): string {
  if (v === null) return 'n';
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') {
    // An integral REAL inside the 64-bit range ([-2^63, 2^63)) equals the INTEGER of its value.
    if (Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) return `i${BigInt(v)}`;
    return `r${v}`;
  }
  if (typeof v === 'string') {
    const c = collation.toUpperCase();
    if (c === 'NOCASE') return `t${v.replace(/[A-Z]/g, (ch) => ch.toLowerCase())}`;
    if (c === 'RTRIM') return `t${v.replace(/ +$/, '')}`;
    return `t${v}`;
  }
  let hex = 'b';
  for (const b of v) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The key of `values` under per-column `collations` (missing ones are BINARY). */
export function groupKey(values: readonly Value[], collations: readonly string[]): string {
  if (values.length === 1) return part(values[0] ?? null, collations[0] ?? 'BINARY');
  return JSON.stringify(values.map((v, i) => part(v, collations[i] ?? 'BINARY')));
}
