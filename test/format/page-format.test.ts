import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { parseCell } from '../../src/format/cell.js';
import { decodeFreelistTrunk, maxTrunkLeaves } from '../../src/format/freelist.js';
import { hasLockBytePage, lockBytePgno } from '../../src/format/lock-byte.js';
import { PageType, cellOffset, decodePageHeader, pageFreeBytes } from '../../src/format/page-header.js';
import { localPayloadSize, maxLocalPayload, minLocalPayload, overflowPageCount } from '../../src/format/payload.js';
import { isPtrmapPage, ptrmapPageFor, ptrmapPages, readPtrmapEntry } from '../../src/format/ptrmap.js';
import { writeU16, writeU32 } from '../../src/format/bytes.js';
import { writeVarint } from '../../src/format/varint.js';

describe('payload split (fileformat2 §cellformat)', () => {
  it('matches the worked constants for U=4096', () => {
    expect(maxLocalPayload(4096, true)).toBe(4061);
    expect(maxLocalPayload(4096, false)).toBe(1002);
    expect(minLocalPayload(4096)).toBe(489);
    expect(localPayloadSize(4061, 4096, true)).toBe(4061);
    expect(localPayloadSize(4062, 4096, true)).toBe(489); // K = 489 + 3573 = 4062 > X
    expect(localPayloadSize(489 + 4092 + 100, 4096, true)).toBe(589); // K = 589 <= X
    expect(localPayloadSize(1002, 4096, false)).toBe(1002);
    expect(localPayloadSize(1003, 4096, false)).toBe(489); // K = 489 + 514 = 1003 > X
  });

  it('local + overflow capacity always holds the payload exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 480, max: 65536 }), fc.nat({ max: 10_000_000 }), fc.boolean(), (u, p, leaf) => {
        const local = localPayloadSize(p, u, leaf);
        expect(local).toBeLessThanOrEqual(Math.max(p, 0));
        expect(local).toBeLessThanOrEqual(maxLocalPayload(u, leaf));
        if (p > maxLocalPayload(u, leaf)) expect(local).toBeGreaterThanOrEqual(minLocalPayload(u));
        const n = overflowPageCount(p, local, u);
        expect(n * (u - 4)).toBeGreaterThanOrEqual(p - local);
        expect((n - 1) * (u - 4)).toBeLessThan(Math.max(p - local, 1));
      }),
      { numRuns: 200 },
    );
  });
});

function leafPage(size: number, cells: Uint8Array[]): Uint8Array {
  const page = new Uint8Array(size);
  page[0] = PageType.TableLeaf;
  let top = size;
  cells.forEach((c, i) => {
    top -= c.length;
    page.set(c, top);
    writeU16(page, 8 + 2 * i, top);
  });
  writeU16(page, 3, cells.length);
  writeU16(page, 5, top);
  return page;
}

function tableLeafCell(rowid: number | bigint, payload: Uint8Array, usable: number, overflow = 0): Uint8Array {
  const out = new Uint8Array(payload.length + 30);
  let o = writeVarint(out, 0, payload.length);
  o += writeVarint(out, o, rowid);
  const local = localPayloadSize(payload.length, usable, true);
  out.set(payload.subarray(0, local), o);
  o += local;
  if (local < payload.length) {
    writeU32(out, o, overflow);
    o += 4;
  }
  return out.slice(0, o);
}

