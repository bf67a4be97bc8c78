/**
 * The block-VFS model property, shared by the memory/directory run and the S3 run.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { BlockStore } from '../../src/store/block-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { BlockFile, BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { type FileModel, equalBytes, opsArbitrary, runOps } from './model.js';

export const RWC = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_CREATE | OpenFlags.SQLITE_OPEN_MAIN_DB;
export const BLOCK_SIZES = [1, 7, 512, 4096, 65536] as const;

/** The store must hold exactly the model: full blocks, exact last block, block 0 present, holes all-zero, nothing past the end. */
export async function expectLayout(objects: ObjectStore, prefix: string, model: FileModel, bs: number): Promise<void> {
  const store = new BlockStore(objects, prefix);
  const count = Math.ceil(model.size / bs);
  const present = new Set<number>();
  for await (const block of store.list()) {
    expect(block.index).toBeLessThan(count);
    present.add(block.index);
    const data = await store.read(block.index);
    const start = block.index * bs;
    expect(data !== undefined && equalBytes(data, model.bytes.subarray(start, Math.min(start + bs, model.size)))).toBe(
      true,
    );
  }
  if (count > 0) {
    expect(present.has(0)).toBe(true);
    expect(present.has(count - 1)).toBe(true);
  }
  for (let i = 0; i < count; i++) {
    if (!present.has(i)) expect(model.bytes.subarray(i * bs, (i + 1) * bs).every((b) => b === 0)).toBe(true);
  }
}

export function modelProperty(objects: () => ObjectStore, blockSize: number, numRuns: number): Promise<void> {
  const extent = blockSize <= 7 ? 40 * blockSize + 20 : 4 * blockSize + 100;
  const maxIo = blockSize <= 7 ? 30 : 2 * blockSize + 50;
  return fc.assert(
    fc.asyncProperty(opsArbitrary(extent, maxIo, BLOCK_SIZES), fc.boolean(), async (ops, tightBudget) => {
      const store = objects();
      const prefix = `db${Math.random().toString(36).slice(2)}`;
      // A tight dirty budget makes writes flush on their own, in the middle of the sequence.
      const options = { blockSize, concurrency: 4, ...(tightBudget && { maxDirtyBytes: 2 * blockSize }) };
      const first = await new BlockVfs(store, options).xOpen(prefix, RWC);
      let current = first;
      const last = await runOps(
        ops,
        first,
        async (file, nextBlockSize) => {
          await file.xClose();
          const vfs = new BlockVfs(store, { ...options, blockSize: nextBlockSize });
          current = await vfs.xOpen(prefix, RWC);
          return current;
        },
        async (_file, model) => expectLayout(store, prefix, model, current.blockSize),
      );
      expect(last).toBeInstanceOf(BlockFile);
      await last.xClose();
    }),
    { numRuns },
  );
}

