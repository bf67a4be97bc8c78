/**
 * The rollback-journal codec on its own: round trips, SQLite's reading rules (segments,
 * 0xffffffff counts, skipped and stopping records, super-journal names) and robustness against
 * arbitrary damage. Interoperability with the real sqlite3 is in journal-sqlite.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MisuseError } from '../../src/errors.js';
import { lockBytePgno } from '../../src/format/lock-byte.js';
import {
  JOURNAL_MAGIC,
  RECORD_COUNT_TO_EOF,
  SUPER_JOURNAL_TRAILER,
  decodeJournal,
  decodeJournalHeader,
  decodeSuperJournalName,
  encodeJournal,
  encodeJournalHeader,
  encodeJournalRecord,
  encodeSuperJournalName,
  journalChecksum,
  nextHeaderOffset,
  superJournalChecksum,
  superJournalNameLength,
} from '../../src/pager/journal-format.js';

const pageSizeArb = fc.constantFrom(512, 1024, 2048, 4096, 8192, 65536);
const sectorSizeArb = fc.constantFrom(32, 512, 4096, 65536);

/** A journal image: distinct pgnos within the original size, random page bytes. */
const imageArb = fc
  .record({
    pageSize: pageSizeArb,
    sectorSize: sectorSizeArb,
    originalPageCount: fc.integer({ min: 1, max: 40 }),
    nonce: fc.integer({ min: 0, max: 0xffff_ffff }),
    seed: fc.integer(),
    picks: fc.array(fc.nat(), { maxLength: 8 }),
  })
  .map(({ pageSize, sectorSize, originalPageCount, nonce, seed, picks }) => {
    const pgnos = [...new Set(picks.map((p) => (p % originalPageCount) + 1))];
    const pages = pgnos.map((pgno, i) => ({ pgno, data: bytesFrom(seed + i * 7919, pageSize) }));
    return { pageSize, sectorSize, originalPageCount, nonce, pages };
  });

/** Deterministic pseudo-random bytes (an xorshift), so big pages cost no fast-check shrinking. */
function bytesFrom(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed | 0) ^ 0x9e3779b9 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('checksum', () => {
  it('is the nonce plus every 200th byte from the end, index > 0, mod 2^32', () => {
    const data = new Uint8Array(1024); // indices 824, 624, 424, 224, 24
    for (const [i, v] of [[824, 1], [624, 2], [424, 3], [224, 4], [24, 5], [0, 99], [1023, 99]] as const) data[i] = v;
    expect(journalChecksum(100, data)).toBe(115);
    expect(journalChecksum(0xffff_fff5, data)).toBe(4); // wraps
    // 512-byte page: only indices 312 and 112.
    const small = new Uint8Array(512).fill(1);
    expect(journalChecksum(0, small)).toBe(2);
  });

  it('matches a direct reference sum for any page', () => {
    fc.assert(
      fc.property(pageSizeArb, fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer(), (pageSize, nonce, seed) => {
        const data = bytesFrom(seed, pageSize);
        let ref = BigInt(nonce);
        for (let i = pageSize - 200; i > 0; i -= 200) ref += BigInt(data[i]!);
        expect(journalChecksum(nonce, data)).toBe(Number(ref % 2n ** 32n));
      }),
      { numRuns: 100 },
    );
  });
});

