/**
 * BlockVfs behaviour that the model test does not pin down: how a file's size is found at open
 * (and with how many requests), write-back and upload order, truncation, sparse files past
 * 1 GiB, short reads, errors, and real SQLite files going through the VFS.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CantOpenError, CorruptError, IoError, MisuseError, ReadOnlyError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { type RequestCounts, type VersionedObject, emptyRequestCounts } from '../../src/store/object-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { DeviceCharacteristics, OpenFlags, isShortRead } from '../../src/vfs/vfs.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { equalBytes, pattern } from './model.js';

const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;
const RWC = RW | OpenFlags.SQLITE_OPEN_CREATE;

/** A real database of several 4096-byte pages, made by the sqlite3 shell. */
const DB = makeDatabaseBytes(`
  PRAGMA page_size = 4096;
  CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300)
  INSERT INTO t(b) SELECT printf('%0200d', i) FROM c;
`);
const DB_PAGES = DB.length / 4096;

/** Writes `bytes` as blocks of `bs` straight into the store (what an import would leave). */
async function putBlocks(store: MemoryObjectStore, prefix: string, bytes: Uint8Array, bs: number): Promise<void> {
  const blocks = new BlockStore(store, prefix);
  for (let i = 0; i * bs < bytes.length; i++) await blocks.write(i, bytes.subarray(i * bs, (i + 1) * bs));
}

/** Request counts since `before`. */
function since(store: MemoryObjectStore, before: RequestCounts): RequestCounts {
  const now = store.requests;
  return {
    get: now.get - before.get,
    head: now.head - before.head,
    put: now.put - before.put,
    delete: now.delete - before.delete,
    list: now.list - before.list,
  };
}

/** A memory store that records the order of its puts and delete batches (the real store underneath). */
class RecordingStore extends MemoryObjectStore {
  readonly putKeys: string[] = [];
  readonly deleteBatches: string[][] = [];
  override async put(key: string, data: Uint8Array): Promise<{ etag: string }> {
    this.putKeys.push(key);
    return super.put(key, data);
  }
  override async deleteMany(keys: readonly string[]): Promise<void> {
    this.deleteBatches.push([...keys]);
    return super.deleteMany(keys);
  }
}

