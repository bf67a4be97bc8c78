/**
 * A record body's numeric fields written big-endian (https://www.sqlite.org/fileformat2.html#record_format):
 * integers of serial types 1–6 from a number, 8-byte integers from a bigint, REALs as IEEE 754
 * doubles. Shared by the write path's record writers (exec/dml/record-writer.ts and the bulk
 * append, exec/dml/insert-append.ts); no DataView and no BigInt for the common widths.
 */

/** Body bytes of integer serial types 0–9 (8, 9: the constants 0 and 1). */
export const INT_SIZES: readonly number[] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes the low `size` bytes (1–6) of the integer `n` big-endian. */
export function putInt(buf: Uint8Array, off: number, n: number, size: number): void {
  if (size === 6) {
    const hi = Math.floor(n / 0x1_0000_0000);
    const lo = n - hi * 0x1_0000_0000;
    buf[off] = (hi >> 8) & 0xff;
    buf[off + 1] = hi & 0xff;
    buf[off + 2] = lo >>> 24;
    buf[off + 3] = (lo >>> 16) & 0xff;
    buf[off + 4] = (lo >>> 8) & 0xff;
    buf[off + 5] = lo & 0xff;
    return;
  }
  for (let i = size - 1, x = n | 0; i >= 0; i--, x >>= 8) buf[off + i] = x & 0xff;
}

/** Writes a 64-bit integer in 8 bytes, two's complement, big-endian. */
export function putInt64(buf: Uint8Array, off: number, v: bigint): void {
  let x = BigInt.asUintN(64, v);
  for (let i = 7; i >= 0; i--) {
    buf[off + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/** Writes a double in 8 bytes, big-endian. */
export function putFloat(buf: Uint8Array, off: number, v: number): void {
  f64[0] = v;
  if (littleEndian) {
    buf[off] = f64Bytes[7]!;
    buf[off + 1] = f64Bytes[6]!;
    buf[off + 2] = f64Bytes[5]!;
    buf[off + 3] = f64Bytes[4]!;
    buf[off + 4] = f64Bytes[3]!;
    buf[off + 5] = f64Bytes[2]!;
    buf[off + 6] = f64Bytes[1]!;
    buf[off + 7] = f64Bytes[0]!;
  } else buf.set(f64Bytes, off);
}
