/**
 * WalOverlayFile against a model: the database with the log applied, materialized page by page
 * (the log's page where it holds one, else the base file's, zeros past the base's end), read at
 * random offsets and lengths — page-aligned or not, across pages from both, past the end (short
 * reads flagged) — must give the model's bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadOnlyError } from '../../src/errors.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { isShortRead, type VfsFile } from '../../src/vfs/vfs.js';
import type { WalIndex } from '../../src/vfs/wal-index.js';
import { WalOverlayFile } from '../../src/vfs/wal-overlay-file.js';

const PS = 512;

function asVfsFile(file: MemoryPageFile): VfsFile {
  return Object.assign(file, {
    xLock: async () => {},
    xUnlock: async () => {},
    xCheckReservedLock: async () => false,
    xSectorSize: () => 4096,
    xDeviceCharacteristics: () => 0,
    xClose: async () => {},
  }) as unknown as VfsFile;
}

describe('WalOverlayFile', () => {
  it('reads what the model says, at any offset and length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 16 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 16 }), { maxLength: 10 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 18 * PS }), fc.integer({ min: 0, max: 5 * PS })), { minLength: 1, maxLength: 10 }),
        async (basePages, dbPages, logged, reads) => {
          const base = new Uint8Array(basePages * PS).map((_, i) => (i * 7 + 1) & 0xff);
          const walBytes = new Uint8Array(logged.length * (PS + 24) + 32);
          const pages = new Map<number, number>();
          logged.forEach((pgno, i) => {
            const offset = 32 + i * (PS + 24) + 24;
            walBytes.fill(0x80 + (pgno % 100), offset, offset + PS);
            if (pgno <= dbPages) pages.set(pgno, offset);
          });
          const model = new Uint8Array(dbPages * PS);
          for (let p = 1; p <= dbPages; p++) {
            const at = pages.get(p);
            if (at !== undefined) model.set(walBytes.subarray(at, at + PS), (p - 1) * PS);
            else if (p <= basePages) model.set(base.subarray((p - 1) * PS, p * PS), (p - 1) * PS);
          }
          const index = { pageSize: PS, dbPages, pages, frames: logged.length, commits: 1 } as unknown as WalIndex;
          const file = new WalOverlayFile(asVfsFile(new MemoryPageFile(base)), asVfsFile(new MemoryPageFile(walBytes)), index, { walName: 'x-wal' });
          expect(await file.xFileSize()).toBe(dbPages * PS);
          for (const [offset, amount] of reads) {
            const got = await file.xRead(amount, offset);
            const want = new Uint8Array(amount);
            if (offset < model.length) want.set(model.subarray(offset, Math.min(offset + amount, model.length)));
            expect(Buffer.compare(got, want), `read ${amount} at ${offset}`).toBe(0);
            expect(isShortRead(got)).toBe(offset + amount > model.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is read-only with the reason; once the log is gone it reads the base file', async () => {
    const base = new Uint8Array(2 * PS).fill(1);
    const wal = new Uint8Array(32 + 24 + PS).fill(9);
    let there = true;
    const index = { pageSize: PS, dbPages: 3, pages: new Map([[1, 56]]), frames: 1, commits: 1 } as unknown as WalIndex;
    const file = new WalOverlayFile(asVfsFile(new MemoryPageFile(base)), asVfsFile(new MemoryPageFile(wal)), index, {
      walName: 'db-wal',
      stillThere: async () => there,
    });
    await expect(file.xWrite(new Uint8Array(1), 0)).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(file.xWrite(new Uint8Array(1), 0)).rejects.toThrow(/db-wal applied/);
    expect((await file.xRead(4, 0))[0]).toBe(9);
    expect(await file.xFileSize()).toBe(3 * PS);
    there = false;
    expect((await file.xRead(4, 0))[0]).toBe(1);
    expect(await file.xFileSize()).toBe(2 * PS);
    expect(file.index).toBeUndefined();
  });
});
