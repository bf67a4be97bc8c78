/**
 * Output gathered as bytes in one large buffer and handed out in chunks of ~256 KiB (issue 15:
 * rows go from the record decoder to stdout without a string per row or per value).
 *
 * Writers ask for `room(n)` before they put up to n bytes at `buf[pos…]`; a chunk goes out when
 * the next piece would not fit. A chunk handed to `emit` is never written again (a stream may
 * hold on to it until it is drained) unless `consumed()` says, right after the emit, that its
 * bytes have gone (stdout on a file or a pipe writes at once): then the same buffer is filled
 * again — no fresh 256 KiB (and its page faults) per chunk.
 */
import { encodeUtf8, isWellFormedText } from '../record/text-encoding.js';

/** Bytes gathered before a chunk goes out. */
export const CHUNK_BYTES = 1 << 18;

const encoder = new TextEncoder();

/** The two lowercase hex digits of byte b as a little-endian 16-bit value (first digit in the low byte). */
const PAIR16 = (() => {
  const digits = '0123456789abcdef';
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) t[b] = digits.charCodeAt(b >> 4) | (digits.charCodeAt(b & 15) << 8);
  return t;
})();

export class ByteSink {
  buf: Uint8Array;
  pos = 0;
  /** `buf` as a DataView (for `hex`: four digits a store, at any offset). */
  private view: DataView;

  constructor(
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly chunkBytes = CHUNK_BYTES,
    /** Whether the chunk just emitted has been written out, so that its buffer may be filled again. */
    private readonly consumed: () => boolean = () => false,
  ) {
    this.buf = new Uint8Array(chunkBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private fresh(n: number): void {
    this.buf = new Uint8Array(n);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes at `pos` (sends what is gathered first when they would not fit). */
  room(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.fresh(n);
    }
  }

  /** Sends what is gathered, if anything. */
  flush(): void {
    if (this.pos === 0) return;
    this.emit(this.buf.subarray(0, this.pos));
    this.pos = 0;
    if (!this.consumed() || this.buf.length !== this.chunkBytes) this.fresh(this.chunkBytes);
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
   * `src[start, end)` in lowercase hex: the digits of two bytes a 32-bit store (little-endian, so
   * that the first digit lands first), at whatever offset `pos` is.
   */
  hex(src: Uint8Array, start: number, end: number): void {
    this.room(2 * (end - start));
    const view = this.view;
    let p = this.pos;
    let i = start;
    for (; i + 1 < end; i += 2, p += 4) view.setUint32(p, PAIR16[src[i]!]! | (PAIR16[src[i + 1]!]! << 16), true);
    if (i < end) {
      view.setUint16(p, PAIR16[src[i]!]!, true);
      p += 2;
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
