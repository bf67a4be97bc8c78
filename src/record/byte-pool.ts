/**
 * Copies of short byte runs — BLOB values read out of pages — carved from shared 8 KiB slabs, as
 * Node's pooled Buffers are: a fresh ArrayBuffer per value (what `Uint8Array.slice` makes) costs
 * more than decoding the rest of the row (a scan of rows with 200-byte blobs spent a fifth of its
 * time there).
 *
 * Each copy is a view of its own bytes: writing to it changes nothing else, but its `buffer` is
 * shared with other values and its `byteOffset` may be non-zero (use `.slice()` for a buffer of
 * your own). A value kept alive keeps its slab (at most 8 KiB) alive; values over 1 KiB get a
 * buffer of their own.
 */
const SLAB_BYTES = 8192;
const MAX_POOLED = 1024;

let slab = new Uint8Array(0);
let used = 0;

/** A copy of `src[start, end)` that shares no bytes with `src`. */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > MAX_POOLED || n <= 0) return src.slice(start, end);
  if (used + n > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  slab.set(src.subarray(start, end), used);
  const out = slab.subarray(used, used + n);
  used += n;
  return out;
}
