/**
 * Writing WAL-mode databases: a writer checkpoints the committed frames into the database first
 * (under the rollback journal), removes the log, and writes in rollback-journal mode with header
 * bytes 18–19 kept — and sqlite3 then sees the same rows, in WAL mode, integrity "ok". A crash at
 * any point of the checkpoint leaves a database that reads the same to sqlite3 and to us.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { CantOpenError, IoError, ReadOnlyError } from '../../src/errors.js';
import { attachWal } from '../../src/pager/wal-attach.js';
import { checkpointWal } from '../../src/pager/wal-checkpoint.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { OpenFlags, type LockLevel, type VfsFile } from '../../src/vfs/vfs.js';
import { scanWal } from '../../src/vfs/wal-index.js';
import { integrityCheck, tempDir } from '../support/sqlite3.js';
import { dumpSql, makeWalDatabase, ourView, printRows, readBytes, sqlite3On, sqlite3View, writeBytes } from './wal-support.js';

const tmp = tempDir('s3lite-wal-write');
afterAll(() => tmp.cleanup());
let seq = 0;
const fresh = (label: string): string => `${label}-${++seq}.db`;

const DUMP = dumpSql('t', ['a', 'b']);
const BASE = `CREATE TABLE t(a INTEGER PRIMARY KEY, b);
INSERT INTO t(b) SELECT printf('base-%d-', value) || hex(randomblob(value % 50)) FROM generate_series(1, 40);`;
const LOGGED = [
  `INSERT INTO t(b) SELECT printf('tx1-%d', value) || hex(randomblob(30)) FROM generate_series(1, 60);`,
  `UPDATE t SET b = 'updated ' || a WHERE a % 7 = 0;`,
  `BEGIN; DELETE FROM t WHERE a % 5 = 0; INSERT INTO t(b) VALUES (randomblob(3000)), (zeroblob(70000)); COMMIT;`,
  `CREATE INDEX t_b ON t(b);`,
];

async function write(path: string, sql: string): Promise<void> {
  const db = await Database.open(path, { readonly: false });
  try {
    await db.exec(sql);
  } finally {
    await db.close();
  }
}

describe('writing a WAL-mode database', () => {
  for (const pageSize of [512, 4096, 65536]) {
    it(`page size ${pageSize}: the log is checkpointed, removed, and sqlite3 sees the rows in WAL mode`, async () => {
      const path = makeWalDatabase(tmp.dir, fresh(`w${pageSize}`), { pageSize, base: BASE, logged: LOGGED, keepShm: true });
      const before = sqlite3View(path, DUMP, tmp.dir);
      await write(path, `INSERT INTO t(b) VALUES ('ours'); DELETE FROM t WHERE a = 1;`);
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(existsSync(`${path}-journal`)).toBe(false);
      const bytes = readBytes(path);
      expect([bytes[18], bytes[19]]).toEqual([2, 2]);
      const expected = before
        .split('\n')
        .filter((l) => !l.startsWith('1|'))
        .join('\n');
      const after = await ourView(path, DUMP);
      expect(after.startsWith(expected.trimEnd())).toBe(true);
      expect(after).toMatch(/\|'ours'\n$/);
      // sqlite3, on the file itself (with the stale -shm of the copied process beside it).
      expect(existsSync(`${path}-shm`)).toBe(true);
      expect(sqlite3On(path, DUMP)).toBe(after);
      expect(sqlite3On(path, 'PRAGMA journal_mode;').trim()).toBe('wal');
      expect(integrityCheck(path)).toBe('ok');
    });
  }

  it('a log with no valid frames: written as any other database, the log left as it is', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('garbage'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const garbage = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff);
    writeBytes(`${path}-wal`, garbage);
    const before = sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir);
    await write(path, `INSERT INTO t(b) VALUES ('ours');`);
    expect(readBytes(`${path}-wal`)).toEqual(garbage);
    expect(readBytes(path)[18]).toBe(2);
    expect(sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir)).toBe(`${Number(before) + 1}\n`);
    expect(sqlite3View(path, 'SELECT b FROM t ORDER BY a DESC LIMIT 1;', tmp.dir)).toBe('ours\n');
    expect(sqlite3View(path, 'PRAGMA integrity_check;', tmp.dir)).toBe('ok\n');
  });

  it('a WAL-mode database without a log is written in place; sqlite3 keeps it in WAL mode', async () => {
    const path = `${tmp.dir}/nolog.db`;
    sqlite3On(path, `PRAGMA journal_mode=wal; ${BASE}`);
    expect(existsSync(`${path}-wal`)).toBe(false);
    await write(path, `INSERT INTO t(b) VALUES ('ours');`);
    expect(readBytes(path)[19]).toBe(2);
    expect(sqlite3On(path, 'SELECT count(*) FROM t; PRAGMA journal_mode; PRAGMA integrity_check;')).toBe('41\nwal\nok\n');
  });

  it('a stale log beside an empty file is deleted by the writer that creates the database there, as SQLite does', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('stale'), { pageSize: 1024, base: BASE, logged: LOGGED });
    writeBytes(path, new Uint8Array(0));
    const db = await Database.create(path);
    await db.exec('CREATE TABLE fresh(x); INSERT INTO fresh VALUES (1);');
    await db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(sqlite3On(path, 'SELECT name FROM sqlite_schema; PRAGMA integrity_check;')).toBe('fresh\nok\n');
  });

  it('a reader opened before the checkpoint sees the writer’s rows afterwards (the log is gone, the file has it all)', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('reader'), { pageSize: 4096, base: BASE, logged: LOGGED });
    const reader = await Database.open(path);
    try {
      const before = await printRows(reader, 'SELECT count(*) FROM t');
      await write(path, `INSERT INTO t(b) VALUES ('ours');`);
      expect(await printRows(reader, 'SELECT count(*) FROM t')).toBe(`${Number(before) + 1}\n`);
      expect(await printRows(reader, 'SELECT b FROM t ORDER BY a DESC LIMIT 1')).toBe('ours\n');
    } finally {
      await reader.close();
    }
  });
});

/**
 * A database file that "crashes" (IoError) once `failAt` KiB have been written to it: the write
 * that crosses the limit lands only up to it, as a power cut in the middle of a write.
 */
