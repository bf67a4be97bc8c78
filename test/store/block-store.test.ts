/**
 * The block key layout `{prefix}/{index:010d}` (shared with sqlite-s3vfs), checked on the raw
 * keys of every store — and, for the directory store, on the files on disk.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockKey, normalizePrefix, parseBlockKey } from '../../src/store/block-key.js';
import { BlockStore } from '../../src/store/block-store.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { newTestBucket } from '../support/s3.js';

/** Indices written out of order; > 9 and > 999 catch a missing zero-pad (lexicographic order). */
const INDICES = [12, 0, 1000, 3, 101, 9, 10, 2, 999, 1];

function block(index: number): Uint8Array {
  const data = new Uint8Array(index === 1000 ? 17 : 64); // the last block may be short
  data.fill(index & 0xff);
  data[0] = index >> 8;
  return data;
}

async function rawKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

describe('blockKey / parseBlockKey', () => {
  it('formats ten zero-padded digits after the prefix', () => {
    expect(blockKey('db', 0)).toBe('db/0000000000');
    expect(blockKey('db', 42)).toBe('db/0000000042');
    expect(blockKey('a/b', 9_999_999_999)).toBe('a/b/9999999999');
    expect(() => blockKey('db', -1)).toThrow();
    expect(() => blockKey('db', 1.5)).toThrow();
    expect(() => blockKey('db', 10_000_000_000)).toThrow();
  });

  it('round-trips every valid index and sorts in index order as strings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: 0, max: 9_999_999_999 }), (a, b) => {
        expect(parseBlockKey('p', blockKey('p', a))).toBe(a);
        const ka = blockKey('p', a);
        const kb = blockKey('p', b);
        expect(Math.sign(a - b)).toBe(ka < kb ? -1 : ka > kb ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects look-alikes', () => {
    for (const key of [
      'db/000000000', // 9 digits
      'db/00000000000', // 11 digits
      'db/000000000a',
      'db/-000000001',
      'db/+000000001',
      'db/ 000000001',
      'db/0000000001 ',
      'db/0000000001/x',
      'db/.tmp-0000000001',
      'db-journal/0000000001',
      'dbx/0000000001',
      'db0000000001',
      'db//0000000001',
      'x/db/0000000001',
      'db/٠٠٠٠٠٠٠٠٠١', // Arabic-Indic digits
      'db/1e+9000000',
    ]) {
      expect(parseBlockKey('db', key), key).toBeUndefined();
    }
  });

  it('normalizes prefixes and refuses an empty one', () => {
    expect(normalizePrefix('db/')).toBe('db');
    expect(normalizePrefix('a/b//')).toBe('a/b');
    expect(() => normalizePrefix('/')).toThrow();
    expect(() => normalizePrefix('')).toThrow();
  });
});

interface Env {
  readonly objects: ObjectStore;
  /** The keys exactly as the backing service stores them (bypassing ObjectStore.list where possible). */
  rawKeys(prefix: string): Promise<string[]>;
  dispose(): Promise<void>;
}

