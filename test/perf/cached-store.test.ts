/**
 * The persistent local block cache (src/store/cached-store.ts): a second inspection of an
 * unchanged database costs one GET of block 0 plus the reader's journal checks (one at open,
 * one at the start of each later read; the end checks are free when nothing was fetched) and
 * returns the same answers; after the
 * database changes, the cache is dropped and the blocks fetched again; writes through the cache
 * un-validate it; anything that is not a rollback-mode database passes straight through.
 * The cache is a real DirectoryObjectStore on a temporary directory, as `cacheDir` would use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { BlockStore } from '../../src/store/block-store.js';
import { CachedObjectStore, namespaceFor } from '../../src/store/cached-store.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { RequestCounts } from '../../src/store/object-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { makeDatabaseBytes, tempDir } from '../support/sqlite3.js';

const SQL = `PRAGMA page_size=1024;
CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);
CREATE INDEX t_body ON t(body);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 400)
INSERT INTO t SELECT i, printf('row %d %s', i, hex(randomblob(40))) FROM s;`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function delta(after: RequestCounts, before: RequestCounts): RequestCounts {
  return {
    get: after.get - before.get,
    head: after.head - before.head,
    put: after.put - before.put,
    delete: after.delete - before.delete,
    list: after.list - before.list,
  };
}

async function upload(remote: MemoryObjectStore, bytes: Uint8Array, blockSize = 1024): Promise<void> {
  // `replace`: where a test uploads a second time, that is "another writer changes the database".
  await deserialize(new BlockStore(remote, 'db'), [bytes], { blockSize, replace: true });
}

function cachedOver(remote: MemoryObjectStore, dir: string, now?: () => number): CachedObjectStore {
  return new CachedObjectStore(remote, { cache: new DirectoryObjectStore(dir, { sync: false }), ...(now && { now }) });
}

/** What a user inspecting the database sees: tables with counts, and every row. */
async function inspect(objects: CachedObjectStore): Promise<unknown> {
  const db = await Database.open({ objects, prefix: 'db' });
  try {
    const tables = await db.tables();
    const rows: unknown[] = [];
    for await (const row of db.rows('t')) rows.push(row);
    return { tables, rows };
  } finally {
    await db.close();
  }
}

