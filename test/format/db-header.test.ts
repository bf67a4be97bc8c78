import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptError, NotADatabaseError } from '../../src/errors.js';
import { decodeDatabaseHeader, encodeDatabaseHeader, type DatabaseHeader } from '../../src/format/db-header.js';
import { TempDir, makeDb, scalar } from '../btree/sqlite-fixture.js';

const tmp = new TempDir();
afterAll(() => tmp.cleanup());

const ENCODINGS = { 'UTF-8': 1, 'UTF-16le': 2, 'UTF-16be': 3 } as const;

describe('decodeDatabaseHeader against the sqlite3 shell', () => {
  const cases = [
    { pageSize: 512, encoding: 'UTF-8', autoVacuum: 0, userVersion: 0, appId: 0, reserve: 0 },
    { pageSize: 1024, encoding: 'UTF-16le', autoVacuum: 1, userVersion: -5, appId: -123, reserve: 0 },
    { pageSize: 4096, encoding: 'UTF-16be', autoVacuum: 2, userVersion: 2147483647, appId: 0x12345678, reserve: 32 },
    { pageSize: 65536, encoding: 'UTF-8', autoVacuum: 0, userVersion: 7, appId: 1, reserve: 0 },
  ] as const;
  it.each(cases)('%o', (c) => {
    const path = tmp.file();
    const bytes = makeDb(
      path,
      [
        `PRAGMA page_size=${c.pageSize};`,
        // The reserve must be set before any other statement touches the new file.
        c.reserve > 0 ? `.filectrl reserve_bytes ${c.reserve}` : '',
        `PRAGMA encoding='${c.encoding}';`,
        `PRAGMA auto_vacuum=${c.autoVacuum};`,
        'CREATE TABLE a(x); CREATE TABLE b(y); CREATE INDEX bi ON b(y);',
        "INSERT INTO a SELECT printf('%.*c', 2000, 'q') FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);",
        'DELETE FROM a WHERE rowid = 2;',
        `PRAGMA user_version=${c.userVersion};`,
        `PRAGMA application_id=${c.appId};`,
      ].join('\n'),
    );
    const h = decodeDatabaseHeader(bytes);
    expect(h.pageSize).toBe(Number(scalar(path, 'PRAGMA page_size')));
    expect(h.pageCount).toBe(Number(scalar(path, 'PRAGMA page_count')));
    expect(h.pageCountValid).toBe(true);
    expect(h.freelistCount).toBe(Number(scalar(path, 'PRAGMA freelist_count')));
    expect(h.schemaCookie).toBe(Number(scalar(path, 'PRAGMA schema_version')));
    expect(h.userVersion).toBe(c.userVersion);
    expect(h.applicationId).toBe(c.appId);
    expect(h.textEncoding).toBe(ENCODINGS[scalar(path, 'PRAGMA encoding') as keyof typeof ENCODINGS]);
    expect(h.largestRootPage !== 0).toBe(c.autoVacuum !== 0);
    expect(h.incrementalVacuum !== 0).toBe(c.autoVacuum === 2);
    expect(h.reservedBytes).toBe(c.reserve);
    expect(h.usableSize).toBe(c.pageSize - c.reserve);
    expect(h.schemaFormat).toBe(4);
    expect(h.writeVersion).toBe(1);
    expect(h.readVersion).toBe(1);
    expect(h.sqliteVersion).toBe(3040001);
    expect(h.defaultCacheSize).toBe(0);
    // Re-encoding gives the same 100 bytes.
    expect(encodeDatabaseHeader(h)).toEqual(bytes.subarray(0, 100));
  });
});