function blockStoreSuite(name: string, make: () => Promise<Env>): void {
  describe(`BlockStore on ${name}`, () => {
    let env: Env;
    beforeAll(async () => {
      env = await make();
    });
    afterAll(async () => {
      await env?.dispose();
    });

    it('stores block i at exactly {prefix}/{i:010d} and lists blocks in index order', async () => {
      const blocks = new BlockStore(env.objects, 'dbs/main.db/');
      expect(blocks.prefix).toBe('dbs/main.db');
      for (const i of INDICES) await blocks.write(i, block(i));
      // Noise next to the blocks that must never be taken for one.
      await env.objects.put('dbs/main.db-journal/0000000000', new Uint8Array(8));
      await env.objects.put('dbs/main.db-lock', new Uint8Array(1));
      await env.objects.put('dbs/main.db/000000001', new Uint8Array(1)); // 9 digits
      await env.objects.put('dbs/main.dbx/0000000000', new Uint8Array(1));

      const sorted = [...INDICES].sort((a, b) => a - b);
      const expectedKeys = sorted.map((i) => `dbs/main.db/${String(i).padStart(10, '0')}`);
      const raw = await env.rawKeys('dbs/main.db/');
      expect(raw.filter((k) => k !== 'dbs/main.db/000000001')).toEqual(expectedKeys);

      const listed = [];
      for await (const info of blocks.list()) listed.push(info);
      expect(listed).toEqual(sorted.map((index) => ({ index, size: block(index).length })));
      // list(from): only blocks at or past `from`, whether or not block `from` itself exists.
      for (const from of [0, 1, 3, 4, 10, 11, 999, 1000, 1001]) {
        const tail = [];
        for await (const info of blocks.list(from)) tail.push(info.index);
        expect(tail, `from ${from}`).toEqual(sorted.filter((i) => i >= from));
      }

      for (const i of INDICES) expect(await blocks.read(i)).toEqual(block(i));
      expect(await blocks.read(4)).toBeUndefined();
      expect(await blocks.size(1000)).toBe(17);
      expect(await blocks.size(4)).toBeUndefined();
    });

    it('deleteBlocks removes exactly the named blocks', async () => {
      const blocks = new BlockStore(env.objects, 'del');
      for (const i of [0, 1, 2, 10, 11]) await blocks.write(i, block(i));
      await blocks.deleteBlocks([1, 10, 500]);
      await blocks.deleteBlocks([]);
      const left = [];
      for await (const info of blocks.list()) left.push(info.index);
      expect(left).toEqual([0, 2, 11]);
      expect(await env.rawKeys('del/')).toEqual(['del/0000000000', 'del/0000000002', 'del/0000000011']);
    });

    it('a prefix that is a prefix of another database name sees only its own blocks', async () => {
      const a = new BlockStore(env.objects, 'x/db');
      const b = new BlockStore(env.objects, 'x/db2');
      await a.write(0, block(0));
      await b.write(0, block(1));
      await b.write(1, block(2));
      const seen = [];
      for await (const info of a.list()) seen.push(info.index);
      expect(seen).toEqual([0]);
      expect(a.url.endsWith('x/db')).toBe(true);
    });
  });
}

blockStoreSuite('memory', async () => {
  const objects = new MemoryObjectStore();
  return { objects, rawKeys: (prefix) => rawKeys(objects, prefix), dispose: async () => {} };
});

let tempRoot: string | undefined;
blockStoreSuite('directory', async () => {
  tempRoot = await mkdtemp(path.join(tmpdir(), 's3lite-block-store-'));
  const root = tempRoot;
  const objects = new DirectoryObjectStore(root, { sync: false });
  return {
    objects,
    // The files on disk, walked independently of DirectoryObjectStore.list.
    async rawKeys(prefix) {
      const dir = prefix.replace(/\/$/, '');
      const names = await readdir(path.join(root, ...dir.split('/')), { recursive: true, withFileTypes: true });
      return names
        .filter((d) => d.isFile())
        .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
        .sort();
    },
    dispose: async () => {
      await rm(root, { recursive: true, force: true });
    },
  };
});

blockStoreSuite('s3', async () => {
  const { bucket, store, client } = await newTestBucket();
  return {
    objects: store,
    // Straight from ListObjectsV2 through a separate SDK client.
    async rawKeys(prefix) {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((c) => c.Key ?? '');
    },
    dispose: async () => {
      await store.close();
      client.destroy();
    },
  };
});

describe('BlockStore on a directory: the files are the blocks', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 's3lite-block-files-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('block i is the file <root>/<prefix>/<i:010d> holding exactly its bytes', async () => {
    const blocks = new BlockStore(new DirectoryObjectStore(root), 'main.db');
    await blocks.write(1000, block(1000));
    await blocks.write(7, block(7));
    expect((await readdir(path.join(root, 'main.db'))).sort()).toEqual(['0000000007', '0000001000']);
    expect(new Uint8Array(await readFile(path.join(root, 'main.db', '0000001000')))).toEqual(block(1000));
    expect(blocks.url).toBe(`${root}/main.db`);
  });
});
