/**
 * Pooled BLOB copies (src/record/byte-pool.ts): equal to their source, independent of it and of
 * each other (writing one changes nothing else), large values in buffers of their own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../src/record/byte-pool.js';

describe('copyBytes', () => {
  it('copies are equal to their source and independent of it and of each other', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 40 }), (sources) => {
        const copies = sources.map((s) => copyBytes(s, 0, s.length));
        const snapshot = copies.map((c) => c.slice());
        copies.forEach((c, i) => expect(c).toEqual(sources[i]));
        // Scribble over every copy: neither the sources nor the other copies change.
        const before = sources.map((s) => s.slice());
        copies.forEach((c, i) => {
          c.fill(i & 0xff);
          sources.forEach((s, j) => expect(s).toEqual(before[j]));
          copies.forEach((other, j) => {
            if (j > i) expect(other).toEqual(snapshot[j]);
          });
        });
      }),
      { numRuns: 100 },
    );
  });

  it('a part of a larger array; values over 1 KiB get a buffer of their own', () => {
    const page = Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff);
    const small = copyBytes(page, 100, 300);
    expect(small).toEqual(page.subarray(100, 300));
    const big = copyBytes(page, 0, 2048);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(2048);
    expect(copyBytes(page, 5, 5)).toHaveLength(0);
  });
});
