/**
 * The sort of CREATE INDEX's packed entries (index-sorter.ts): entry numbers in an Int32Array,
 * ordered by two numeric keys per entry (`k1`, then `k2`) and, where both tie, by `tie` (the
 * records themselves compared). The keys are read inline — no comparator call per comparison
 * and no array of boxed numbers: Array.prototype.sort with a comparator cost about as much in
 * calls, and left some 4 MB of garbage (its work arrays) per 100,000 entries, which the next
 * collection then had to sweep during the statement.
 *
 * Bottom-up merge sort: runs of RUN entries sorted by insertion, then merged pairwise, level by
 * level, between two buffers. Two neighbouring runs already in order (the last of the left one
 * not after the first of the right one) are copied without merging, so input that is sorted or
 * nearly so — an index on a column that grows with the rowid — costs about n comparisons.
 */

const RUN = 16;

/** Whether entry `a` sorts after entry `b`. */
function after(a: number, b: number, k1: Float64Array, k2: Float64Array, tie: (a: number, b: number) => number): boolean {
  const x = k1[a]!;
  const y = k1[b]!;
  if (x !== y) return x > y;
  const u = k2[a]!;
  const v = k2[b]!;
  if (u !== v) return u > v;
  return tie(a, b) > 0;
}

/** Entries 0…n-1 in ascending order of (k1, k2, tie). */
export function sortEntries(n: number, k1: Float64Array, k2: Float64Array, tie: (a: number, b: number) => number): Int32Array {
  let src = new Int32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = lo + RUN < n ? lo + RUN : n;
    for (let i = lo + 1; i < hi; i++) {
      const e = src[i]!;
      let j = i - 1;
      while (j >= lo && after(src[j]!, e, k1, k2, tie)) {
        src[j + 1] = src[j]!;
        j--;
      }
      src[j + 1] = e;
    }
  }
  if (n <= RUN) return src;
  let dst = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = lo + width < n ? lo + width : n;
      const hi = lo + 2 * width < n ? lo + 2 * width : n;
      if (mid >= hi || !after(src[mid - 1]!, src[mid]!, k1, k2, tie)) {
        for (let k = lo; k < hi; k++) dst[k] = src[k]!;
        continue;
      }
      let i = lo;
      let j = mid;
      let o = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        if (after(a, b, k1, k2, tie)) {
          dst[o++] = b;
          j++;
        } else {
          dst[o++] = a;
          i++;
        }
      }
      while (i < mid) dst[o++] = src[i++]!;
      while (j < hi) dst[o++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