describe('finding the size at open', () => {
  it('a database costs 1 request, the GET of block 0: its header vouches for the size', async () => {
    expect(DB_PAGES).toBeGreaterThan(10);
    for (const bs of [4096, 1024, 16384]) {
      const store = new MemoryObjectStore();
      await putBlocks(store, 'db', DB, bs);
      const before = { ...store.requests };
      const file = await new BlockVfs(store).xOpen('db', RW);
      expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1 });
      expect(file.blockSize).toBe(bs);
      expect(await file.xFileSize()).toBe(DB.length);
      // The first read of the header comes from the block read at open.
      const header = await file.xRead(100, 0);
      expect(since(store, before).get).toBe(1);
      expect(equalBytes(header, DB.subarray(0, 100))).toBe(true);
      expect(equalBytes(await file.xRead(DB.length, 0), DB)).toBe(true);
      await file.xClose();
      expect(since(store, before).list).toBe(0);
    }
  });

  it('with verifySize (export), 3 requests: GET block 0, HEAD the last block, HEAD the one after', async () => {
    for (const bs of [4096, 1024, 16384]) {
      const store = new MemoryObjectStore();
      await putBlocks(store, 'db', DB, bs);
      const before = { ...store.requests };
      const file = await new BlockVfs(store, { verifySize: true }).xOpen('db', RW);
      expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, head: 2 });
      expect(await file.xFileSize()).toBe(DB.length);
      await file.xClose();
    }
  });

  it('with verifySize, blocks past the header\'s page count send the open to the listing (the exact file)', async () => {
    const store = new MemoryObjectStore();
    await putBlocks(store, 'db', DB, 4096);
    await store.put(`db/${String(DB.length / 4096).padStart(10, '0')}`, new Uint8Array(100).fill(7));
    expect(await (await new BlockVfs(store).xOpen('db', RW)).xFileSize()).toBe(DB.length); // as SQLite reads it
    const exact = await new BlockVfs(store, { verifySize: true }).xOpen('db', RW);
    expect(await exact.xFileSize()).toBe(DB.length + 100);
  });

  it('a database in a single block costs 1 request (2 with verifySize)', async () => {
    const one = makeDatabaseBytes('PRAGMA page_size = 4096; PRAGMA user_version = 7;');
    expect(one.length).toBe(4096);
    for (const verifySize of [false, true]) {
      const store = new MemoryObjectStore();
      await putBlocks(store, 'db', one, 65536);
      const before = { ...store.requests };
      const file = await new BlockVfs(store, { verifySize }).xOpen('db', RW);
      expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, head: verifySize ? 1 : 0 });
      expect(await file.xFileSize()).toBe(4096);
    }
  });

  it('a file that is not a database (a journal) is listed once', async () => {
    const store = new MemoryObjectStore();
    const bytes = pattern(10_000, 3);
    await putBlocks(store, 'db-journal', bytes, 4096);
    const before = { ...store.requests };
    const file = await new BlockVfs(store).xOpen('db-journal', RW);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, list: 1 });
    expect(await file.xFileSize()).toBe(10_000);
    expect(equalBytes(await file.xRead(10_000, 0), bytes)).toBe(true);
    await file.xWrite(new Uint8Array(5000), 20_000);
    await file.xSync(2);
    await file.xClose();
    expect(since(store, before).list).toBe(1); // never again while open
  });

  it('a header whose page count is not valid (version-valid-for differs) falls back to the listing', async () => {
    const stale = DB.slice();
    stale[95] = (stale[95] ?? 0) ^ 1; // version-valid-for no longer equals the change counter
    const store = new MemoryObjectStore();
    await putBlocks(store, 'db', stale, 4096);
    const before = { ...store.requests };
    const file = await new BlockVfs(store).xOpen('db', RW);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, list: 1 });
    expect(await file.xFileSize()).toBe(DB.length);
  });

  it('with verifySize, never under-reports: blocks beyond the header page count are found', async () => {
    const store = new MemoryObjectStore();
    await putBlocks(store, 'db', DB, 4096);
    const blocks = new BlockStore(store, 'db');
    await blocks.write(DB_PAGES, new Uint8Array(4096).fill(1));
    let file = await new BlockVfs(store, { verifySize: true }).xOpen('db', RW);
    expect(await file.xFileSize()).toBe(DB.length + 4096);
    // …also past a hole, and when the last block of the header's size is short.
    await blocks.write(DB_PAGES + 5, new Uint8Array(100).fill(2));
    file = await new BlockVfs(store, { verifySize: true }).xOpen('db', RW);
    expect(await file.xFileSize()).toBe((DB_PAGES + 5) * 4096 + 100);
    expect((await file.xRead(4096, (DB_PAGES + 2) * 4096)).every((b) => b === 0)).toBe(true);
    await blocks.deleteBlocks([DB_PAGES, DB_PAGES + 5]);
    await blocks.write(DB_PAGES - 1, new Uint8Array(10));
    file = await new BlockVfs(store, { verifySize: true }).xOpen('db', RW);
    expect(await file.xFileSize()).toBe(DB.length - 4096 + 10);
  });

  it('a block layout that cannot be a file is corruption, not a crash', async () => {
    const store = new MemoryObjectStore();
    const blocks = new BlockStore(store, 'bad');
    await blocks.write(0, new Uint8Array(0));
    await blocks.write(3, new Uint8Array(10));
    await expect(new BlockVfs(store).xOpen('bad', RW)).rejects.toThrow(CorruptError);
    const blocks2 = new BlockStore(store, 'bad2');
    await blocks2.write(0, new Uint8Array(100));
    await blocks2.write(1, new Uint8Array(200));
    await expect(new BlockVfs(store).xOpen('bad2', RW)).rejects.toThrow(CorruptError);
  });
});