describe('page header and cells', () => {
  it('decodes a hand-built table leaf and its cells', () => {
    const p = leafPage(512, [tableLeafCell(7, new Uint8Array([1, 2, 3]), 512), tableLeafCell(-(2n ** 63n), new Uint8Array(600), 512, 9)]);
    const h = decodePageHeader(p, 2, 512);
    expect(h).toMatchObject({ pageType: 0x0d, isLeaf: true, isTable: true, cellCount: 2, headerSize: 8, rightChild: 0 });
    const c0 = parseCell(p, cellOffset(p, h, 0, 2, 512), h.pageType, 2, 512);
    expect(c0).toMatchObject({ rowid: 7, payloadSize: 3, localSize: 3, overflowPgno: 0 });
    const c1 = parseCell(p, cellOffset(p, h, 1, 2, 512), h.pageType, 2, 512);
    expect(c1).toMatchObject({ rowid: -(2n ** 63n), payloadSize: 600, localSize: localPayloadSize(600, 512, true), overflowPgno: 9 });
    expect(pageFreeBytes(p, h, 2, 512)).toBe(h.cellContentStart - 8 - 4);
  });

  it('rejects bad headers and cells with CorruptError naming the page', () => {
    const good = leafPage(512, [tableLeafCell(1, new Uint8Array(10), 512)]);
    const cases: ((b: Uint8Array) => void)[] = [
      (b) => (b[0] = 0x07), // page type
      (b) => writeU16(b, 3, 300), // cell count overlaps content area
      (b) => writeU16(b, 5, 600), // content area past usable
      (b) => writeU16(b, 1, 3), // freeblock before content area
    ];
    for (const edit of cases) {
      const b = good.slice();
      edit(b);
      expect(() => decodePageHeader(b, 5, 512)).toThrow(CorruptError);
      try {
        decodePageHeader(b, 5, 512);
      } catch (e) {
        expect((e as CorruptError).pgno).toBe(5);
      }
    }
    const h = decodePageHeader(good, 5, 512);
    const b = good.slice();
    writeU16(b, 8, 4); // cell pointer into the header
    expect(() => cellOffset(b, h, 0, 5, 512)).toThrow(CorruptError);
    // A payload size claiming more local bytes than the page holds.
    const c = good.slice();
    const off = cellOffset(c, h, 0, 5, 512);
    c[off] = 0x83; // payload size varint 0x83 0x?? -> >= 384, local part runs past the page
    expect(() => parseCell(c, off, h.pageType, 5, 512)).toThrow(CorruptError);
  });

  it('never throws anything but CorruptError on random page bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.constantFrom(0x02, 0x05, 0x0a, 0x0d), (p, t) => {
        p[0] = t;
        try {
          const h = decodePageHeader(p, 3, 512);
          for (let i = 0; i < h.cellCount; i++) parseCell(p, cellOffset(p, h, i, 3, 512), h.pageType, 3, 512);
          pageFreeBytes(p, h, 3, 512);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('freelist, pointer map, lock-byte page', () => {
  it('decodes a trunk and bounds its leaf count', () => {
    const p = new Uint8Array(512);
    writeU32(p, 0, 17);
    writeU32(p, 4, 2);
    writeU32(p, 8, 5);
    writeU32(p, 12, 6);
    expect(decodeFreelistTrunk(p, 3, 512, 20)).toEqual({ next: 17, leaves: [5, 6] });
    writeU32(p, 4, maxTrunkLeaves(512) + 1);
    expect(() => decodeFreelistTrunk(p, 3, 512, 20)).toThrow(CorruptError);
    writeU32(p, 4, 1);
    writeU32(p, 8, 21);
    expect(() => decodeFreelistTrunk(p, 3, 512, 20)).toThrow(CorruptError);
  });

  it('places pointer-map pages like SQLite', () => {
    // U=1024: 204 entries per map page, so maps at 2, 207, 412, ...
    expect(ptrmapPageFor(3, 1024, 1024)).toBe(2);
    expect(ptrmapPageFor(206, 1024, 1024)).toBe(2);
    expect(ptrmapPageFor(207, 1024, 1024)).toBe(207);
    expect(ptrmapPageFor(208, 1024, 1024)).toBe(207);
    expect(isPtrmapPage(412, 1024, 1024)).toBe(true);
    expect(ptrmapPages(500, 1024, 1024)).toEqual([2, 207, 412]);
    const m = new Uint8Array(1024);
    m[5] = 5;
    writeU32(m, 6, 3);
    expect(readPtrmapEntry(m, 2, 4, 1024)).toEqual({ type: 5, parent: 3 });
    expect(() => readPtrmapEntry(m, 2, 3, 1024)).toThrow(CorruptError); // type 0
  });

  it('locates the lock-byte page', () => {
    expect(lockBytePgno(4096)).toBe(262145);
    expect(lockBytePgno(512)).toBe(2097153);
    expect(hasLockBytePage(262144, 4096)).toBe(false);
    expect(hasLockBytePage(262145, 4096)).toBe(true);
  });
});
