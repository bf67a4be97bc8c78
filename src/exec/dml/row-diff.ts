/**
 * What an UPDATE changes of one stored row, so that it touches only that: an index whose entry
 * for the row is the same before and after is left alone (its pages stay clean — over S3 every
 * dirty page is a PUT and a journal record), and a table cell whose record is the same is not
 * rewritten.
 *
 * "The same" is exact, as the bytes on disk are: the same storage class and the same value
 * (1 and 1.0 differ in a column without affinity; 'a' and 'A' differ under NOCASE, which only
 * makes their order equal). Two executor values that are `sameValue` encode to the same record
 * bytes (record-writer.ts is a function of the values), so an entry judged unchanged is
 * byte-for-byte what a rewrite would have written. The converse need not hold (0.0 and -0.0
 * are judged different); a false "changed" only costs a rewrite.
 *
 * SQLite makes the same decision from the SET list (update.c: an index is skipped when none of
 * its columns, nor the columns of its WHERE clause, is assigned); judging by value also skips
 * `SET name = name` and rows a SET leaves as they were.
 */
import type { Value } from '../value.js';

export interface RowDiff {
  /** The rowid (rowid tables) or the PRIMARY KEY values (WITHOUT ROWID) differ. */
  readonly identity: boolean;
  /** The table record differs (its cell must be written). */
  readonly record: boolean;
  /** Per index plan of the TableWriter: the row's entry differs, or the row enters or leaves a partial index. */
  readonly entries: readonly boolean[];
}

/** Exact equality of two executor values: same storage class, same value (blobs byte by byte). */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a === 'number') return typeof b === 'number' && Object.is(a, b);
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return false; // bigint and string: `===` above already said all there is
}

/** `sameValue` for every position of two equally long lists. */
export function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i] ?? null, b[i] ?? null)) return false;
  return true;
}

/** Whether the diff changes nothing at all (the row is left as it is). */
export function unchanged(d: RowDiff): boolean {
  return !d.identity && !d.record && !d.entries.some((e) => e);
}