describe('write-back', () => {
  it('xSync uploads each dirty block exactly once, block 0 first; a second xSync uploads nothing', async () => {
    const store = new RecordingStore();
    const file = await new BlockVfs(store, { blockSize: 512, concurrency: 3 }).xOpen('db', RWC);
    // Many overlapping writes, crossing block boundaries, hitting each of the 10 blocks repeatedly.
    for (let round = 0; round < 4; round++) {
      for (let off = round * 37; off < 5120; off += 300) await file.xWrite(pattern(Math.min(400, 5120 - off), off), off);
    }
    expect(store.requests.put).toBe(0);
    await file.xSync(2);
    expect(store.putKeys).toHaveLength(10);
    expect(new Set(store.putKeys).size).toBe(10);
    // A database: block 0 (the change counter) lands before any other block changes.
    expect(store.putKeys[0]).toBe('db/0000000000');
    const before = { ...store.requests };
    await file.xSync(2);
    await file.xClose();
    expect(since(store, before)).toEqual(emptyRequestCounts());
  });

  it('a partial-block write reads the old block only when it exists and is not fully overwritten', async () => {
    const store = new MemoryObjectStore();
    const file = await new BlockVfs(store, { blockSize: 100 }).xOpen('db', RWC);
    await file.xWrite(pattern(1000, 1), 0);
    await file.xSync(2);
    let before = { ...store.requests };
    await file.xWrite(pattern(300, 2), 300); // blocks 3–5 fully overwritten
    expect(since(store, before).get).toBe(0);
    await file.xWrite(pattern(50, 3), 820); // block 8, partially
    expect(since(store, before).get).toBe(1);
    await file.xWrite(pattern(10, 4), 2000); // past the end: the old last block (9) is full, nothing to read
    expect(since(store, before).get).toBe(1);
    before = { ...store.requests };
    await file.xWrite(pattern(10, 5), 1950); // block 19 is dirty: no read
    expect(since(store, before).get).toBe(0);
    await file.xClose();
  });

  it('flushes on its own when the dirty set exceeds maxDirtyBytes', async () => {
    const store = new MemoryObjectStore();
    const file = await new BlockVfs(store, { blockSize: 1024, maxDirtyBytes: 4096 }).xOpen('db', RWC);
    for (let i = 0; i < 20; i++) {
      await file.xWrite(pattern(1024, i), i * 1024);
      expect(file.dirtyBytes).toBeLessThanOrEqual(4096);
    }
    expect(store.requests.put).toBeGreaterThanOrEqual(16);
    await file.xClose();
    expect(store.requests.put).toBe(20);
  });

  it('truncation drops blocks past the end at the next sync, in one batch, and shortens the last block', async () => {
    const store = new MemoryObjectStore();
    const vfs = new BlockVfs(store, { blockSize: 1000 });
    const file = await vfs.xOpen('db', RWC);
    await file.xWrite(pattern(10_000, 1), 0);
    await file.xSync(2);
    const before = { ...store.requests };
    await file.xTruncate(3500);
    expect(await file.xFileSize()).toBe(3500);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1 }); // the new last block
    await file.xSync(2);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, put: 1, delete: 1 });
    const sizes: number[] = [];
    for await (const b of new BlockStore(store, 'db').list()) sizes.push(b.size);
    expect(sizes).toEqual([1000, 1000, 1000, 500]);
    // Growing again: the dropped region reads as zeros, not as the old bytes.
    await file.xTruncate(0);
    await file.xWrite(pattern(10, 9), 9000);
    expect((await file.xRead(9000, 0)).every((b) => b === 0)).toBe(true);
    await file.xClose();
    const reopened = await vfs.xOpen('db', RW);
    expect(await reopened.xFileSize()).toBe(9010);
    expect((await reopened.xRead(9000, 0)).every((b) => b === 0)).toBe(true);
  });

  it('deleting a whole file removes block 0 alone and last, so a half-done delete still reads as "no file"', async () => {
    const store = new RecordingStore();
    const vfs = new BlockVfs(store, { blockSize: 10 });
    const file = await vfs.xOpen('db', RWC);
    await file.xWrite(pattern(35, 1), 0);
    await file.xSync(2);
    await file.xTruncate(0);
    await file.xSync(2);
    expect(store.deleteBatches.at(-1)).toEqual(['db/0000000000']);
    expect(store.deleteBatches.flat().sort()).toEqual(['db/0000000000', 'db/0000000001', 'db/0000000002', 'db/0000000003']);
    const again = await vfs.xOpen('db', RWC);
    await again.xWrite(pattern(35, 1), 0);
    await again.xClose();
    store.deleteBatches.length = 0;
    await vfs.xDelete('db');
    expect(store.deleteBatches.at(-1)).toEqual(['db/0000000000']);
    expect(store.deleteBatches.flat()).toHaveLength(4);
  });

  it('a sparse file past 1 GiB: one page at 1.1 GiB, zeros elsewhere, two objects, no 1 GiB allocation', async () => {
    const store = new MemoryObjectStore();
    const vfs = new BlockVfs(store);
    const file = await vfs.xOpen('big', RWC);
    const at = Math.floor(1.1 * 2 ** 30 / 4096) * 4096;
    const page = pattern(4096, 7);
    const heapBefore = process.memoryUsage().arrayBuffers;
    await file.xWrite(page, at);
    expect(await file.xFileSize()).toBe(at + 4096);
    expect((await file.xRead(4096, 0)).every((b) => b === 0)).toBe(true);
    expect((await file.xRead(4096, 2 ** 30)).every((b) => b === 0)).toBe(true); // the lock-byte page
    expect(equalBytes(await file.xRead(4096, at), page)).toBe(true);
    await file.xClose();
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 2 ** 20);
    const keys: string[] = [];
    for await (const o of store.list('big/')) keys.push(o.key);
    expect(keys).toEqual(['big/0000000000', `big/${String(at / 4096).padStart(10, '0')}`]);
    const reopened = await vfs.xOpen('big', RW);
    expect(await reopened.xFileSize()).toBe(at + 4096);
    expect(equalBytes(await reopened.xRead(4096, at), page)).toBe(true);
    expect((await reopened.xRead(8192, at - 8192)).every((b) => b === 0)).toBe(true);
  });
});

