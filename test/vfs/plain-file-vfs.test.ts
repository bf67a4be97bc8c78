/**
 * PlainFileVfs against the same byte-array model as the block VFS, on a real temp file, plus
 * its errors and a real database read back through it.
 */
import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CantOpenError, IoError, MisuseError, ReadOnlyError } from '../../src/errors.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { OpenFlags, SyncFlags, isShortRead } from '../../src/vfs/vfs.js';
import { integrityCheck, makeDatabaseBytes } from '../support/sqlite3.js';
import { equalBytes, opsArbitrary, pattern, runOps } from './model.js';

const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;
const RWC = RW | OpenFlags.SQLITE_OPEN_CREATE;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lite-plain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PlainFile matches a byte-array model', () => {
  it('random writes, reads, truncations, syncs and reopens', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(opsArbitrary(20_000, 9000, [0]), async (ops) => {
        const path = join(dir, `model-${run++}.bin`);
        const vfs = new PlainFileVfs();
        const last = await runOps(ops, await vfs.xOpen(path, RWC), async (file) => {
          await file.xClose();
          return vfs.xOpen(path, RW);
        });
        await last.xClose();
        await vfs.xDelete(path);
      }),
      { numRuns: 60 },
    );
  });
});

describe('PlainFileVfs', () => {
  it('zero-fills and flags a short read', async () => {
    const path = join(dir, 'short.bin');
    await writeFile(path, pattern(100, 1));
    const file = await new PlainFileVfs().xOpen(path, RW);
    expect(await file.xFileSize()).toBe(100);
    const full = await file.xRead(100, 0);
    expect(isShortRead(full)).toBe(false);
    const short = await file.xRead(64, 64);
    expect(isShortRead(short)).toBe(true);
    expect(equalBytes(short.subarray(0, 36), pattern(100, 1).subarray(64))).toBe(true);
    expect(short.subarray(36).every((b) => b === 0)).toBe(true);
    await file.xClose();
  });

  it('opening a missing file without CREATE is CantOpenError; xAccess and xDelete', async () => {
    const vfs = new PlainFileVfs();
    const path = join(dir, 'missing.bin');
    await expect(vfs.xOpen(path, RW)).rejects.toThrow(CantOpenError);
    await expect(vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY)).rejects.toThrow(CantOpenError);
    expect(await vfs.xAccess(path)).toBe(false);
    const file = await vfs.xOpen(path, RWC);
    expect(await vfs.xAccess(path)).toBe(true);
    await file.xClose();
    await expect(vfs.xOpen(path, RWC | OpenFlags.SQLITE_OPEN_EXCLUSIVE)).rejects.toThrow(CantOpenError);
    await vfs.xDelete(path);
    expect(await vfs.xAccess(path)).toBe(false);
    await vfs.xDelete(path); // missing: not an error
    expect(vfs.xFullPathname('x.db')).toBe(join(process.cwd(), 'x.db'));
  });

  it('bad arguments are MisuseError, read-only refuses writes, fs errors are IoError naming the path', async () => {
    const vfs = new PlainFileVfs();
    const path = join(dir, 'args.bin');
    const file = await vfs.xOpen(path, RWC);
    await expect(file.xRead(1, -1)).rejects.toThrow(MisuseError);
    await expect(file.xWrite(new Uint8Array(1), 0.5)).rejects.toThrow(MisuseError);
    await expect(file.xTruncate(-2)).rejects.toThrow(MisuseError);
    await file.xWrite(new Uint8Array([1, 2, 3]), 0);
    await file.xSync(SyncFlags.SQLITE_SYNC_FULL);
    await file.xClose();
    await expect(file.xRead(1, 0)).rejects.toThrow(MisuseError);
    const ro = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY);
    await expect(ro.xWrite(new Uint8Array(1), 0)).rejects.toThrow(ReadOnlyError);
    await ro.xClose();
    // A directory opens read-only on Linux, but reading it fails: an IoError that names it.
    const d = await vfs.xOpen(dir, OpenFlags.SQLITE_OPEN_READONLY);
    const err = await d.xRead(10, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain(dir);
    await d.xClose();
  });

  it('a database written through it passes sqlite3 integrity_check; DELETEONCLOSE removes the file', async () => {
    const db = makeDatabaseBytes('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);');
    const vfs = new PlainFileVfs();
    const path = join(dir, 'copy.sqlite');
    const file = await vfs.xOpen(path, RWC);
    for (let off = db.length - 1000; off > -1000; off -= 1000) {
      const from = Math.max(0, off);
      await file.xWrite(db.subarray(from, off + 1000), from);
    }
    await file.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
    await file.xClose();
    expect(equalBytes(new Uint8Array(await readFile(path)), db)).toBe(true);
    expect(integrityCheck(path)).toBe('ok');
    const temp = await vfs.xOpen(join(dir, 'temp.bin'), RWC | OpenFlags.SQLITE_OPEN_DELETEONCLOSE);
    await temp.xWrite(new Uint8Array(10), 0);
    await temp.xClose();
    expect(await vfs.xAccess(join(dir, 'temp.bin'))).toBe(false);
  });
});
