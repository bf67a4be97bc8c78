/**
 * One contract, every ObjectStore: memory, a local directory, and S3 (the fauxqs test server,
 * reached through @aws-sdk/client-s3 exactly as production code reaches AWS).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError, PreconditionFailedError } from '../../src/errors.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectInfo, ObjectStore, RequestCounts } from '../../src/store/object-store.js';
import { newTestBucket } from '../support/s3.js';

interface StoreUnderTest {
  readonly store: ObjectStore;
  dispose(): Promise<void>;
}

interface ContractOptions {
  /** Whether the store enforces ifNoneMatch/ifMatch (fauxqs accepts but ignores them). */
  readonly enforcesConditions: boolean;
  /** Keys to delete in the big deleteMany test (S3: just over one 1000-key batch, to keep it quick). */
  readonly bulkKeys: number;
  /** Keys per LIST request (S3: 1000); undefined when one `list()` is one request whatever its size. */
  readonly listPageKeys?: number;
}

async function collect(iter: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of iter) out.push(info);
  return out;
}

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await collect(store.list(prefix))).map((info) => info.key);
}

/** Deterministic pseudo-random bytes (so a failure is reproducible). */
function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function total(counts: RequestCounts): number {
  return counts.get + counts.head + counts.put + counts.delete + counts.list;
}

