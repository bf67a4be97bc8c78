/**
 * Import and export are byte-exact: databases made by the real sqlite3 shell, with random page
 * sizes and contents, cut into blocks smaller than, equal to and larger than the page size, come
 * back identical through every store — memory, a local directory and S3 (the test server).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotADatabaseError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { serializeToBytes } from '../../src/transfer/serialize.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { newTestBucket } from '../support/s3.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
import { makeDatabaseBytes, sqlLiteral, tempDir } from '../support/sqlite3.js';

const PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/** SQL that builds a database with the given page size and random rows (some overflow-sized). */
const databaseSql = fc
  .record({
    pageSize: fc.constantFrom(...PAGE_SIZES),
    rows: fc.array(
      fc.tuple(
        fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constant(null)),
        fc.oneof(fc.double({ noNaN: true }), fc.constant(null)),
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 3000 })),
        fc.uint8Array({ maxLength: 9000 }),
      ),
      { maxLength: 40 },
    ),
    deleteEvery: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ pageSize, rows, deleteEvery }) => {
    const inserts = rows
      .map((r) => `INSERT INTO t VALUES (${r.map((v) => sqlLiteral(v)).join(', ')});`)
      .join('\n');
    const deletes = deleteEvery > 0 ? `DELETE FROM t WHERE rowid % ${deleteEvery + 1} = 0;` : '';
    return {
      pageSize,
      sql: `PRAGMA page_size=${pageSize};
CREATE TABLE t (a INTEGER, b REAL, c TEXT, d BLOB);
CREATE INDEX t_c ON t (c);
BEGIN; ${inserts} COMMIT;
${deletes}`,
    };
  });

/** The database at `prefix`, as its blocks hold it. */
async function exported(objects: ObjectStore, prefix: string): Promise<Uint8Array> {
  const file = await new BlockVfs(objects).xOpen(prefix, OpenFlags.SQLITE_OPEN_READONLY);
  try {
    return await serializeToBytes(file);
  } finally {
    await file.xClose();
  }
}

function chunked(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes.length === 0 ? bytes.length : sizes[i % sizes.length]!);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

interface StoreUnderTest {
  readonly name: string;
  readonly runs: number;
  make(): Promise<ObjectStore>;
}

const cleanups: Array<() => void | Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

const stores: StoreUnderTest[] = [
  { name: 'memory', runs: 40, make: async () => new MemoryObjectStore() },
  {
    name: 'directory',
    runs: 15,
    make: async () => {
      const { dir, cleanup } = tempDir('s3lite-rt');
      cleanups.push(cleanup);
      return new DirectoryObjectStore(dir);
    },
  },
  {
    name: 's3',
    runs: 10,
    make: async () => {
      const { store, client } = await newTestBucket();
      cleanups.push(() => client.destroy());
      return store;
    },
  },
];

