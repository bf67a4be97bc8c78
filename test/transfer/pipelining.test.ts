/**
 * Import and export keep the store busy without over-running it: exactly up to `concurrency`
 * requests in flight, block 0 last on import, the stale-block listing alongside the uploads, and
 * after a failed upload nothing keeps running behind the caller's back.
 */
import { describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectInfo, ObjectStore, WriteConditions, DeleteManyOptions } from '../../src/store/object-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { serialize } from '../../src/transfer/serialize.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory store whose requests take a little while, watched: in flight now, most at once, order. */
class SlowStore implements ObjectStore {
  readonly inner = new MemoryObjectStore();
  readonly url = 'slow:';
  readonly requests = this.inner.requests;
  inFlight = 0;
  maxInFlight = 0;
  readonly log: string[] = [];
  failPut: ((key: string) => boolean) | undefined;

  async #timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.log.push(`start ${what}`);
    try {
      await tick(2);
      return await fn();
    } finally {
      this.inFlight--;
      this.log.push(`end ${what}`);
    }
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.#timed(`get ${key}`, () => this.inner.get(key));
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.#timed(`head ${key}`, () => this.inner.head(key));
  }
  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    return this.#timed(`put ${key}`, async () => {
      if (this.failPut?.(key) === true) throw new IoError(`injected failure writing ${key}`);
      return this.inner.put(key, data, conditions);
    });
  }
  delete(key: string, conditions?: WriteConditions): Promise<void> {
    return this.#timed(`delete ${key}`, () => this.inner.delete(key, conditions));
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    return this.#timed(`deleteMany ${keys.length}`, () => this.inner.deleteMany(keys, options));
  }
  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    this.log.push(`list ${prefix}`);
    yield* this.inner.list(prefix, startAfter);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const DB = makeDatabaseBytes(
  `PRAGMA page_size=512; CREATE TABLE t(x); INSERT INTO t SELECT randomblob(400) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 120) SELECT i FROM s);`,
);
const BLOCKS = DB.length / 512;

describe('deserialize pipelining', () => {
  it('fills exactly `concurrency` slots and writes block 0 last; with `replace`, debris of an interrupted import goes first', async () => {
    const store = new SlowStore();
    // An interrupted earlier import: blocks without block 0. Refused without `replace`.
    for (let i = 1; i < BLOCKS + 5; i++) await store.inner.put(`db/${String(i).padStart(10, '0')}`, new Uint8Array(512));
    await expect(deserialize(new BlockStore(store, 'db'), [DB], { blockSize: 512 })).rejects.toThrow(/interrupted import/);
    store.log.length = 0;
    const result = await deserialize(new BlockStore(store, 'db'), [DB], { blockSize: 512, concurrency: 7, replace: true });
    expect(result).toMatchObject({ bytes: DB.length, blocks: BLOCKS, removedBlocks: BLOCKS + 4, replaced: false });
    expect(store.maxInFlight).toBe(7);
    expect(store.inFlight).toBe(0);
    const starts = store.log.filter((l) => l.startsWith('start') && !l.includes('db-'));
    // The debris went before the first upload; block 0 was written last.
    expect(starts.findIndex((l) => l.startsWith('start deleteMany'))).toBeLessThan(starts.findIndex((l) => l.startsWith('start put')));
    expect(starts.at(-1)).toBe('start put db/0000000000');
    const back = new Uint8Array(DB.length);
    for (let i = 0; i < BLOCKS; i++) back.set((await store.inner.get(`db/${String(i).padStart(10, '0')}`))!, i * 512);
    expect(Buffer.compare(back, DB)).toBe(0);
  });

  it('after a failed upload starts no new one, waits for those in flight, never writes block 0', async () => {
    const store = new SlowStore();
    store.failPut = (key) => key === 'db/0000000020';
    const err = await deserialize(new BlockStore(store, 'db'), [DB], { blockSize: 512, concurrency: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain('db/0000000020');
    expect(store.inFlight).toBe(0);
    const puts = store.log.filter((l) => l.startsWith('start put')).length;
    // Block 20 fails after blocks 1..19 were started; at most the 4 slots' worth follow it.
    expect(puts).toBeLessThanOrEqual(20 + 4);
    expect(await store.inner.get('db/0000000000')).toBeUndefined();
  });
});

describe('serialize pipelining', () => {
  it('keeps up to `concurrency` reads in flight and yields the file in order', async () => {
    const store = new SlowStore();
    await deserialize(new BlockStore(store.inner, 'db'), [DB], { blockSize: 512 });
    const file = await new BlockVfs(store).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    store.maxInFlight = 0;
    const parts: Uint8Array[] = [];
    for await (const chunk of serialize(file, { concurrency: 9 })) parts.push(chunk);
    await file.xClose();
    expect(store.maxInFlight).toBe(9);
    expect(Buffer.compare(Buffer.concat(parts), DB)).toBe(0);
  });
});
