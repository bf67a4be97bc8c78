/**
 * RangeFile's own logic (src/vfs/range-file.ts) — batching, coalescing, the LRU, read-ahead
 * hints, pinning — checked against the plain bytes. The source here serves bytes from memory
 * with the same contract as the S3 and HTTP sources ('missing', 'changed', Content-Range size):
 * thousands of random reads are not practical against the S3 test server, whose own behaviour
 * is covered by test/api/single-object.test.ts and test/store/http-ranges.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusyError, ReadOnlyError } from '../../src/errors.js';
import { RangeFile, headerPageSize, type RangePin, type RangeResponse, type RangeSource } from '../../src/vfs/range-file.js';
import { isShortRead } from '../../src/vfs/vfs.js';

class BytesRanges implements RangeSource {
  readonly url = 'mem://db';
  requests = 0;
  readonly asked: { offset: number; length: number }[] = [];
  version = 1;
  constructor(public bytes: Uint8Array) {}
  async fetchRange(offset: number, length: number, pin: RangePin | undefined): Promise<RangeResponse | 'changed'> {
    this.requests++;
    this.asked.push({ offset, length });
    await new Promise((r) => setTimeout(r, 0));
    if (pin !== undefined && pin.etag !== `"${this.version}"`) return 'changed';
    return { bytes: this.bytes.slice(offset, offset + length), size: this.bytes.length, pin: { etag: `"${this.version}"` }, whole: false };
  }
  async close(): Promise<void> {}
}

/** Bytes that look like a database header with page size `pageSize` (the rest pseudo-random). */
function fakeDatabase(size: number, pageSize: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed || 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  if (size >= 18) {
    b.set(new TextEncoder().encode('SQLite format 3\0'), 0);
    b[16] = pageSize === 65536 ? 0 : pageSize >> 8;
    b[17] = pageSize === 65536 ? 1 : 0;
  }
  return b;
}

describe('RangeFile', () => {
  it('reads exactly the bytes of the object, whatever the reads, hints and cache size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024, 4096, 65536),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 64 * 1024, max: 1 << 20 }),
        fc.array(
          fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 70000 }), hint: fc.boolean(), together: fc.integer({ min: 1, max: 4 }) }),
          { minLength: 1, maxLength: 25 },
        ),
        async (pageSize, pages, tail, seed, cacheBytes, reads) => {
          const size = pages * pageSize + (tail % pageSize);
          const bytes = fakeDatabase(size, pageSize, seed);
          const source = new BytesRanges(bytes);
          const file = (await RangeFile.open(source, { cacheBytes, maxRangeBytes: 3 * pageSize }))!;
          expect(file.unit).toBe(headerPageSize(bytes) ?? 4096);
          for (const r of reads) {
            const offset = r.at % (size + 100);
            if (r.hint) file.prefetch(file.blockSize, Math.floor(offset / file.blockSize) * file.blockSize);
            const batch = await Promise.all(
              Array.from({ length: r.together }, (_, i) => file.xRead(r.len, offset + i * pageSize).then((out) => ({ out, at: offset + i * pageSize }))),
            );
            for (const { out, at } of batch) {
              const want = new Uint8Array(r.len);
              if (at < size) want.set(bytes.subarray(at, Math.min(at + r.len, size)));
              expect(Buffer.compare(out, want)).toBe(0);
              expect(isShortRead(out)).toBe(at + r.len > size);
            }
          }
          // Every range is page-aligned, within the object and no longer than the limit.
          for (const { offset, length } of source.asked.slice(1)) {
            expect(offset % file.unit).toBe(0);
            expect(offset + length).toBeLessThanOrEqual(size);
            expect(length === size - offset || length % file.unit === 0).toBe(true);
            expect(length).toBeLessThanOrEqual(3 * file.unit);
          }
          await file.xClose();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends pages asked for in the same turn as one range, and a kept page never again', async () => {
    const bytes = fakeDatabase(100 * 4096, 4096, 7);
    const source = new BytesRanges(bytes);
    const file = (await RangeFile.open(source))!;
    expect(source.asked).toEqual([{ offset: 0, length: 65536 }]);
    await file.xRead(4096, 5 * 4096); // in the open's 64 KiB
    await Promise.all([20, 21, 22, 30].map((p) => file.xRead(4096, p * 4096)));
    await Promise.all([20, 21, 22, 30].map((p) => file.xRead(4096, p * 4096)));
    expect(source.asked.slice(1)).toEqual([
      { offset: 20 * 4096, length: 3 * 4096 },
      { offset: 30 * 4096, length: 4096 },
    ]);
    // A read-ahead hint fetches the rest of its 64 KiB block in one range.
    expect(file.prefetch(65536, 65536 * 3)).toBe(1);
    await file.xRead(4096, 50 * 4096);
    expect(source.asked.slice(3)).toEqual([{ offset: 48 * 4096, length: 16 * 4096 }]);
  });

  it('reads ahead for a walk in page order, either way, and never for random reads', async () => {
    const bytes = fakeDatabase(2000 * 4096, 4096, 11);
    for (const order of ['up', 'down', 'random'] as const) {
      const source = new BytesRanges(bytes);
      const file = (await RangeFile.open(source))!;
      const pages = Array.from({ length: 1000 }, (_, i) => 500 + i);
      if (order === 'down') pages.reverse();
      if (order === 'random') for (let i = 0; i < pages.length; i++) pages[i] = 17 + ((i * 7919) % 1900) * 1;
      for (const p of order === 'random' ? pages.slice(0, 100) : pages) {
        const got = await file.xRead(4096, (p - 1) * 4096);
        expect(Buffer.compare(got, bytes.subarray((p - 1) * 4096, p * 4096))).toBe(0);
      }
      const fetched = source.asked.slice(1).reduce((n, r) => n + r.length, 0);
      if (order === 'random') {
        // One page a request, nothing fetched that was not asked for.
        expect(source.asked.length - 1).toBe(100);
        expect(fetched).toBe(100 * 4096);
      } else {
        expect(source.asked.length - 1).toBeLessThan(30);
        expect(fetched).toBeLessThanOrEqual((1000 + 128) * 4096);
      }
    }
  });

  it('ends every read after the object changed with SQLITE_BUSY, and refuses writes', async () => {
    const bytes = fakeDatabase(40 * 4096, 4096, 9);
    const source = new BytesRanges(bytes);
    const file = (await RangeFile.open(source, { readOnlyMessage: 'read-only: import it' }))!;
    source.version = 2;
    await expect(file.xRead(4096, 30 * 4096)).rejects.toThrow(BusyError);
    const before = source.requests;
    await expect(file.xRead(4096, 31 * 4096)).rejects.toThrow(/mem:\/\/db changed during the read; read again/);
    expect(source.requests).toBe(before); // known changed: no more requests
    // The header stays readable (what the open saw), writes never are.
    expect((await file.xRead(16, 0)).length).toBe(16);
    await expect(file.xWrite(new Uint8Array(1), 0)).rejects.toThrow(ReadOnlyError);
    await expect(file.xTruncate(0)).rejects.toThrow(/import it/);
  });
});