function objectStoreContract(
  name: string,
  options: ContractOptions,
  make: () => Promise<StoreUnderTest>,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: ObjectStore;
    // Each test works under its own top-level prefix so tests do not see each other's objects.
    let n = 0;
    const ns = (): string => `t${++n}`;

    beforeAll(async () => {
      sut = await make();
      store = sut.store;
    });
    afterAll(async () => {
      await sut?.dispose();
    });

    it('get and head of a missing key give undefined', async () => {
      const p = ns();
      expect(await store.get(`${p}/missing`)).toBeUndefined();
      expect(await store.head(`${p}/missing`)).toBeUndefined();
      expect(await store.get(`${p}-nothing-here`)).toBeUndefined();
    });

    it.each([0, 1, 64 * 1024, 1024 * 1024])('put/get round-trips %i bytes; head reports size and etag', async (size) => {
      const p = ns();
      const data = bytes(size, size + 7);
      const { etag } = await store.put(`${p}/obj`, data);
      expect(etag).not.toBe('');
      const back = await store.get(`${p}/obj`);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(back?.length).toBe(size);
      expect(back !== undefined && Buffer.from(back).equals(Buffer.from(data))).toBe(true);
      const info = await store.head(`${p}/obj`);
      expect(info).toMatchObject({ key: `${p}/obj`, size, etag });
      // Where a store reports its clock (S3's Last-Modified and Date, a directory's mtime), the
      // object was written at or before the moment of the answer, within a second's truncation.
      if (info?.lastModified !== undefined || info?.serverNow !== undefined) {
        expect(info.serverNow! - info.lastModified!).toBeGreaterThanOrEqual(-1000);
        expect(Math.abs(info.serverNow! - Date.now())).toBeLessThan(60_000);
      }
    });

    it('the stored object is a copy: mutating the buffer after put or get changes nothing', async () => {
      const p = ns();
      const data = new Uint8Array([1, 2, 3]);
      await store.put(`${p}/x`, data);
      data[0] = 99;
      const first = await store.get(`${p}/x`);
      expect(first).toEqual(new Uint8Array([1, 2, 3]));
      if (first !== undefined) first[1] = 99;
      expect(await store.get(`${p}/x`)).toEqual(new Uint8Array([1, 2, 3]));
    });

    it('overwriting replaces the content and changes the etag', async () => {
      const p = ns();
      const a = await store.put(`${p}/k`, bytes(100, 1));
      const b = await store.put(`${p}/k`, bytes(100, 2));
      expect(b.etag).not.toBe(a.etag);
      expect(await store.get(`${p}/k`)).toEqual(bytes(100, 2));
      expect((await store.head(`${p}/k`))?.etag).toBe(b.etag);
      expect(await keys(store, `${p}/`)).toEqual([`${p}/k`]);
    });

    it('lists in ascending key order with exact prefix filtering', async () => {
      const p = ns();
      const written = [
        `${p}/0000000010`,
        `${p}/0000000002`,
        `${p}/0000000000`,
        `${p}/0000001000`,
        `${p}/0000000001`,
        `${p}-journal/0000000000`,
        `${p}-lock`,
        `${p}q/0000000000`,
        `${p}/sub/deeper`,
        `${p}/a-b`,
      ];
      for (const [i, key] of written.entries()) await store.put(key, bytes(i + 1, i));
      // `p/` must not see `p-journal/…`, `p-lock` or `pq/…`.
      expect(await keys(store, `${p}/`)).toEqual([
        `${p}/0000000000`,
        `${p}/0000000001`,
        `${p}/0000000002`,
        `${p}/0000000010`,
        `${p}/0000001000`,
        `${p}/a-b`,
        `${p}/sub/deeper`,
      ]);
      expect(await keys(store, `${p}-journal/`)).toEqual([`${p}-journal/0000000000`]);
      expect(await keys(store, `${p}/00000000`)).toEqual([
        `${p}/0000000000`,
        `${p}/0000000001`,
        `${p}/0000000002`,
        `${p}/0000000010`,
      ]);
      // A prefix that is not at a `/` boundary: byte order puts '-' (0x2d) before '/' (0x2f) before 'q'.
      expect(await keys(store, p)).toEqual([
        `${p}-journal/0000000000`,
        `${p}-lock`,
        `${p}/0000000000`,
        `${p}/0000000001`,
        `${p}/0000000002`,
        `${p}/0000000010`,
        `${p}/0000001000`,
        `${p}/a-b`,
        `${p}/sub/deeper`,
        `${p}q/0000000000`,
      ]);
      const infos = await collect(store.list(`${p}/000000001`));
      expect(infos).toEqual([{ key: `${p}/0000000010`, size: 1, etag: infos[0]?.etag }]);
    });

    it('lists nothing for a prefix with no objects', async () => {
      const p = ns();
      expect(await keys(store, `${p}/`)).toEqual([]);
      expect(await keys(store, `${p}-journal/`)).toEqual([]);
      expect(await keys(store, `${p}/deep/er/`)).toEqual([]);
      // Regression (found by the directory-vs-memory property below): '/' once listed the whole root.
      expect(await keys(store, '/')).toEqual([]);
      expect(await keys(store, `${p}//`)).toEqual([]);
    });

    it('deleting a missing key is not an error; deleting an object removes it', async () => {
      const p = ns();
      await store.delete(`${p}/never-written`);
      await store.put(`${p}/gone`, bytes(10));
      await store.delete(`${p}/gone`);
      expect(await store.get(`${p}/gone`)).toBeUndefined();
      expect(await store.head(`${p}/gone`)).toBeUndefined();
      expect(await keys(store, `${p}/`)).toEqual([]);
    });

    it('deleteMany removes every listed key (more than one S3 batch), skips missing ones, keeps others', async () => {
      const p = ns();
      const count = options.bulkKeys;
      const doomed = Array.from({ length: count }, (_, i) => `${p}/${String(i).padStart(10, '0')}`);
      // Write in parallel chunks: this is setup, not the thing under test.
      for (let i = 0; i < doomed.length; i += 100) {
        await Promise.all(doomed.slice(i, i + 100).map((key) => store.put(key, new Uint8Array([1]))));
      }
      await store.put(`${p}-keep`, new Uint8Array([2]));
      expect((await keys(store, `${p}/`)).length).toBe(count);
      const before = store.requests.delete;
      await store.deleteMany([...doomed, `${p}/not-there`]);
      expect(store.requests.delete).toBeGreaterThan(before);
      expect(await keys(store, `${p}/`)).toEqual([]);
      expect(await keys(store, `${p}-keep`)).toEqual([`${p}-keep`]);
      await store.deleteMany([]);
    });

    it('list with startAfter yields only keys strictly after it, and pays only for the pages it returns', async () => {
      const p = ns();
      const count = options.bulkKeys;
      const all = Array.from({ length: count }, (_, i) => `${p}/${String(i).padStart(10, '0')}`);
      for (let i = 0; i < all.length; i += 100) {
        await Promise.all(all.slice(i, i + 100).map((key) => store.put(key, new Uint8Array([1]))));
      }
      await store.put(`${p}-journal/0000000000`, bytes(2)); // outside the prefix, sorts before it
      await store.put(`${p}q`, bytes(2)); // sorts after every `p/…` key, outside the prefix
      const pages = (n: number): number => (options.listPageKeys === undefined ? 1 : Math.max(1, Math.ceil(n / options.listPageKeys)));
      const listed = async (startAfter: string | undefined): Promise<{ keys: string[]; requests: number }> => {
        const before = store.requests.list;
        const got = (await collect(store.list(`${p}/`, startAfter))).map((info) => info.key);
        return { keys: got, requests: store.requests.list - before };
      };
      // Near the end: one request, however many keys come before.
      expect(await listed(all[count - 11])).toEqual({ keys: all.slice(count - 10), requests: 1 });
      // Early on: the rest in order, paged on past the first page when there is more than one.
      expect(await listed(all[49])).toEqual({ keys: all.slice(50), requests: pages(count - 50) });
      // A startAfter that is not itself a key: the keys after the point it falls at.
      expect(await listed(`${all[99]}x`)).toEqual({ keys: all.slice(100), requests: pages(count - 100) });
      // Before the prefix (or empty): everything; past the last key: nothing, one request.
      expect((await listed(p)).keys).toEqual(all);
      expect((await listed('')).keys).toEqual(all);
      expect(await listed(all[count - 1])).toEqual({ keys: [], requests: 1 });
      expect(await listed(`${p}/9`)).toEqual({ keys: [], requests: 1 });
      // Keys in subfolders of the prefix follow the same byte order.
      await store.put(`${p}/sub/a`, bytes(1));
      await store.put(`${p}/sub/b`, bytes(1));
      expect((await listed(`${p}/sub/a`)).keys).toEqual([`${p}/sub/b`]);
      expect((await listed(`${p}/s`)).keys).toEqual([`${p}/sub/a`, `${p}/sub/b`]);
      expect((await listed(`${p}/sub0`)).keys).toEqual([]);
      await store.deleteMany([...all, `${p}/sub/a`, `${p}/sub/b`, `${p}-journal/0000000000`, `${p}q`]);
    });

    it('counts requests by kind', async () => {
      const p = ns();
      const before = { ...store.requests };
      await store.put(`${p}/a`, bytes(3));
      await store.get(`${p}/a`);
      await store.head(`${p}/a`);
      await keys(store, `${p}/`);
      await store.delete(`${p}/a`);
      const after = store.requests;
      expect(after.put - before.put).toBe(1);
      expect(after.get - before.get).toBe(1);
      expect(after.head - before.head).toBe(1);
      expect(after.list - before.list).toBe(1);
      expect(after.delete - before.delete).toBe(1);
      expect(total(after) - total(before)).toBe(5);
    });

    if (options.enforcesConditions) {
      it('ifNoneMatch "*" creates only when absent', async () => {
        const p = ns();
        const first = await store.put(`${p}/lock`, bytes(5, 1), { ifNoneMatch: '*' });
        await expect(store.put(`${p}/lock`, bytes(5, 2), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
          PreconditionFailedError,
        );
        expect(await store.get(`${p}/lock`)).toEqual(bytes(5, 1));
        expect((await store.head(`${p}/lock`))?.etag).toBe(first.etag);
      });

      it('ifNoneMatch "*" lets exactly one of many racing creators win', async () => {
        const p = ns();
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => store.put(`${p}/lease`, bytes(4, i + 1), { ifNoneMatch: '*' })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won.length).toBe(1);
        for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
      });

      it('ifMatch writes only over the current etag', async () => {
        const p = ns();
        const v1 = await store.put(`${p}/lease`, bytes(8, 1));
        const v2 = await store.put(`${p}/lease`, bytes(8, 2), { ifMatch: v1.etag });
        const err = await store.put(`${p}/lease`, bytes(8, 3), { ifMatch: v1.etag }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PreconditionFailedError);
        expect((err as PreconditionFailedError).key).toBe(`${p}/lease`);
        expect(await store.get(`${p}/lease`)).toEqual(bytes(8, 2));
        await expect(store.put(`${p}/absent`, bytes(1), { ifMatch: v2.etag })).rejects.toBeInstanceOf(
          PreconditionFailedError,
        );
        expect(await store.get(`${p}/absent`)).toBeUndefined();
      });

      it('conditional delete removes only the expected version', async () => {
        const p = ns();
        const v1 = await store.put(`${p}/lease`, bytes(8, 1));
        const v2 = await store.put(`${p}/lease`, bytes(8, 2));
        await expect(store.delete(`${p}/lease`, { ifMatch: v1.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(await store.get(`${p}/lease`)).toEqual(bytes(8, 2));
        await store.delete(`${p}/lease`, { ifMatch: v2.etag });
        expect(await store.get(`${p}/lease`)).toBeUndefined();
        await expect(store.delete(`${p}/lease`, { ifMatch: v2.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
      });
    } else {
      it('a conditional put of a new key succeeds (enforcement is not tested on this server)', async () => {
        const p = ns();
        const v1 = await store.put(`${p}/lease`, bytes(8, 1), { ifNoneMatch: '*' });
        expect(await store.get(`${p}/lease`)).toEqual(bytes(8, 1));
        const v2 = await store.put(`${p}/lease`, bytes(8, 2), { ifMatch: v1.etag });
        expect(v2.etag).not.toBe(v1.etag);
        await store.delete(`${p}/lease`, { ifMatch: v2.etag });
        expect(await store.get(`${p}/lease`)).toBeUndefined();
      });
    }
  });
}

objectStoreContract('memory', { enforcesConditions: true, bulkKeys: 2500 }, async () => ({
  store: new MemoryObjectStore(),
  dispose: async () => {},
}));

let tempRoot: string | undefined;
objectStoreContract('directory', { enforcesConditions: true, bulkKeys: 1500 }, async () => {
  tempRoot = await mkdtemp(path.join(tmpdir(), 's3lite-dir-store-'));
  // `sync: false`: fsync per file is slow on CI disks and not what these tests are about.
  const store = new DirectoryObjectStore(path.join(tempRoot, 'root'), { sync: false });
  return {
    store,
    dispose: async () => {
      await store.close();
      if (tempRoot !== undefined) await rm(tempRoot, { recursive: true, force: true });
    },
  };
});

// fauxqs accepts conditional writes but does not enforce them (see s3-global-setup.ts).
objectStoreContract('s3', { enforcesConditions: false, bulkKeys: 1100, listPageKeys: 1000 }, async () => {
  const { store, client } = await newTestBucket();
  return {
    store,
    dispose: async () => {
      await store.close();
      client.destroy();
    },
  };
});

describe('DirectoryObjectStore specifics', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 's3lite-dir-specific-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a root directory that does not exist reads as an empty store', async () => {
    const store = new DirectoryObjectStore(path.join(root, 'no', 'such', 'dir'));
    expect(await store.get('db/0000000000')).toBeUndefined();
    expect(await store.head('db/0000000000')).toBeUndefined();
    expect(await keys(store, 'db/')).toEqual([]);
    expect(await keys(store, '')).toEqual([]);
    expect(store.url).toBe(path.join(root, 'no', 'such', 'dir'));
  });

  it('stores key a/b/c as the file root/a/b/c with an md5 etag, and leaves no temp files', async () => {
    const dir = path.join(root, 'layout');
    const store = new DirectoryObjectStore(dir);
    const data = new TextEncoder().encode('hello');
    const { etag } = await store.put('a/b/c', data);
    await store.put('a/b/c', data, { ifMatch: etag });
    await store.put('a/b/d', data, { ifNoneMatch: '*' });
    await expect(store.put('a/b/d', data, { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.put('a/b/d', data, { ifMatch: '"stale"' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(etag).toBe('"5d41402abc4b2a76b9719d911017c592"'); // md5("hello")
    expect(await readdir(path.join(dir, 'a', 'b'))).toEqual(['c', 'd']);
  });

  it('list skips temp files and non-key entries a crashed writer may leave behind', async () => {
    const dir = path.join(root, 'leftovers');
    const store = new DirectoryObjectStore(dir);
    await store.put('db/0000000000', bytes(4));
    await writeFile(path.join(dir, 'db', '.tmp-deadbeef'), 'partial');
    expect(await keys(store, 'db/')).toEqual(['db/0000000000']);
  });

  it('a key that is both an object and a directory of objects fails with an IoError naming the path', async () => {
    const dir = path.join(root, 'collide');
    const store = new DirectoryObjectStore(dir);
    await store.put('db', bytes(3));
    const err = await store.put('db/0000000000', bytes(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain(path.join(dir, 'db'));
    // Reading or deleting through the file, or a directory as an object, is just "no such object".
    expect(await store.get('db/0000000000')).toBeUndefined();
    await store.put('d/x', bytes(1));
    expect(await store.get('d')).toBeUndefined();
    expect(await store.head('d')).toBeUndefined();
    await store.delete('d');
    await store.deleteMany(['d', 'db/0000000000']);
    expect(await keys(store, '')).toEqual(['d/x', 'db']);
  });

  it('lists exactly what the memory store lists, for random keys and prefixes (byte order across directories)', async () => {
    // Segments over an alphabet around '/' (0x2f): '-' and '.' sort before it, '0' and 'a' after.
    const segment = fc
      .array(fc.constantFrom('a', 'b', '-', '.', '0', '_'), { minLength: 1, maxLength: 3 })
      .map((chars) => chars.join(''))
      .filter((seg) => seg !== '.' && seg !== '..' && !seg.startsWith('.tmp-'));
    const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segs) => segs.join('/'));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { maxLength: 12 }), fc.string({ maxLength: 4 }), key, async (candidates, rawPrefix, rawStartAfter) => {
        // A key cannot be both an object and a directory on disk (nor in this contract): keep the first.
        const chosen: string[] = [];
        for (const k of candidates) {
          if (chosen.some((c) => k.startsWith(`${c}/`) || c.startsWith(`${k}/`))) continue;
          chosen.push(k);
        }
        const memory = new MemoryObjectStore();
        const directory = new DirectoryObjectStore(path.join(root, `prop-${++run}`), { sync: false });
        for (const k of chosen) {
          await memory.put(k, bytes(k.length));
          await directory.put(k, bytes(k.length));
        }
        const prefixes = ['', rawPrefix, ...chosen.map((k) => k.slice(0, Math.ceil(k.length / 2)))];
        for (const prefix of prefixes) {
          const fromDir = (await collect(directory.list(prefix))).map(({ key, size }) => ({ key, size }));
          const fromMemory = (await collect(memory.list(prefix))).map(({ key, size }) => ({ key, size }));
          expect(fromDir, `prefix ${JSON.stringify(prefix)}`).toEqual(fromMemory);
          // startAfter anywhere: at a key, between keys, at a directory name, before and after all.
          for (const startAfter of [rawStartAfter, ...chosen, ...chosen.map((k) => k.slice(0, -1))]) {
            const dirAfter = (await collect(directory.list(prefix, startAfter))).map(({ key, size }) => ({ key, size }));
            const memAfter = (await collect(memory.list(prefix, startAfter))).map(({ key, size }) => ({ key, size }));
            expect(dirAfter, `prefix ${JSON.stringify(prefix)} after ${JSON.stringify(startAfter)}`).toEqual(memAfter);
            expect(memAfter).toEqual(fromMemory.filter(({ key }) => key > startAfter));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('rejects keys that would escape the root or collide with temp files', async () => {
    const store = new DirectoryObjectStore(path.join(root, 'keys'));
    for (const bad of ['', '/abs', 'a//b', '../x', 'a/./b', 'a/..', 'db/.tmp-1', 'a\\b']) {
      await expect(store.put(bad, bytes(1)), bad).rejects.toThrow(/invalid object key/);
    }
  });
});