describe('refresh', () => {
  it('a second handle sees another handle\'s commit only after refresh(), which costs what an open costs', async () => {
    const store = new MemoryObjectStore();
    await putBlocks(store, 'db', DB.subarray(0, 8192), 4096); // not yet a valid header: page count says more
    const vfs = new BlockVfs(store, { verifySize: true });
    const reader = await vfs.xOpen('db', RW);
    const writer = await vfs.xOpen('db', RW);
    expect(await reader.xFileSize()).toBe(8192);
    await writer.xWrite(DB, 0);
    await writer.xSync(2);
    expect(await reader.xFileSize()).toBe(8192); // found once, at open
    expect((await reader.xRead(4096, 8192)).every((b) => b === 0)).toBe(true);
    const before = { ...store.requests };
    expect(await reader.refresh()).toBe(DB.length);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), get: 1, head: 2 });
    expect(equalBytes(await reader.xRead(DB.length, 0), DB)).toBe(true);
    await writer.xWrite(new Uint8Array(1), 0);
    await expect(writer.refresh()).rejects.toThrow(MisuseError);
    await writer.xClose();
    await reader.xClose();
  });

  it('refuses a file whose block size changed underneath', async () => {
    const store = new MemoryObjectStore();
    const a = await new BlockVfs(store, { blockSize: 100 }).xOpen('f', RWC);
    await a.xWrite(pattern(250, 1), 0);
    await a.xSync(2);
    await new BlockVfs(store).xDelete('f');
    const b = await new BlockVfs(store, { blockSize: 50 }).xOpen('f', RWC);
    await b.xWrite(pattern(250, 1), 0);
    await b.xClose();
    await expect(a.refresh()).rejects.toThrow(CorruptError);
  });
});

