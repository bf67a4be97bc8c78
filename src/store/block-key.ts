/**
 * The object key layout shared with the Python library sqlite-s3vfs:
 * block `i` of the database at prefix `P` lives at `P/{i:010d}` — ten decimal digits,
 * zero-padded — so that listing `P/` in key order yields the file's blocks in order.
 */

export const BLOCK_INDEX_DIGITS = 10;
const MAX_BLOCK_INDEX = 10 ** BLOCK_INDEX_DIGITS - 1;

/** `P/0000000042` for prefix `P` and index 42. */
export function blockKey(prefix: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_BLOCK_INDEX) {
    throw new globalThis.RangeError(`block index out of range: ${index}`);
  }
  return `${prefix}/${String(index).padStart(BLOCK_INDEX_DIGITS, '0')}`;
}

/** The block index encoded in `key`, or `undefined` if `key` is not exactly `P/{10 digits}`. */
export function parseBlockKey(prefix: string, key: string): number | undefined {
  const head = `${prefix}/`;
  if (!key.startsWith(head)) return undefined;
  const digits = key.slice(head.length);
  if (digits.length !== BLOCK_INDEX_DIGITS || !/^[0-9]+$/.test(digits)) return undefined;
  return Number(digits);
}

/** Removes trailing slashes; a prefix must name something (sqlite-s3vfs never writes `/0000000000`). */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed === '') throw new globalThis.RangeError('a database key prefix must not be empty');
  return trimmed;
}