describe('CachedObjectStore', () => {
  it.each([1024, 4096])('serves a second inspection of an unchanged database with 1 GET of block 0 and 2 of the journal (block size %i)', async (blockSize) => {
    const { dir, cleanup } = tempDir('s3lite-cache');
    cleanups.push(cleanup);
    const remote = new MemoryObjectStore();
    await upload(remote, makeDatabaseBytes(SQL), blockSize);

    let before = { ...remote.requests };
    const first = await inspect(cachedOver(remote, dir));
    const firstCost = delta(remote.requests, before);
    expect(firstCost.get).toBeGreaterThan(10);

    // A new process: a new wrapper over the same directory.
    before = { ...remote.requests };
    const store = cachedOver(remote, dir);
    const second = await inspect(store);
    // Block 0 at open; `db-journal/0000000000` (absent) at open and when `rows` begins (its block 0
    // comes from memory: within a second, and every block since came from the cache).
    expect(delta(remote.requests, before)).toEqual({ get: 3, head: 0, put: 0, delete: 0, list: 0 });
    expect(await remote.get('db-journal/0000000000')).toBeUndefined();
    expect(second).toEqual(first);
    expect(store.counts.hits).toBeGreaterThan(10);
  });

  it('refetches after the database changes, then is back to 1 GET of block 0 (plus the journal checks)', async () => {
    const { dir, cleanup } = tempDir('s3lite-cache');
    cleanups.push(cleanup);
    const remote = new MemoryObjectStore();
    await upload(remote, makeDatabaseBytes(SQL));
    await inspect(cachedOver(remote, dir));

    // Another writer changes the database (new bytes, new change counter).
    await upload(remote, makeDatabaseBytes(`${SQL}\nUPDATE t SET body = 'changed' WHERE id = 7; DELETE FROM t WHERE id > 390;`));
    let before = { ...remote.requests };
    const store = cachedOver(remote, dir);
    const after = (await inspect(store)) as { rows: unknown[][] };
    expect(delta(remote.requests, before).get).toBeGreaterThan(10);
    expect(store.counts.invalidations).toBe(1);
    expect(after.rows.length).toBe(390);
    expect(after.rows[6]).toEqual([7, 'changed']);

    before = { ...remote.requests };
    const again = await inspect(cachedOver(remote, dir));
    expect(delta(remote.requests, before).get).toBe(3);
    expect(again).toEqual(after);
  });

  it('writes through the store un-validate the prefix: the next block GETs go to the remote', async () => {
    const { dir, cleanup } = tempDir('s3lite-cache');
    cleanups.push(cleanup);
    const remote = new MemoryObjectStore();
    await upload(remote, makeDatabaseBytes(SQL));
    await inspect(cachedOver(remote, dir));
    const store = cachedOver(remote, dir);
    await store.get('db/0000000000');
    // Block 3 into the cache (the inspection may not have read it: `tables` counts an index
    // from its table without reading the index's pages).
    await store.get('db/0000000003');
    let before = remote.requests.get;
    const cachedBlock = await store.get('db/0000000003');
    expect(remote.requests.get).toBe(before); // from the cache
    const changed = cachedBlock!.slice();
    changed[200] = changed[200]! ^ 0xff;
    await store.put('db/0000000003', changed);
    before = remote.requests.get;
    expect(await store.get('db/0000000003')).toEqual(changed);
    expect(remote.requests.get).toBe(before + 1);
  });

  it('passes through what it cannot validate: non-database files, WAL-mode databases, unknown keys', async () => {
    const { dir, cleanup } = tempDir('s3lite-cache');
    cleanups.push(cleanup);
    const remote = new MemoryObjectStore();
    await remote.put('j/0000000000', new Uint8Array(512).fill(7)); // a journal-like file
    await remote.put('j/0000000001', new Uint8Array(512).fill(8));
    const wal = makeDatabaseBytes(SQL);
    wal[18] = 2;
    wal[19] = 2;
    await upload(remote, wal);
    await remote.put('lease', new Uint8Array([1]));
    for (let round = 0; round < 2; round++) {
      const store = cachedOver(remote, dir);
      const before = remote.requests.get;
      await store.get('j/0000000000');
      await store.get('j/0000000001');
      await store.get('db/0000000000');
      await store.get('db/0000000002');
      await store.get('lease');
      expect(remote.requests.get - before).toBe(5);
      expect(store.counts.hits).toBe(0);
    }
  });

  it('re-reads block 0 from the remote once the freshness window has passed or a block came from the remote', async () => {
    const { dir, cleanup } = tempDir('s3lite-cache');
    cleanups.push(cleanup);
    const remote = new MemoryObjectStore();
    await upload(remote, makeDatabaseBytes(SQL));
    await inspect(cachedOver(remote, dir));
    let clock = 0;
    const store = cachedOver(remote, dir, () => clock);
    const get0 = async (): Promise<number> => {
      const before = remote.requests.get;
      await store.get('db/0000000000');
      return remote.requests.get - before;
    };
    expect(await get0()).toBe(1);
    expect(await get0()).toBe(0); // within the window, only cache hits since
    clock += 1001;
    expect(await get0()).toBe(1); // window passed
    // A block the cache does not hold comes from the remote: block 0 must be re-read next time.
    const ns = namespaceFor(remote.url);
    await new DirectoryObjectStore(dir).delete(`${ns}/db/0000000004`);
    await store.get('db/0000000004');
    expect(await get0()).toBe(1);
  });

  it('blocks larger than pages: a read-ahead scan through the cache store GETs each block once', async () => {
    const remote = new MemoryObjectStore();
    // 1024-byte pages in 8192-byte blocks: 8 pages per object.
    await upload(remote, makeDatabaseBytes(SQL), 8192);
    expect((await remote.head('db/0000000000'))?.size).toBe(8192);
    const blocks = (await listKeys(remote)).length;
    expect(blocks).toBeGreaterThan(3);

    const scan = async (objects: MemoryObjectStore | CachedObjectStore): Promise<unknown[]> => {
      const db = await Database.open({ objects, prefix: 'db' });
      const rows: unknown[] = [];
      for await (const row of db.rows('t')) rows.push(row);
      await db.close();
      return rows;
    };
    let before = remote.requests.get;
    const plainRows = await scan(remote);
    const plainGets = remote.requests.get - before;
    // Without a block cache every page read GETs its whole block.
    expect(plainGets).toBeGreaterThan(blocks);

    before = remote.requests.get;
    const cachedRows = await scan(new CachedObjectStore(remote, { cache: new MemoryObjectStore() }));
    const cachedGets = remote.requests.get - before;
    expect(cachedRows).toEqual(plainRows);
    // Block 0 (open, then page 1 again unless within the freshness window) + each other block at
    // most once + the reader's checks: the journal at open, the journal and block 0 at the end.
    expect(cachedGets).toBeLessThanOrEqual(blocks + 1 + 3);
  });
});

async function listKeys(store: MemoryObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list('db/')) keys.push(info.key);
  return keys;
}