describe('header', () => {
  it('lays out magic, count, nonce, original size, sector size, page size, then zeros to the sector', () => {
    const h = encodeJournalHeader({ recordCount: 3, nonce: 0x01020304, originalPageCount: 9, sectorSize: 512, pageSize: 4096 });
    expect(h.length).toBe(512);
    expect([...h.subarray(0, 8)]).toEqual([...JOURNAL_MAGIC]);
    expect([...h.subarray(8, 28)]).toEqual([0, 0, 0, 3, 1, 2, 3, 4, 0, 0, 0, 9, 0, 0, 2, 0, 0, 0, 0x10, 0]);
    expect(h.subarray(28).every((b) => b === 0)).toBe(true);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          recordCount: fc.integer({ min: 0, max: 0xffff_ffff }),
          nonce: fc.integer({ min: 0, max: 0xffff_ffff }),
          originalPageCount: fc.integer({ min: 0, max: 0xffff_ffff }),
          sectorSize: sectorSizeArb,
          pageSize: pageSizeArb,
        }),
        (header) => {
          expect(decodeJournalHeader(encodeJournalHeader(header))).toEqual(header);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is not valid with a wrong magic, too few bytes, or sizes SQLite rejects', () => {
    const good = encodeJournalHeader({ recordCount: 1, nonce: 1, originalPageCount: 1, sectorSize: 512, pageSize: 1024 });
    expect(decodeJournalHeader(good)).toBeDefined();
    expect(decodeJournalHeader(good.subarray(0, 27))).toBeUndefined();
    const zeroFirst = good.slice();
    zeroFirst[0] = 0; // what SQLite leaves before the header is synced, and what deleteJournal leaves
    expect(decodeJournalHeader(zeroFirst)).toBeUndefined();
    for (const [offset, value] of [[23, 0x30], [23, 16], [21, 2], [27, 1], [26, 0x01], [25, 0x02]] as const) {
      const bad = good.slice();
      bad[offset] = value; // sector 0x230 / 16 / 0x20200, page 0x401 / 0x10400 / 0x20400
      expect(decodeJournalHeader(bad), `byte ${offset} = ${value}`).toBeUndefined();
      expect(decodeJournalHeader(bad, false), 'a later header ignores the sizes').toBeDefined();
    }
    const oldStyle = good.slice();
    oldStyle.fill(0, 24, 28); // page size 0: journals from before SQLite 3.5.8
    expect(decodeJournalHeader(oldStyle)?.pageSize).toBe(0);
  });

  it('refuses to encode what SQLite could not read', () => {
    const h = { recordCount: 0, nonce: 0, originalPageCount: 0, sectorSize: 512, pageSize: 1024 };
    expect(() => encodeJournalHeader({ ...h, sectorSize: 16 })).toThrow(MisuseError);
    expect(() => encodeJournalHeader({ ...h, pageSize: 1000 })).toThrow(MisuseError);
    expect(() => encodeJournalHeader({ ...h, nonce: -1 })).toThrow(MisuseError);
    expect(() => encodeJournalHeader({ ...h, originalPageCount: 2 ** 32 })).toThrow(MisuseError);
  });

  it('later headers start at the next sector boundary', () => {
    expect(nextHeaderOffset(0, 512)).toBe(0);
    expect(nextHeaderOffset(512, 512)).toBe(512);
    expect(nextHeaderOffset(513, 512)).toBe(1024);
    expect(nextHeaderOffset(512 + 3 * 1032, 512)).toBe(4096);
  });
});

