/**
 * The values a record holds (https://www.sqlite.org/datatype3.html#storage_classes_and_datatypes).
 *
 * SQLite has five storage classes. In JavaScript they map onto:
 *
 *   NULL     → null
 *   INTEGER  → number when it is a safe integer (|v| ≤ 2^53 − 1), bigint otherwise
 *              (always the exact signed 64-bit value)
 *   REAL     → number (IEEE-754 double; SQLite never stores NaN — it becomes NULL)
 *   TEXT     → string
 *   BLOB     → Uint8Array
 *
 * Because `5` (INTEGER) and `5.0` (REAL) are the same JavaScript number, decoding also
 * reports each value's storage class, and encoding accepts it.
 */

export type SqlValue = null | number | bigint | string | Uint8Array;

export type StorageClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

/**
 * The storage class a value has when none is given: `null`, a bigint or a safe integer
 * (other than −0) is an INTEGER, any other number a REAL, a string TEXT, bytes a BLOB.
 */
export function defaultStorageClass(value: SqlValue): StorageClass {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'integer' : 'real';
    case 'bigint':
      return 'integer';
    case 'string':
      return 'text';
    default:
      return 'blob';
  }
}

/** The signed 64-bit range of an INTEGER. */
export const MIN_INT64 = -(1n << 63n);
export const MAX_INT64 = (1n << 63n) - 1n;

/** Normalizes a 64-bit integer to the `SqlValue` convention: number when safe, bigint otherwise. */
export function int64Value(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}
