/**
 * Output gathered as bytes in one large buffer and handed out in chunks of ~256 KiB (issue 15:
 * rows go from the record decoder to stdout without a string per row or per value).
 *
 * Writers ask for `room(n)` before they put up to n bytes at `buf[pos…]`; a chunk goes out when
 * the next piece would not fit. Every chunk handed to `emit` is a buffer of its own, never
 * written again (a stream may hold on to it until it is drained), so a fresh buffer follows each.
 */
import { encodeUtf8, isWellFormedText } from '../record/text-encoding.js';

/** Bytes gathered before a chunk goes out. */
export const CHUNK_BYTES = 1 << 18;

/** '0'…'9a'…'f' as byte pairs, by byte value: HEX_PAIRS[2b], HEX_PAIRS[2b+1]. */
const HEX_PAIRS = (() => {
  const digits = '0123456789abcdef';
  const t = new Uint8Array(512);
  for (let b = 0; b < 256; b++) {
    t[2 * b] = digits.charCodeAt(b >> 4);
    t[2 * b + 1] = digits.charCodeAt(b & 15);
  }
  return t;
})();

const encoder = new TextEncoder();

/** Hex digit pairs as one 16-bit store each, in the machine's byte order: PAIR16[b] = digits of b. */
const PAIR16 = (() => {
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    const first = HEX_PAIRS[2 * b]!;
    const second = HEX_PAIRS[2 * b + 1]!;
    t[b] = little ? first | (second << 8) : (first << 8) | second;
  }
  return t;
})();

export class ByteSink {
  buf: Uint8Array;
  pos = 0;
  /** `buf` as 16-bit units (for `hex`, two digits a store), when its offset allows. */
  private units: Uint16Array | undefined;

  constructor(
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {
    this.buf = this.fresh(chunkBytes);
  }

  private fresh(n: number): Uint8Array {
    const buf = new Uint8Array(n);
    this.units = new Uint16Array(buf.buffer, 0, n >> 1);
    return buf;
  }

  /** Makes room for `n` more bytes at `pos` (sends what is gathered first when they would not fit). */
  room(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = this.fresh(n);
    }
  }

  /** Sends what is gathered, if anything. */
  flush(): void {
    if (this.pos === 0) return;
    this.emit(this.buf.subarray(0, this.pos));
    this.buf = this.fresh(this.chunkBytes);
    this.pos = 0;
  }

  /** A string of code units below 0x80 (numbers, fixed tokens), byte for unit. */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string, as UTF-8; text that was not UTF-8 as its own bytes (encodeUtf8). */
  utf8(s: string): void {
    if (!isWellFormedText(s)) {
      const bytes = encodeUtf8(s);
      this.bytes(bytes, 0, bytes.length);
      return;
    }
    this.room(s.length * 3);
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  /** `src[start, end)` as they are. */
  bytes(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  /**
   * `src[start, end)` in lowercase hex: two digits a 16-bit store. At an odd position the first
   * digit goes alone, and each store then holds the low digit of one byte and the high digit of
   * the next — PAIR16 indexed by those two nibbles.
   */
  hex(src: Uint8Array, start: number, end: number): void {
    this.room(2 * (end - start));
    if (start === end) return;
    const buf = this.buf;
    const units = this.units!;
    let p = this.pos;
    if ((p & 1) === 0) {
      let h = p >> 1;
      for (let i = start; i < end; i++) units[h++] = PAIR16[src[i]!]!;
      p = h << 1;
    } else {
      buf[p++] = HEX_PAIRS[src[start]! << 1]!;
      let h = p >> 1;
      for (let i = start; i < end - 1; i++) units[h++] = PAIR16[((src[i]! & 15) << 4) | (src[i + 1]! >> 4)]!;
      p = h << 1;
      buf[p++] = HEX_PAIRS[(src[end - 1]! << 1) + 1]!;
    }
    this.pos = p;
  }

  /** An integer given as a number (a safe integer), in decimal. */
  int(v: number): void {
    if (v < 0 || v > 0x7fffffff) {
      this.ascii(String(v));
      return;
    }
    this.room(10);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    do {
      const q = (v / 10) | 0;
      buf[p++] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
    // The digits went in least significant first: turn them round.
    for (let i = start, j = p - 1; i < j; i++, j--) {
      const t = buf[i]!;
      buf[i] = buf[j]!;
      buf[j] = t;
    }
    this.pos = p;
  }
}