describe.each(stores)('round trip through the $name store', ({ name, make, runs }) => {
  let objects: ObjectStore;
  // The test server ignores conditional writes (the safety tests add them): no lease there.
  const locking = name === 's3' ? ('none' as const) : ('lease' as const);
  beforeAll(async () => {
    objects = await make();
    cleanups.push(() => objects.close());
  });

  it('export(import(f)) is byte-identical, for block sizes below, at and above the page size', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        databaseSql,
        fc.constantFrom(-2, -1, 0, 1, 2),
        fc.array(fc.integer({ min: 1, max: 70000 }), { maxLength: 5 }),
        async ({ pageSize, sql }, shift, chunkSizes) => {
          const original = makeDatabaseBytes(sql);
          // Block size: a power of two around the page size (¼×, ½×, 1×, 2×, 4×), and never
          // below 512 — plus an odd size now and then, which sqlite-s3vfs also allows.
          const blockSize = shift === -2 && pageSize === 512 ? 100 : Math.max(512, pageSize * 2 ** shift);
          const prefix = `db${n++}`;
          const target = new BlockStore(objects, prefix);
          const result = await deserialize(target, chunked(original, chunkSizes), { blockSize, concurrency: 8 });
          expect(result.bytes).toBe(original.length);
          expect(result.blocks).toBe(Math.ceil(original.length / blockSize));

          // The layout is exactly {prefix}/{index:010d}, full blocks but for the last.
          const listed: Array<{ key: string; size: number }> = [];
          for await (const info of objects.list(`${prefix}/`)) listed.push({ key: info.key, size: info.size });
          expect(listed.map((l) => l.key)).toEqual(
            Array.from({ length: result.blocks }, (_, i) => `${prefix}/${String(i).padStart(10, '0')}`),
          );
          listed.forEach((l, i) =>
            expect(l.size).toBe(i < listed.length - 1 ? blockSize : original.length - blockSize * (listed.length - 1)),
          );

          const file = await new BlockVfs(objects).xOpen(prefix, OpenFlags.SQLITE_OPEN_READONLY);
          const exported = await serializeToBytes(file, { concurrency: 4 });
          await file.xClose();
          expect(exported.length).toBe(original.length);
          expect(Buffer.compare(exported, original)).toBe(0);
        },
      ),
      { numRuns: runs },
    );
  });

  it('refuses to import over a database, and replaces it (removing the blocks past the new end) only when asked', async () => {
    const big = makeDatabaseBytes(`PRAGMA page_size=1024; CREATE TABLE t(x); INSERT INTO t SELECT zeroblob(5000) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3);`);
    const small = makeDatabaseBytes(`PRAGMA page_size=1024; CREATE TABLE t(x);`);
    const target = new BlockStore(objects, 'shrink');
    await deserialize(target, [big], { blockSize: 1024 });
    const puts = objects.requests.put;
    await expect(deserialize(target, [small], { blockSize: 1024 })).rejects.toThrow(/a database already exists at .*shrink; import --replace/);
    expect(objects.requests.put - puts).toBe(1); // the lease, nothing else
    const lists = objects.requests.list;
    const result = await deserialize(target, [small], { blockSize: 1024, replace: true, locking });
    // One LIST to find the database, one for the stale keys (it starts after the last block written).
    expect(objects.requests.list - lists).toBe(2);
    expect(result).toMatchObject({ replaced: true, journaledBytes: big.length });
    expect(result.removedBlocks).toBe(big.length / 1024 - small.length / 1024);
    const keys: string[] = [];
    for await (const info of objects.list('shrink/')) keys.push(info.key);
    expect(keys).toEqual(['shrink/0000000000', 'shrink/0000000001']);
    expect(Buffer.compare(await exported(objects, 'shrink'), restoredBySqlite(big, small))).toBe(0);
  });

  it('a replace over more than 1000 blocks costs two LISTs; 1000+ stale blocks are all removed', async () => {
    // 1200 blocks of 512 bytes: more than one S3 list page of existing keys under the prefix.
    const db = makeDatabaseBytes(
      `PRAGMA page_size=512; CREATE TABLE t(x); INSERT INTO t SELECT zeroblob(400) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 1150) SELECT i FROM s);`,
    );
    const blocks = db.length / 512;
    expect(blocks).toBeGreaterThan(1000);
    const target = new BlockStore(objects, 'relist');
    await deserialize(target, [db], { blockSize: 512 });
    let lists = objects.requests.list;
    const again = await deserialize(target, [db], { replace: true, locking });
    expect(objects.requests.list - lists).toBe(2);
    expect(again).toMatchObject({ removedBlocks: 0, blockSize: 512 });
    const once = restoredBySqlite(db, db);
    expect(Buffer.compare(await exported(objects, 'relist'), once)).toBe(0);
    // Shrinking to 2 blocks: the blocks past the end span two list pages on S3, and all go.
    const small = makeDatabaseBytes(`PRAGMA page_size=512; CREATE TABLE t(x);`);
    lists = objects.requests.list;
    const shrunk = await deserialize(target, [small], { blockSize: 512, replace: true, locking });
    expect(shrunk.removedBlocks).toBe(blocks - small.length / 512);
    expect(objects.requests.list - lists).toBeLessThanOrEqual(3);
    const keys: string[] = [];
    for await (const info of objects.list('relist/')) keys.push(info.key);
    expect(keys).toEqual(['relist/0000000000', 'relist/0000000001']);
    expect(Buffer.compare(await exported(objects, 'relist'), restoredBySqlite(once, small))).toBe(0);
  });

  it('refuses random bytes and truncated files before writing anything', async () => {
    const db = makeDatabaseBytes(`PRAGMA page_size=1024; CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(3000));`);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 5000 }).map((bytes) => ({ bytes, known: true })),
          fc.integer({ min: 0, max: db.length - 1 }).map((n) => ({ bytes: db.slice(0, n), known: true })),
        ),
        async ({ bytes }) => {
          const before = objects.requests.put;
          const target = new BlockStore(objects, 'refused');
          await expect(deserialize(target, [bytes], { sourceSize: bytes.length })).rejects.toBeInstanceOf(
            NotADatabaseError,
          );
          expect(objects.requests.put).toBe(before);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('deserialize from a stream of unknown length', () => {
  it('finds a truncation at the end, throws NotADatabaseError and leaves no new blocks', async () => {
    const objects = new MemoryObjectStore();
    const db = makeDatabaseBytes(`PRAGMA page_size=512; CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(4000));`);
    const truncated = db.slice(0, db.length - 700);
    await expect(deserialize(new BlockStore(objects, 'cut'), chunked(truncated, [333]), { blockSize: 512 })).rejects.toThrow(
      /shorter than/,
    );
    const keys: string[] = [];
    for await (const info of objects.list('cut/')) keys.push(info.key);
    expect(keys).toEqual([]);
  });

  it('refuses a header with a bad page size', async () => {
    const db = makeDatabaseBytes(`CREATE TABLE t(x);`);
    db[16] = 0x03; // page size 0x0300 = 768: not a power of two
    db[17] = 0x00;
    await expect(deserialize(new BlockStore(new MemoryObjectStore(), 'bad'), [db])).rejects.toBeInstanceOf(
      NotADatabaseError,
    );
  });
});
