/**
 * Column affinity applied to a value before it is stored (https://www.sqlite.org/datatype3.html §3):
 *
 *   TEXT     numbers become text (reals rendered as SQLite renders them)
 *   NUMERIC  text that looks like a number becomes INTEGER (when it is one) or REAL;
 *            a REAL that is an exact integer becomes INTEGER
 *   INTEGER  as NUMERIC
 *   REAL     as NUMERIC, then integers become REAL
 *   BLOB     nothing changes
 */
import type { Affinity } from '../schema/affinity.js';
import type { SqlValue, StorageClass } from '../record/value.js';
import { formatReal } from './format-real.js';

export interface TypedValue {
  readonly value: SqlValue;
  readonly storageClass: StorageClass;
}

const MAX_EXACT = 2 ** 63;

export function applyAffinity(value: SqlValue, storageClass: StorageClass, affinity: Affinity): TypedValue {
  switch (affinity) {
    case 'BLOB':
      return { value, storageClass };
    case 'TEXT':
      if (storageClass === 'integer') return { value: String(value), storageClass: 'text' };
      if (storageClass === 'real') return { value: formatReal(value as number), storageClass: 'text' };
      return { value, storageClass };
    case 'NUMERIC':
    case 'INTEGER':
    case 'REAL': {
      let out: TypedValue = { value, storageClass };
      if (storageClass === 'text') {
        const parsed = parseNumericText(value as string);
        if (parsed !== undefined) out = parsed;
      }
      if (out.storageClass === 'real' && affinity !== 'REAL') {
        const v = out.value as number;
        if (Number.isInteger(v) && Math.abs(v) < MAX_EXACT && !Object.is(v, -0)) {
          return { value: Number.isSafeInteger(v) ? v : BigInt(v), storageClass: 'integer' };
        }
      }
      if (out.storageClass === 'integer' && affinity === 'REAL') {
        return { value: Number(out.value as number | bigint), storageClass: 'real' };
      }
      return out;
    }
  }
}

const INTEGER_TEXT = /^[ \t\n\f\r]*[+-]?[0-9]+[ \t\n\f\r]*$/;
const REAL_TEXT = /^[ \t\n\f\r]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\f\r]*$/;

/** The number a text spells exactly as SQLite would accept it for NUMERIC affinity, if any. */
export function parseNumericText(text: string): TypedValue | undefined {
  if (INTEGER_TEXT.test(text)) {
    const big = BigInt(text.trim());
    if (big >= -(2n ** 63n) && big < 2n ** 63n) {
      const n = Number(big);
      return { value: Number.isSafeInteger(n) ? n : big, storageClass: 'integer' };
    }
    return { value: Number(text.trim()), storageClass: 'real' };
  }
  if (REAL_TEXT.test(text)) return { value: Number(text.trim()), storageClass: 'real' };
  return undefined;
}