describe('reads', () => {
  it('a read past the end is zero-filled and flagged as short; a full read is not', async () => {
    const store = new MemoryObjectStore();
    const file = await new BlockVfs(store, { blockSize: 64 }).xOpen('f', RWC);
    await file.xWrite(pattern(100, 1), 0);
    const full = await file.xRead(100, 0);
    expect(isShortRead(full)).toBe(false);
    const short = await file.xRead(50, 80);
    expect(short.length).toBe(50);
    expect(isShortRead(short)).toBe(true);
    expect(equalBytes(short.subarray(0, 20), pattern(100, 1).subarray(80))).toBe(true);
    expect(short.subarray(20).every((b) => b === 0)).toBe(true);
    const beyond = await file.xRead(10, 1000);
    expect(isShortRead(beyond)).toBe(true);
    expect(beyond.every((b) => b === 0)).toBe(true);
    expect(isShortRead(new Uint8Array(10))).toBe(false);
  });
});

describe('errors', () => {
  it('opening a missing file without CREATE is CantOpenError', async () => {
    const vfs = new BlockVfs(new MemoryObjectStore());
    await expect(vfs.xOpen('nope', RW)).rejects.toThrow(CantOpenError);
    await expect(vfs.xOpen('nope', OpenFlags.SQLITE_OPEN_READONLY)).rejects.toThrow(CantOpenError);
  });

  it('bad offsets and sizes are MisuseError; a closed file is MisuseError; a read-only file refuses writes', async () => {
    const store = new MemoryObjectStore();
    const vfs = new BlockVfs(store);
    const file = await vfs.xOpen('f', RWC);
    await expect(file.xRead(10, -1)).rejects.toThrow(MisuseError);
    await expect(file.xRead(10, 1.5)).rejects.toThrow(MisuseError);
    await expect(file.xRead(-1, 0)).rejects.toThrow(MisuseError);
    await expect(file.xWrite(new Uint8Array(1), -4096)).rejects.toThrow(MisuseError);
    await expect(file.xWrite(new Uint8Array(1), Number.NaN)).rejects.toThrow(MisuseError);
    await expect(file.xTruncate(-1)).rejects.toThrow(MisuseError);
    await file.xWrite(new Uint8Array(10), 0);
    await file.xClose();
    await expect(file.xRead(1, 0)).rejects.toThrow(MisuseError);
    await expect(file.xWrite(new Uint8Array(1), 0)).rejects.toThrow(MisuseError);
    const ro = await vfs.xOpen('f', OpenFlags.SQLITE_OPEN_READONLY);
    await expect(ro.xWrite(new Uint8Array(1), 0)).rejects.toThrow(ReadOnlyError);
    await expect(ro.xTruncate(0)).rejects.toThrow(ReadOnlyError);
    expect(() => new BlockVfs(store, { blockSize: 0 })).toThrow(MisuseError);
    expect(() => vfs.xFullPathname('/')).toThrow(MisuseError);
  });

  it('store failures become IoError naming the block URL', async () => {
    class FailingStore extends MemoryObjectStore {
      failGets = false;
      override async get(key: string): Promise<Uint8Array | undefined> {
        if (this.failGets) throw new Error('connection reset');
        return super.get(key);
      }
      // A writable handle reads with etags (the second guard): the same GET, failing the same way.
      override async getVersioned(key: string): Promise<VersionedObject | undefined> {
        if (this.failGets) throw new Error('connection reset');
        return super.getVersioned(key);
      }
    }
    const store = new FailingStore();
    const vfs = new BlockVfs(store, { blockSize: 16 });
    const file = await vfs.xOpen('db', RWC);
    await file.xWrite(pattern(64, 1), 0);
    await file.xClose();
    store.failGets = true;
    await expect(vfs.xOpen('db', RW)).rejects.toThrow(IoError);
    await expect(vfs.xOpen('db', RW)).rejects.toThrow(/memory:db\/0000000000.*connection reset/);
    store.failGets = false;
    const f2 = await vfs.xOpen('db', RW);
    store.failGets = true;
    await expect(f2.xRead(16, 32)).rejects.toThrow(/memory:db\/0000000002/);
  });
});

