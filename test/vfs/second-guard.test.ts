/**
 * The second guard (block-file.ts): a writer's block overwrite carries If-Match with the etag it
 * read, so a write that ARRIVES after another writer changed the block — sent while the fence was
 * open, delayed past a takeover — is refused by the store and changes nothing. A refusal while
 * the fence is still open is stale knowledge, and the block is written over what is there.
 *
 * The memory store enforces If-Match / If-None-Match as S3 documents. `LateStore` stands for the
 * network: when writer A's PUT of a chosen block goes out, another writer's write of that block
 * lands first, and A's lease deadline passes while A's request is on its way.
 */
import { describe, expect, it } from 'vitest';
import { BusyError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { DeleteManyOptions, ObjectInfo, ObjectStore, RequestCounts, VersionedObject, WriteConditions } from '../../src/store/object-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { LockLevel, OpenFlags } from '../../src/vfs/vfs.js';

const RW_CREATE = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_CREATE | OpenFlags.SQLITE_OPEN_MAIN_DB;
const BS = 512;

class LateStore implements ObjectStore {
  readonly url = 'late:';
  /** When set: the PUT of this key meets `intrude` first, then `afterSend` (A's deadline passes). */
  trap: { key: string; intrude?: () => Promise<void>; afterSend?: () => void } | undefined;
  sprung = false;
  readonly getVersioned?: (key: string) => Promise<VersionedObject | undefined>;
  constructor(
    readonly inner: MemoryObjectStore,
    versioned = true,
  ) {
    if (versioned) this.getVersioned = (key) => this.inner.getVersioned(key);
  }
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    const trap = this.trap;
    if (trap === undefined || key !== trap.key || this.sprung) return this.inner.put(key, data, conditions);
    this.sprung = true;
    // A's request passed its fence and is on the wire: from here the fence no longer stops it.
    const { fence: _sent, ...onTheWire } = conditions ?? {};
    await trap.intrude?.();
    trap.afterSend?.();
    return this.inner.put(key, data, onTheWire);
  }
  delete(key: string, conditions?: WriteConditions): Promise<void> {
    return this.inner.delete(key, conditions);
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    return this.inner.deleteMany(keys, options);
  }
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const fill = (byte: number, n = BS): Uint8Array => new Uint8Array(n).fill(byte);

/** Writer A on `store` with a test clock; a 3-block file 'db' already written (0x01 bytes). */
async function writerA(store: ObjectStore) {
  let offset = 0;
  const vfs = new BlockVfs(store, { blockSize: BS, lease: { durationMs: 10_000, renewEveryMs: 3_000, now: () => Date.now() + offset } });
  const file = await vfs.xOpen('db', RW_CREATE);
  await file.xLock(LockLevel.SHARED);
  await file.xLock(LockLevel.RESERVED);
  await file.xWrite(fill(1, 3 * BS), 0);
  await file.xSync(0);
  return { file, expire: () => (offset = 60_000) };
}

async function blockBytes(store: MemoryObjectStore, index: number): Promise<number | undefined> {
  return (await store.get(`db/${String(index).padStart(10, '0')}`))?.[0];
}

describe('the second guard on block writes', () => {
  it('refuses a late overwrite of a block another writer changed; nothing of it lands', async () => {
    const inner = new MemoryObjectStore();
    const store = new LateStore(inner);
    const { file, expire } = await writerA(store);
    await file.xRead(BS, BS); // A reads block 1 (its etag), then changes it
    await file.xWrite(fill(2), BS);
    store.trap = { key: 'db/0000000001', intrude: async () => void (await inner.put('db/0000000001', fill(9))), afterSend: expire };
    const err = await file.xSync(0).then(() => undefined, (e: unknown) => e);
    expect(store.sprung).toBe(true);
    expect(err).toBeInstanceOf(BusyError);
    expect(String((err as Error).message)).toMatch(/lost the write lease/);
    expect(await blockBytes(inner, 1)).toBe(9); // the other writer's block stands
  });

  it('without etags (a store that cannot tell) the same late write tears the block: what the guard prevents', async () => {
    const inner = new MemoryObjectStore();
    const store = new LateStore(inner, false);
    const { file, expire } = await writerA(store);
    await file.xRead(BS, BS);
    await file.xWrite(fill(2), BS);
    store.trap = { key: 'db/0000000001', intrude: async () => void (await inner.put('db/0000000001', fill(9))), afterSend: expire };
    await file.xSync(0);
    expect(await blockBytes(inner, 1)).toBe(2); // A's late write overwrote the other writer's
  });

  it('refuses a late creation of a block another writer created', async () => {
    const inner = new MemoryObjectStore();
    const store = new LateStore(inner);
    const { file, expire } = await writerA(store);
    await file.xWrite(fill(3), 3 * BS); // grows the file: block 3 is new
    store.trap = { key: 'db/0000000003', intrude: async () => void (await inner.put('db/0000000003', fill(9))), afterSend: expire };
    await expect(file.xSync(0)).rejects.toBeInstanceOf(BusyError);
    expect(await blockBytes(inner, 3)).toBe(9);
  });

  it('with the fence still open, a refusal is stale knowledge: one HEAD, and the block is written', async () => {
    const inner = new MemoryObjectStore();
    const store = new LateStore(inner);
    const { file } = await writerA(store);
    await file.xRead(BS, BS);
    await file.xWrite(fill(2), BS);
    await file.xWrite(fill(4), 4 * BS); // block 4: new (block 3 a hole) …
    await inner.put('db/0000000004', fill(7)); // … but debris of an interrupted shrink is there
    store.trap = { key: 'db/0000000001', intrude: async () => void (await inner.put('db/0000000001', fill(9))) };
    const heads = inner.requests.head;
    await file.xSync(0);
    expect(inner.requests.head - heads).toBe(2);
    expect(await blockBytes(inner, 1)).toBe(2);
    expect(await blockBytes(inner, 4)).toBe(4);
  });

  it('costs no request of its own when nothing interferes: etags come with the GETs and PUTs', async () => {
    const inner = new MemoryObjectStore();
    const { file } = await writerA(new LateStore(inner));
    const before = { ...inner.requests };
    await file.xRead(BS, BS);
    await file.xWrite(fill(5), BS);
    await file.xSync(0);
    await file.xWrite(fill(6), BS); // overwrites what A itself wrote: the PUT's etag guards it
    await file.xSync(0);
    expect(inner.requests.get - before.get).toBe(1);
    expect(inner.requests.head - before.head).toBe(0);
    expect(await blockBytes(inner, 1)).toBe(6);
  });
});
