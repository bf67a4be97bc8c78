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
import { applyAffinityValue } from './expr/value-ops.js';
import { fromStored, storageClassOf, toPublic } from './value.js';

export interface TypedValue {
  readonly value: SqlValue;
  readonly storageClass: StorageClass;
}

export function applyAffinity(value: SqlValue, storageClass: StorageClass, affinity: Affinity): TypedValue {
  // One implementation of the rules: the executor's (src/exec/expr/value-ops.ts).
  const v = applyAffinityValue(fromStored(value, storageClass), affinity);
  return { value: toPublic(v), storageClass: storageClassOf(v) };
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
