/**
 * BlockFile against a plain byte-array model: random writes, reads, truncations, syncs and
 * close/reopen (with a different configured block size, so block-size inference is exercised),
 * with blocks of 1, 7, 512, 4096 and 65536 bytes. After every sync the objects in the store
 * must spell exactly the model in the sqlite-s3vfs layout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockStore } from '../../src/store/block-store.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { BLOCK_SIZES, RWC, modelProperty } from './block-model.js';
import { equalBytes } from './model.js';

describe('BlockFile matches a byte-array model (memory store)', () => {
  for (const bs of BLOCK_SIZES) {
    it(`block size ${bs}`, async () => {
      await modelProperty(() => new MemoryObjectStore(), bs, bs === 65536 ? 15 : 60);
    });
  }
});

describe('BlockFile matches a byte-array model (directory store)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 's3lite-vfs-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  for (const bs of [7, 512] as const) {
    it(`block size ${bs}`, async () => {
      await modelProperty(() => new DirectoryObjectStore(root, { sync: false }), bs, 10);
    });
  }
});

it('a reopened file infers the block size from block 0, whatever is configured', async () => {
  const store = new MemoryObjectStore();
  const file = await new BlockVfs(store, { blockSize: 512 }).xOpen('x', RWC);
  await file.xWrite(new Uint8Array(3000).fill(9), 0);
  await file.xClose();
  const reopened = await new BlockVfs(store, { blockSize: 65536 }).xOpen('x', RWC);
  expect(reopened.blockSize).toBe(512);
  expect(await reopened.xFileSize()).toBe(3000);
  await reopened.xClose();
  // A single short block is not evidence of a block size: the configured one is used.
  const small = await new BlockVfs(store, { blockSize: 512 }).xOpen('y', RWC);
  await small.xWrite(new Uint8Array(100).fill(1), 0);
  await small.xClose();
  const again = await new BlockVfs(store, { blockSize: 1024 }).xOpen('y', RWC);
  expect(again.blockSize).toBe(1024);
  await again.xWrite(new Uint8Array(10).fill(2), 2000);
  await again.xClose();
  const blocks: number[] = [];
  for await (const b of new BlockStore(store, 'y').list()) blocks.push(b.size);
  expect(blocks).toEqual([1024, 986]);
});

it('reads see unsynced writes while reading untouched blocks from the store in parallel', async () => {
  const store = new MemoryObjectStore();
  const vfs = new BlockVfs(store, { blockSize: 16 });
  const file = await vfs.xOpen('z', RWC);
  const data = new Uint8Array(160).map((_, i) => i + 1);
  await file.xWrite(data, 0);
  await file.xSync(2);
  await file.xWrite(new Uint8Array([200, 201]), 15); // straddles blocks 0 and 1, unsynced
  const [a, b] = await Promise.all([file.xRead(40, 0), file.xRead(100, 60)]);
  expect(a[15]).toBe(200);
  expect(a[16]).toBe(201);
  expect(a[17]).toBe(18);
  expect(equalBytes(b, data.subarray(60))).toBe(true);
  await file.xClose();
});