describe('whole journals', () => {
  it('round-trip: every record comes back, in order, with the sizes of the header', () => {
    fc.assert(
      fc.property(imageArb, (image) => {
        const bytes = encodeJournal(image);
        expect(bytes.length).toBe(image.sectorSize + image.pages.length * (image.pageSize + 8));
        const decoded = decodeJournal(bytes);
        expect(decoded).toBeDefined();
        expect(decoded!.pageSize).toBe(image.pageSize);
        expect(decoded!.sectorSize).toBe(image.sectorSize);
        expect(decoded!.originalPageCount).toBe(image.originalPageCount);
        expect(decoded!.end).toBe('eof');
        expect(decoded!.records.map((r) => r.pgno)).toEqual(image.pages.map((p) => p.pgno));
        decoded!.records.forEach((r, i) => expect(sameBytes(r.data, image.pages[i]!.data)).toBe(true));
      }),
      { numRuns: 100 },
    );
  });

  it('a cut anywhere keeps exactly the whole records before the cut; no header, no journal', () => {
    fc.assert(
      fc.property(imageArb, fc.double({ min: 0, max: 1, noNaN: true }), (image, where) => {
        const bytes = encodeJournal(image);
        const cut = Math.floor(where * bytes.length);
        const decoded = decodeJournal(bytes.subarray(0, cut));
        if (cut < image.sectorSize) {
          expect(decoded).toBeUndefined();
          return;
        }
        const whole = Math.floor((cut - image.sectorSize) / (image.pageSize + 8));
        expect(decoded!.records.map((r) => r.pgno)).toEqual(image.pages.slice(0, whole).map((p) => p.pgno));
      }),
      { numRuns: 100 },
    );
  });

  it('random damage never throws; what survives is whole pages of in-range pgnos', () => {
    fc.assert(
      fc.property(
        imageArb,
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (image, hits) => {
          const bytes = encodeJournal(image);
          for (const [where, value] of hits) bytes[Math.floor(where * (bytes.length - 1))] = value;
          const decoded = decodeJournal(bytes);
          if (decoded === undefined) return;
          for (const r of decoded.records) {
            expect(r.data.length).toBe(decoded.pageSize);
            expect(r.pgno).toBeGreaterThanOrEqual(1);
            expect(r.pgno).toBeLessThanOrEqual(decoded.originalPageCount);
          }
          // Never more records than the file can hold after its first header.
          const recordSize = decoded.pageSize + 8;
          expect(decoded.records.length).toBeLessThanOrEqual(Math.floor((bytes.length - decoded.sectorSize) / recordSize));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads several segments, each with its own nonce, and a 0xffffffff count to end of file', () => {
    const pageSize = 1024;
    const sector = 512;
    const page = (n: number): Uint8Array => bytesFrom(n, pageSize);
    const seg1 = encodeJournal({ pageSize, sectorSize: sector, originalPageCount: 20, nonce: 11, pages: [{ pgno: 1, data: page(1) }, { pgno: 5, data: page(5) }] });
    // Segment 2 starts at the next sector boundary after segment 1's records.
    const at = nextHeaderOffset(seg1.length, sector);
    const h2 = encodeJournalHeader({ recordCount: RECORD_COUNT_TO_EOF, nonce: 22, originalPageCount: 99, sectorSize: sector, pageSize });
    const r7 = encodeJournalRecord(7, page(7), 22);
    const r9 = encodeJournalRecord(9, page(9), 22);
    const bytes = new Uint8Array(at + sector + r7.length + r9.length + 5); // + a torn tail
    bytes.set(seg1);
    bytes.set(h2, at);
    bytes.set(r7, at + sector);
    bytes.set(r9, at + sector + r7.length);
    const decoded = decodeJournal(bytes)!;
    expect(decoded.records.map((r) => r.pgno)).toEqual([1, 5, 7, 9]);
    expect(decoded.originalPageCount).toBe(20); // the first header's
    expect(decoded.records[3]!.data).toEqual(page(9));

    // A zero count in a segment means "no records here", and the next header follows at once.
    const empty = encodeJournal({ pageSize, sectorSize: sector, originalPageCount: 20, nonce: 3, pages: [] });
    const both = new Uint8Array(empty.length + sector + r7.length);
    both.set(empty);
    both.set(h2, empty.length);
    both.set(r7, empty.length + sector);
    expect(decodeJournal(both)!.records.map((r) => r.pgno)).toEqual([7]);
  });

  it('skips records past the original size without checking them, and stops at pgno 0, the lock-byte page or a bad checksum', () => {
    const pageSize = 512;
    const mk = (pgnos: number[]): Uint8Array =>
      concat(
        encodeJournalHeader({ recordCount: pgnos.length, nonce: 5, originalPageCount: 10, sectorSize: 512, pageSize }),
        ...pgnos.map((p) => encodeJournalRecord(p, bytesFrom(p, pageSize), 5)),
      );
    const beyond = mk([1, 11, 2]);
    flip(beyond, 512 + 520 + 4 + 312); // damage the record for page 11 (a sampled byte)
    expect(decodeJournal(beyond)!.records.map((r) => r.pgno)).toEqual([1, 2]);

    const zero = mk([1, 0, 2]);
    expect(decodeJournal(zero)).toMatchObject({ end: 'bad-pgno' });
    expect(decodeJournal(zero)!.records.map((r) => r.pgno)).toEqual([1]);

    const bad = mk([1, 3, 2]);
    flip(bad, 512 + 520 + 4 + 312);
    expect(decodeJournal(bad)).toMatchObject({ end: 'bad-checksum' });
    expect(decodeJournal(bad)!.records.map((r) => r.pgno)).toEqual([1]);

    // Page size 512: the lock-byte page is 2097153.
    const big = concat(
      encodeJournalHeader({ recordCount: 2, nonce: 5, originalPageCount: 3_000_000, sectorSize: 512, pageSize }),
      encodeJournalRecord(4, bytesFrom(4, pageSize), 5),
      encodeJournalRecord(lockBytePgno(pageSize), bytesFrom(4, pageSize), 5),
    );
    expect(decodeJournal(big)).toMatchObject({ end: 'bad-pgno' });
    expect(decodeJournal(big)!.records.map((r) => r.pgno)).toEqual([4]);
  });

  it('takes the page size from the database when the header says 0', () => {
    const bytes = encodeJournal({ pageSize: 1024, sectorSize: 512, originalPageCount: 4, nonce: 1, pages: [{ pgno: 2, data: bytesFrom(2, 1024) }] });
    bytes.fill(0, 24, 28);
    expect(decodeJournal(bytes)).toBeUndefined();
    expect(decodeJournal(bytes, 1024)!.records.map((r) => r.pgno)).toEqual([2]);
  });
});

describe('super-journal name', () => {
  it('round-trips any name; the records before it are played back and the block itself stops playback', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => !s.includes('\0')),
        pageSizeArb,
        (name, pageSize) => {
          const journal = encodeJournal({ pageSize, sectorSize: 512, originalPageCount: 3, nonce: 9, pages: [{ pgno: 3, data: bytesFrom(3, pageSize) }] });
          const block = encodeSuperJournalName(name, pageSize);
          const bytes = concat(journal, block);
          const last16 = bytes.subarray(bytes.length - SUPER_JOURNAL_TRAILER);
          const length = superJournalNameLength(last16, bytes.length, 10_000);
          const encoded = new TextEncoder().encode(name);
          expect(length).toBe(encoded.length);
          const nameBytes = bytes.subarray(bytes.length - SUPER_JOURNAL_TRAILER - length!, bytes.length - SUPER_JOURNAL_TRAILER);
          expect(decodeSuperJournalName(nameBytes, last16)).toBe(name);
          // Playback: the one record, then the block reads as a record header for the lock-byte page
          // (or runs past the end of the file, for big pages).
          const decoded = decodeJournal(bytes)!;
          expect(decoded.records.map((r) => r.pgno)).toEqual([3]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('uses signed bytes for the checksum, and accepts the unsigned reading too', () => {
    const name = new Uint8Array([0x61, 0xc3, 0xa9]); // "aé"
    expect(superJournalChecksum(name)).toBe((0x61 + (0xc3 - 256) + (0xa9 - 256)) >>> 0);
    expect(superJournalChecksum(name, false)).toBe(0x61 + 0xc3 + 0xa9);
    const trailer = new Uint8Array(16);
    trailer.set(JOURNAL_MAGIC, 8);
    for (const signed of [true, false]) {
      new DataView(trailer.buffer).setUint32(4, superJournalChecksum(name, signed));
      expect(decodeSuperJournalName(name, trailer)).toBe('aé');
    }
    new DataView(trailer.buffer).setUint32(4, 12345);
    expect(decodeSuperJournalName(name, trailer)).toBeUndefined();
  });

  it('is absent when the trailer is not one: no magic, zero or oversized length', () => {
    const trailer = new Uint8Array(16);
    new DataView(trailer.buffer).setUint32(0, 5);
    expect(superJournalNameLength(trailer, 100, 512)).toBeUndefined(); // no magic
    trailer.set(JOURNAL_MAGIC, 8);
    expect(superJournalNameLength(trailer, 100, 512)).toBe(5);
    expect(superJournalNameLength(trailer, 20, 512)).toBeUndefined(); // longer than the file allows
    expect(superJournalNameLength(trailer, 100, 4)).toBeUndefined(); // longer than a path may be
    new DataView(trailer.buffer).setUint32(0, 0);
    expect(superJournalNameLength(trailer, 100, 512)).toBeUndefined();
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function flip(bytes: Uint8Array, at: number): void {
  bytes[at] = bytes[at]! ^ 0xff;
}
