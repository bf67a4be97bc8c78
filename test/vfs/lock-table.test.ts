/**
 * SQLite's lock rules (lockingv3.html) between handles one VFS opened on the same name, for the
 * block VFS and the plain-file VFS alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BusyError, MisuseError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { LockLevel, OpenFlags, type Vfs } from '../../src/vfs/vfs.js';

const RWC = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_CREATE;

async function lockRules(vfs: Vfs, name: string): Promise<void> {
  const a = await vfs.xOpen(name, RWC);
  const b = await vfs.xOpen(name, RWC);
  await expect(a.xLock(LockLevel.RESERVED)).rejects.toThrow(MisuseError); // SHARED first
  await a.xLock(LockLevel.SHARED);
  await b.xLock(LockLevel.SHARED);
  expect(await b.xCheckReservedLock()).toBe(false);
  await a.xLock(LockLevel.RESERVED);
  expect(await b.xCheckReservedLock()).toBe(true);
  await expect(b.xLock(LockLevel.RESERVED)).rejects.toThrow(BusyError);
  // a wants EXCLUSIVE while b still reads: refused, but a keeps PENDING, which shuts out new readers.
  await expect(a.xLock(LockLevel.EXCLUSIVE)).rejects.toThrow(BusyError);
  await b.xUnlock(LockLevel.NONE);
  await expect(b.xLock(LockLevel.SHARED)).rejects.toThrow(BusyError);
  await a.xLock(LockLevel.EXCLUSIVE);
  await a.xUnlock(LockLevel.SHARED);
  expect(await a.xCheckReservedLock()).toBe(false);
  await b.xLock(LockLevel.SHARED);
  await b.xLock(LockLevel.RESERVED);
  await a.xClose(); // closing releases a's lock
  await b.xLock(LockLevel.EXCLUSIVE);
  const c = await vfs.xOpen(name, RWC);
  await expect(c.xLock(LockLevel.SHARED)).rejects.toThrow(BusyError);
  await b.xClose();
  await c.xLock(LockLevel.SHARED);
  await c.xClose();
}

describe('in-process locks', () => {
  it('BlockVfs follows SQLite lock rules between handles on one name', async () => {
    const vfs = new BlockVfs(new MemoryObjectStore());
    await lockRules(vfs, 'db');
    // Another name is independent.
    const x = await vfs.xOpen('other', RWC);
    await x.xLock(LockLevel.SHARED);
    await x.xLock(LockLevel.EXCLUSIVE);
    await x.xClose();
  });

  it('PlainFileVfs follows the same rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3lite-lock-'));
    try {
      await lockRules(new PlainFileVfs(), join(dir, 'db'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