class FailingFile implements VfsFile {
  written = 0;
  constructor(
    private readonly inner: VfsFile,
    private readonly failAt: number,
  ) {}
  xRead(amount: number, offset: number): Promise<Uint8Array> {
    return this.inner.xRead(amount, offset);
  }
  async xWrite(data: Uint8Array, offset: number): Promise<void> {
    const limit = this.failAt * 1024;
    if (this.written + data.length >= limit) {
      const part = Math.max(0, limit - this.written);
      if (part > 0) await this.inner.xWrite(data.subarray(0, part), offset);
      this.written = limit;
      throw new IoError('simulated crash');
    }
    this.written += data.length;
    return this.inner.xWrite(data, offset);
  }
  xTruncate(size: number): Promise<void> {
    return this.inner.xTruncate(size);
  }
  xSync(flags: number): Promise<void> {
    return this.inner.xSync(flags);
  }
  xFileSize(): Promise<number> {
    return this.inner.xFileSize();
  }
  xLock(level: LockLevel): Promise<void> {
    return this.inner.xLock(level);
  }
  xUnlock(level: LockLevel): Promise<void> {
    return this.inner.xUnlock(level);
  }
  xCheckReservedLock(): Promise<boolean> {
    return this.inner.xCheckReservedLock();
  }
  xSectorSize(): number {
    return this.inner.xSectorSize();
  }
  xDeviceCharacteristics(): number {
    return this.inner.xDeviceCharacteristics();
  }
  xClose(): Promise<void> {
    return this.inner.xClose();
  }
}