const headerArb: fc.Arbitrary<Omit<DatabaseHeader, 'usableSize' | 'pageCountValid'>> = fc
  .record({
    pageSize: fc.integer({ min: 9, max: 16 }).map((e) => 2 ** e),
    writeVersion: fc.integer({ min: 1, max: 2 }),
    readVersion: fc.integer({ min: 1, max: 2 }),
    reservedBytes: fc.integer({ min: 0, max: 32 }),
    changeCounter: fc.nat({ max: 0xffffffff }),
    pageCount: fc.nat({ max: 0xffffffff }),
    firstFreelistTrunk: fc.nat({ max: 0xffffffff }),
    freelistCount: fc.nat({ max: 0xffffffff }),
    schemaCookie: fc.nat({ max: 0xffffffff }),
    schemaFormat: fc.integer({ min: 1, max: 4 }),
    defaultCacheSize: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    largestRootPage: fc.nat({ max: 0xffffffff }),
    textEncoding: fc.constantFrom(1 as const, 2 as const, 3 as const),
    userVersion: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    incrementalVacuum: fc.nat({ max: 1 }),
    applicationId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    versionValidFor: fc.nat({ max: 0xffffffff }),
    sqliteVersion: fc.nat({ max: 9999999 }),
  })
  .map((h) => ({ ...h, maxPayloadFraction: 64, minPayloadFraction: 32, leafPayloadFraction: 32 }));

describe('encode/decode', () => {
  it('round-trips every field', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const d = decodeDatabaseHeader(encodeDatabaseHeader(h));
        expect(d).toEqual({
          ...h,
          usableSize: h.pageSize - h.reservedBytes,
          pageCountValid: h.pageCount !== 0 && h.versionValidFor === h.changeCounter,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('rejects what SQLite rejects', () => {
    const good = encodeDatabaseHeader({
      pageSize: 4096, writeVersion: 1, readVersion: 1, reservedBytes: 0, maxPayloadFraction: 64, minPayloadFraction: 32,
      leafPayloadFraction: 32, changeCounter: 1, pageCount: 1, firstFreelistTrunk: 0, freelistCount: 0, schemaCookie: 0,
      schemaFormat: 4, defaultCacheSize: 0, largestRootPage: 0, textEncoding: 1, userVersion: 0, incrementalVacuum: 0,
      applicationId: 0, versionValidFor: 1, sqliteVersion: 3040001,
    });
    expect(decodeDatabaseHeader(good).pageSize).toBe(4096);
    const bad = (edit: (b: Uint8Array) => void): Uint8Array => {
      const b = good.slice();
      edit(b);
      return b;
    };
    const notDb = [
      good.subarray(0, 99),
      bad((b) => (b[0] = 0x73)), // magic
      bad((b) => (b[15] = 1)),
      bad((b) => { b[16] = 0x0b; b[17] = 0xb8; }), // 3000
      bad((b) => { b[16] = 0x01; b[17] = 0x00; }), // 256
      bad((b) => { b[16] = 0; b[17] = 0; }),
      bad((b) => (b[19] = 3)), // read version
      bad((b) => (b[21] = 65)),
      bad((b) => (b[22] = 0)),
      bad((b) => (b[23] = 33)),
      bad((b) => { b[16] = 0x02; b[17] = 0x00; b[20] = 33; }), // 512 - 33 < 480
      bad((b) => (b[47] = 5)), // schema format 5
    ];
    for (const b of notDb) expect(() => decodeDatabaseHeader(b)).toThrow(NotADatabaseError);
    expect(() => decodeDatabaseHeader(bad((b) => (b[59] = 4)))).toThrow(CorruptError);
    // Write version 3 only makes the file read-only; 512 with 32 reserved is exactly 480.
    expect(decodeDatabaseHeader(bad((b) => (b[18] = 3))).writeVersion).toBe(3);
    expect(decodeDatabaseHeader(bad((b) => { b[16] = 0x02; b[17] = 0x00; b[20] = 32; })).usableSize).toBe(480);
    expect(decodeDatabaseHeader(bad((b) => { b[16] = 0; b[17] = 1; })).pageSize).toBe(65536);
  });
});
