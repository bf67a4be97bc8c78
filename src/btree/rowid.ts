/** Rowids are 64-bit signed: a JS number when safe, else a bigint. */
export function compareRowids(a: number | bigint, b: number | bigint): number {
  // Mixed number/bigint comparison is exact in JavaScript: no BigInt made per comparison.
  return a < b ? -1 : a > b ? 1 : 0;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A rowid as the searches compare it: a number when it is a safe integer (numbers compare fastest). */
export function searchRowid(rowid: number | bigint): number | bigint {
  return typeof rowid === 'bigint' && rowid >= MIN_SAFE && rowid <= MAX_SAFE ? Number(rowid) : rowid;
}