describe('a crash in the middle of a checkpoint', () => {
  // One step (the journal holds every page), or steps of 8 pages (a crash between steps); the
  // crash after 1, 5 or 23 KiB of the copy (pages of 1 KiB, cut mid-page too).
  for (const [label, batchBytes] of [
    ['in its one journaled step', 1 << 30],
    ['between journaled steps', 8 * 1024],
  ] as const) {
    for (const failAt of [1, 5.5, 23]) {
      it(`${label}, after ${failAt} KiB: sqlite3 and we read the same rows; the next writer finishes it`, async () => {
        const path = makeWalDatabase(tmp.dir, fresh('crash'), { pageSize: 1024, base: BASE, logged: LOGGED });
        const expected = sqlite3View(path, DUMP, tmp.dir);
        const vfs = new PlainFileVfs();
        const db = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB);
        const wal = await vfs.xOpen(`${path}-wal`, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_WAL);
        const index = await scanWal(wal, 'wal');
        if (index.empty) throw new Error('expected frames');
        const failing = new FailingFile(db, failAt);
        await expect(checkpointWal(vfs, path, `${path}-wal`, failing, wal, index, batchBytes)).rejects.toThrow(/simulated crash/);
        await wal.xClose();
        await db.xClose();
        expect(existsSync(`${path}-wal`)).toBe(true);
        expect(existsSync(`${path}-journal`)).toBe(true);
        // What is left: the log, a journal (when the crash came inside a step) and a partly written file.
        expect(sqlite3View(path, DUMP, tmp.dir)).toBe(expected);
        expect(sqlite3View(path, 'PRAGMA integrity_check;', tmp.dir)).toBe('ok\n');
        expect(await ourView(path, DUMP)).toBe(expected);
        await write(path, `INSERT INTO t(b) VALUES ('ours');`);
        expect(existsSync(`${path}-wal`)).toBe(false);
        expect(existsSync(`${path}-journal`)).toBe(false);
        expect(sqlite3On(path, DUMP)).toBe(`${expected}${sqlite3On(path, "SELECT rowid, quote(a), quote(b) FROM t WHERE b = 'ours';")}`);
        expect(integrityCheck(path)).toBe('ok');
      });
    }
  }

  it('a reader that cannot roll back the hot journal beside a log: SQLITE_READONLY, as SQLite (READONLY_ROLLBACK)', async () => {
    const path = makeWalDatabase(tmp.dir, fresh('ro'), { pageSize: 1024, base: BASE, logged: LOGGED });
    const vfs = new PlainFileVfs();
    const db = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB);
    const wal = await vfs.xOpen(`${path}-wal`, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_WAL);
    const index = await scanWal(wal, 'wal');
    if (index.empty) throw new Error('expected frames');
    await expect(checkpointWal(vfs, path, `${path}-wal`, new FailingFile(db, 3), wal, index)).rejects.toThrow(/simulated crash/);
    await wal.xClose();
    await db.xClose();
    /** A file system where the database cannot be opened for writing. */
    class NoWrites extends PlainFileVfs {
      override async xOpen(name: string, flags: number): ReturnType<PlainFileVfs['xOpen']> {
        if ((flags & OpenFlags.SQLITE_OPEN_READWRITE) !== 0 && (flags & OpenFlags.SQLITE_OPEN_MAIN_DB) !== 0) throw new CantOpenError(`unable to open ${name}: EROFS`);
        return super.xOpen(name, flags);
      }
    }
    const ro = new NoWrites();
    const file = await ro.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB);
    const err = await attachWal(ro, path, file, { readonly: true }).catch((e: unknown) => e);
    await file.xClose();
    expect(err).toBeInstanceOf(ReadOnlyError);
    expect(String((err as Error).message)).toMatch(/-journal must be rolled back before .*-wal is applied/);
    // With write access the same reader rolls it back and reads what sqlite3 reads.
    expect(await ourView(path, DUMP)).toBe(sqlite3View(path, DUMP, tmp.dir));
    expect(existsSync(`${path}-journal`)).toBe(false);
  });
});
