/**
 * `deserialize(…, { replace: true })` in its corners: what it refuses before writing anything,
 * an input that turns out shorter or longer than its header (the old database comes back at once),
 * the block size it keeps, and a dead writer's hot journal rolled back before the replace.
 */
import { describe, expect, it } from 'vitest';
import { CorruptError, MisuseError, NotADatabaseError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { INITIAL_SQL, crashedStore, exportFile, sameBytes, uploadDatabase } from '../safety/harness.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';

const OLD = makeDatabaseBytes(
  `PRAGMA page_size=1024; CREATE TABLE t(x); INSERT INTO t SELECT randomblob(800) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 100) SELECT i FROM s);`,
);
const NEW = makeDatabaseBytes(
  `PRAGMA page_size=2048; CREATE TABLE u(y); INSERT INTO u SELECT randomblob(1500) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 80) SELECT i FROM s);`,
);

async function storeWith(bytes: Uint8Array, blockSize: number): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  await uploadDatabase(store, 'db', bytes, blockSize);
  return store;
}

/** Every key and its bytes: to show that nothing was written (the lease comes and goes). */
async function contents(store: MemoryObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const o of store.list('')) out.set(o.key, Buffer.from((await store.get(o.key))!).toString('hex'));
  return out;
}

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('deserialize with replace: true', () => {
  it('keeps the old block size, and refuses another one explicitly asked for, writing nothing', async () => {
    const store = await storeWith(OLD, 4096);
    const before = await contents(store);
    await expect(deserialize(new BlockStore(store, 'db'), [NEW], { replace: true, blockSize: 1024 })).rejects.toBeInstanceOf(MisuseError);
    expect(await contents(store)).toEqual(before);
    const result = await deserialize(new BlockStore(store, 'db'), [NEW], { replace: true });
    expect(result.blockSize).toBe(4096);
    expect(sameBytes(await exportFile(store, 'db'), restoredBySqlite(OLD, NEW))).toBe(true);
  });

  it('refuses to replace something that is not a whole database (it could not be journaled), writing nothing', async () => {
    const store = new MemoryObjectStore();
    await uploadDatabase(store, 'db', new Uint8Array(5000).fill(7), 1024);
    const before = await contents(store);
    const err = await deserialize(new BlockStore(store, 'db'), [NEW], { replace: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptError);
    expect((err as Error).message).toMatch(/^the 5000 bytes at memory:db are not a whole SQLite database .*remove it first/);
    expect(await contents(store)).toEqual(before);
  });

  it('an input shorter or longer than its header says is found at the end, and the old database is back at once', async () => {
    for (const input of [NEW.subarray(0, NEW.length - 3000), new Uint8Array([...NEW, ...new Uint8Array(2048)])]) {
      const store = await storeWith(OLD, 1024);
      const err = await deserialize(new BlockStore(store, 'db'), chunks(input, 700), { replace: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotADatabaseError);
      expect((err as Error).message).toMatch(/(shorter than|longer than) the \d+ bytes its header describes; the database at memory:db was left as it was$/);
      expect(sameBytes(await exportFile(store, 'db'), OLD)).toBe(true);
      expect(await exportFile(store, 'db-journal')).toBeUndefined();
      expect(await store.get('db-lock')).toBeUndefined();
    }
  });

  it('rolls back a dead writer’s hot journal first: the replace starts from the last committed state', async () => {
    const initial = makeDatabaseBytes(INITIAL_SQL);
    const store = await crashedStore(initial); // a commit crashed half way: hot journal, no lease
    expect(await exportFile(store, 'db-journal')).toBeDefined();
    await deserialize(new BlockStore(store, 'db'), [NEW], { replace: true });
    // Counter and cookie continue from the rolled-back database, as .restore over it would.
    expect(sameBytes(await exportFile(store, 'db'), restoredBySqlite(initial, NEW))).toBe(true);
    expect(await exportFile(store, 'db-journal')).toBeUndefined();
  });

  it('replaces with a database of one short block: the old blocks go, then block 0', async () => {
    const tiny = makeDatabaseBytes(`PRAGMA page_size=512; PRAGMA user_version=3;`);
    const store = await storeWith(OLD, 4096);
    const result = await deserialize(new BlockStore(store, 'db'), [tiny], { replace: true });
    expect(result).toMatchObject({ blocks: 1, removedBlocks: Math.ceil(OLD.length / 4096) - 1 });
    expect(sameBytes(await exportFile(store, 'db'), restoredBySqlite(OLD, tiny))).toBe(true);
    const keys: string[] = [];
    for await (const o of store.list('db/')) keys.push(o.key);
    expect(keys).toEqual(['db/0000000000']);
  });
});