describe('files in a store', () => {
  it('xAccess is one HEAD of block 0; xDelete removes every block with one listing', async () => {
    const store = new MemoryObjectStore();
    const vfs = new BlockVfs(store, { blockSize: 10 });
    expect(await vfs.xAccess('db')).toBe(false);
    const file = await vfs.xOpen('db', RWC);
    await file.xWrite(pattern(95, 1), 0);
    await file.xClose();
    const journal = await vfs.xOpen('db-journal', RWC);
    await journal.xWrite(pattern(30, 2), 0);
    await journal.xClose();
    expect((await new BlockStore(store, 'db-journal').read(2))?.length).toBe(10);
    let before = { ...store.requests };
    expect(await vfs.xAccess('db')).toBe(true);
    expect(since(store, before)).toEqual({ ...emptyRequestCounts(), head: 1 });
    before = { ...store.requests };
    await vfs.xDelete('db');
    expect(since(store, before).list).toBe(1);
    expect(await vfs.xAccess('db')).toBe(false);
    expect(await vfs.xAccess('db-journal')).toBe(true); // a journal is just another file
    let left = 0;
    for await (const _ of store.list('db/')) left++;
    expect(left).toBe(0);
    await vfs.xDelete('db'); // deleting a missing file is fine
  });

  it('reports honest device characteristics', async () => {
    const vfs = new BlockVfs(new MemoryObjectStore(), { blockSize: 4096 });
    const file = await vfs.xOpen('db', RWC);
    const caps = file.xDeviceCharacteristics();
    expect(caps & DeviceCharacteristics.SQLITE_IOCAP_SAFE_APPEND).toBe(0);
    expect(caps & DeviceCharacteristics.SQLITE_IOCAP_SEQUENTIAL).toBe(0);
    expect(caps & DeviceCharacteristics.SQLITE_IOCAP_ATOMIC4K).not.toBe(0);
    const odd = await new BlockVfs(new MemoryObjectStore(), { blockSize: 1000 }).xOpen('db', RWC);
    expect(odd.xDeviceCharacteristics() & DeviceCharacteristics.SQLITE_IOCAP_ATOMIC4K).toBe(0);
  });

  it('a real database written through the VFS in odd chunks and odd blocks is what sqlite3 wrote', async () => {
    const store = new MemoryObjectStore();
    const vfs = new BlockVfs(store, { blockSize: 1000 });
    const file = await vfs.xOpen('db', RWC);
    // Out of order, odd sizes, crossing blocks.
    const cuts = [0, 777, 5000, 5001, 12_345, 30_000, DB.length].filter((c) => c <= DB.length).sort((a, b) => a - b);
    for (let k = cuts.length - 2; k >= 0; k--) {
      const from = cuts[k] ?? 0;
      const to = cuts[k + 1] ?? 0;
      await file.xWrite(DB.subarray(from, to), from);
    }
    await file.xClose();
    const reopened = await vfs.xOpen('db', RW);
    const back = await reopened.xRead(await reopened.xFileSize(), 0);
    expect(equalBytes(back, DB)).toBe(true);
    const { dir, cleanup } = tempDir('s3lite-vfs');
    try {
      const path = join(dir, 'back.sqlite');
      writeFileSync(path, back);
      expect(integrityCheck(path)).toBe('ok');
    } finally {
      cleanup();
    }
  });
});
