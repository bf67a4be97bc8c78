/**
 * `BlockFile.prefetch` (src/vfs/block-vfs.ts): the read-ahead hint for files whose blocks hold
 * several pages. Each block is fetched once — a hint for a block kept or in flight starts
 * nothing, and a read after the hint shares its GET — blocks hinted ahead survive the reads that
 * pass them in the block cache, and a failed hint surfaces only where a read needs the block.
 */
import { describe, expect, it } from 'vitest';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { CountingStore } from '../perf/counting-store.js';

const BS = 16384;

/** A file of `blocks` blocks of BS bytes (not a database: byte i of block b is (b + i) & 0xff). */
async function makeFile(blocks: number): Promise<{ remote: MemoryObjectStore; bytes: Uint8Array }> {
  const remote = new MemoryObjectStore();
  const bytes = new Uint8Array(blocks * BS);
  for (let b = 0; b < blocks; b++) for (let i = 0; i < BS; i++) bytes[b * BS + i] = (b + i) & 0xff;
  const store = new BlockStore(remote, 'f');
  for (let b = 0; b < blocks; b++) await store.write(b, bytes.subarray(b * BS, (b + 1) * BS));
  return { remote, bytes };
}

const key = (b: number): string => `f/${String(b).padStart(10, '0')}`;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('BlockFile.prefetch', () => {
  it('fetches each hinted block once; reads after the hint cost no GET', async () => {
    const { remote, bytes } = await makeFile(12);
    const objects = new CountingStore(remote, 5);
    const file = await new BlockVfs(objects).xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    expect(file.prefetchCapacity).toBe(63); // min(64, 8 MiB / 16 KiB) - 1
    const gets0 = objects.gets;
    // Blocks 0..9: block 0 is never prefetched (its reads go to the store by design).
    expect(file.prefetch(10 * BS, 0)).toBe(9);
    expect(objects.maxInFlight).toBe(9);
    // A second hint, and a read of a block still in flight, share those GETs.
    expect(file.prefetch(BS, 3 * BS)).toBe(0);
    expect(await file.xRead(100, 4 * BS + 7)).toEqual(bytes.subarray(4 * BS + 7, 4 * BS + 107));
    await settle();
    expect(file.prefetch(10 * BS, 0)).toBe(0);
    for (let b = 1; b <= 9; b++) expect(await file.xRead(BS, b * BS)).toEqual(bytes.subarray(b * BS, (b + 1) * BS));
    expect(objects.gets - gets0).toBe(9);
    for (let b = 1; b <= 9; b++) expect(objects.getsByKey.get(key(b))).toBe(1);
    // Past the end of the file: nothing.
    expect(file.prefetch(BS, 12 * BS)).toBe(0);
    await file.xClose();
    expect(file.prefetch(BS, 10 * BS)).toBe(0); // closed
  });

  it('seal() at the end of a read: blocks still in flight are not kept, blocks already kept stay', async () => {
    const { remote, bytes } = await makeFile(8);
    const objects = new CountingStore(remote, 10);
    const file = await new BlockVfs(objects).xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    expect(file.prefetch(BS, 1 * BS)).toBe(1);
    await settle(); // block 1 landed before the read ended
    expect(file.prefetch(BS, 2 * BS)).toBe(1);
    file.seal(); // block 2 is still in flight: nothing vouches for what it brings
    await settle();
    const gets0 = objects.gets;
    expect(await file.xRead(BS, 1 * BS)).toEqual(bytes.subarray(BS, 2 * BS));
    expect(objects.gets).toBe(gets0); // kept
    expect(await file.xRead(BS, 2 * BS)).toEqual(bytes.subarray(2 * BS, 3 * BS));
    expect(objects.gets).toBe(gets0 + 1); // fetched again
    await file.xClose();
  });

  it('does nothing when blocks are under 16 KiB (no block cache)', async () => {
    const remote = new MemoryObjectStore();
    const store = new BlockStore(remote, 'f');
    for (let b = 0; b < 4; b++) await store.write(b, new Uint8Array(4096).fill(b));
    const objects = new CountingStore(remote);
    const file = await new BlockVfs(objects).xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    expect(file.prefetchCapacity).toBe(0);
    const gets0 = objects.gets;
    expect(file.prefetch(4 * 4096, 0)).toBe(0);
    expect(objects.gets).toBe(gets0);
    await file.xClose();
  });

  it('blocks hinted ahead are not evicted by the reads that pass them; the cache stays within its budget', async () => {
    const { remote, bytes } = await makeFile(12);
    const objects = new CountingStore(remote);
    // A cache of 4 blocks: at most 3 hinted ahead.
    const file = await new BlockVfs(objects, { blockCacheBytes: 4 * BS }).xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    expect(file.prefetchCapacity).toBe(3);
    expect(file.prefetch(3 * BS, 8 * BS)).toBe(3); // blocks 8, 9, 10
    await settle();
    // The reader works through blocks 1..6 meanwhile: plain LRU would drop 8, 9, 10 for them.
    for (let b = 1; b <= 6; b++) await file.xRead(BS, b * BS);
    const gets = objects.gets;
    for (let b = 8; b <= 10; b++) expect(await file.xRead(BS, b * BS)).toEqual(bytes.subarray(b * BS, (b + 1) * BS));
    expect(objects.gets).toBe(gets);
    // Once read, they are ordinary: the budget holds (4 blocks), so reading 1..4 again costs GETs.
    for (let b = 1; b <= 4; b++) await file.xRead(BS, b * BS);
    expect(objects.gets).toBeGreaterThan(gets);
    // A hint for a block already kept makes it wanted again: it outlives later reads.
    const before = objects.gets;
    expect(file.prefetch(BS, 4 * BS)).toBe(0);
    for (let b = 5; b <= 7; b++) await file.xRead(BS, b * BS);
    await file.xRead(BS, 4 * BS);
    expect(objects.gets - before).toBe(3);
    await file.xClose();
  });

  it('a hinted GET that fails is forgotten: the read that needs the block fetches it and reports', async () => {
    const { remote, bytes } = await makeFile(6);
    const objects = new CountingStore(remote, 2);
    let fail = true;
    let tries = 0;
    const get = objects.get.bind(objects);
    objects.get = async (k: string) => {
      if (k === key(3)) tries++;
      if (k === key(3) && fail) throw new Error('injected GET failure');
      return get(k);
    };
    const file = await new BlockVfs(objects).xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    expect(file.prefetch(5 * BS, BS)).toBe(5);
    await settle(); // the failed hint rejects quietly (an unhandled rejection would fail the run)
    await expect(file.xRead(10, 3 * BS)).rejects.toThrow(/injected GET failure/);
    fail = false;
    expect(await file.xRead(10, 3 * BS)).toEqual(bytes.subarray(3 * BS, 3 * BS + 10));
    expect(tries).toBe(3); // the hint, the failed read, the read that worked
    expect(objects.getsByKey.get(key(2))).toBe(1);
    await file.xClose();
  });

  it('a write empties what was hinted: reads then see the new bytes', async () => {
    const { remote } = await makeFile(6);
    const file = await new BlockVfs(remote).xOpen('f', OpenFlags.SQLITE_OPEN_READWRITE);
    file.prefetch(4 * BS, BS);
    await file.xWrite(new Uint8Array([1, 2, 3]), 2 * BS + 5); // before the hinted GETs land
    await settle();
    expect(await file.xRead(3, 2 * BS + 5)).toEqual(new Uint8Array([1, 2, 3]));
    await file.xSync(0);
    file.prefetch(4 * BS, BS);
    await settle();
    expect(await file.xRead(3, 2 * BS + 5)).toEqual(new Uint8Array([1, 2, 3]));
    await file.xClose();
  });
});
