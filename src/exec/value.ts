/**
 * Values inside the executor. The JavaScript type IS the storage class, so no value needs a
 * tag beside it:
 *
 *   null        NULL
 *   bigint      INTEGER (always exactly 64-bit; arithmetic checks overflow as SQLite does)
 *   number      REAL (IEEE double; -0.0 and ±Infinity kept; NaN never appears — SQLite makes it NULL)
 *   string      TEXT
 *   Uint8Array  BLOB
 *
 * The record layer decodes integers to `number` when they are safe (for speed and for the
 * public API); `fromStored`/`toPublic` convert at the boundary.
 */
import type { SqlValue, StorageClass } from '../record/value.js';

export type Value = null | bigint | number | string | Uint8Array;

export function storageClassOf(v: Value): StorageClass {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return 'integer';
    case 'number':
      return 'real';
    case 'string':
      return 'text';
    default:
      return 'blob';
  }
}

/** A decoded record value with its storage class → an executor value. */
export function fromStored(value: SqlValue, storageClass: StorageClass): Value {
  if (storageClass === 'integer') return typeof value === 'bigint' ? value : BigInt(value as number);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** An executor value → the public API's value (integers as number when safe, else bigint). */
export function toPublic(v: Value): SqlValue {
  if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  return v;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A value from the public API (a bound parameter) → an executor value. */
export function fromPublic(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? null : Number.isSafeInteger(v) && !Object.is(v, -0) ? BigInt(v) : v;
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new TypeError(`cannot bind a value of type ${typeof v}`);
}
