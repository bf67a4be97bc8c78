/**
 * A VFS over ordinary files (a `.sqlite` file on local disk), with `node:fs/promises`.
 * Writes go straight to the file (the OS caches them); `xSync` is `fdatasync` (`fsync` for
 * SQLITE_SYNC_FULL). Locks are in-process only (`lock-table.ts`): two connections in this
 * process exclude each other, other processes are not seen — do not share a file being written
 * with the `sqlite3` shell at the same time.
 *
 * One of the few modules allowed to import `node:*`.
 */
import { existsSync, fstatSync, readSync } from 'node:fs';
import { constants, type FileHandle, open, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CantOpenError, IoError, MisuseError, ReadOnlyError, SqliteError } from '../errors.js';
import { type FileLock, LockTable } from './lock-table.js';
import {
  LockLevel,
  OpenFlags,
  SyncFlags,
  type Vfs,
  type VfsFile,
  checkOffset,
  markShortRead,
} from './vfs.js';

export class PlainFileVfs implements Vfs {
  private readonly locks = new LockTable();
  /** The last name resolved, the directory it was resolved in, and the result: every read checks for the journal by name. */
  #resolved: { name: string; cwd: string; path: string } | undefined;

  xFullPathname(name: string): string {
    if (name === '') throw new MisuseError('a file name must not be empty');
    const cwd = process.cwd();
    const last = this.#resolved;
    if (last !== undefined && last.name === name && last.cwd === cwd) return last.path;
    const path = resolve(name);
    this.#resolved = { name, cwd, path };
    return path;
  }

  async xOpen(name: string, flags: OpenFlags): Promise<PlainFile> {
    const path = this.xFullPathname(name);
    const readOnly = (flags & OpenFlags.SQLITE_OPEN_READWRITE) === 0;
    let mode = readOnly ? constants.O_RDONLY : constants.O_RDWR;
    if (!readOnly && (flags & OpenFlags.SQLITE_OPEN_CREATE) !== 0) {
      mode |= constants.O_CREAT;
      if ((flags & OpenFlags.SQLITE_OPEN_EXCLUSIVE) !== 0) mode |= constants.O_EXCL;
    }
    let handle: FileHandle;
    try {
      handle = await open(path, mode, 0o644);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'EEXIST' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
        throw new CantOpenError(`unable to open ${path}: ${code}`, { cause: err });
      }
      throw fsError(err, 'opening', path);
    }
    return new PlainFile(handle, path, {
      readOnly,
      deleteOnClose: (flags & OpenFlags.SQLITE_OPEN_DELETEONCLOSE) !== 0,
      lock: this.locks.handle(path),
    });
  }

  /** Deletes the file; a missing file is not an error. */
  async xDelete(name: string): Promise<void> {
    const path = this.xFullPathname(name);
    try {
      await unlink(path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw fsError(err, 'deleting', path);
    }
  }

  async xAccess(name: string): Promise<boolean> {
    return this.xAccessNow(name);
  }

  /** `xAccess` without a Promise (vfs.ts, AccessNow): a read that needs a page looks for a journal first. */
  xAccessNow(name: string): boolean {
    // existsSync reports a missing file without building an exception (accessSync's throw cost
    // more than the lookup).
    return existsSync(this.xFullPathname(name));
  }
}

interface PlainFileInit {
  readonly readOnly: boolean;
  readonly deleteOnClose: boolean;
  readonly lock: FileLock;
}

export class PlainFile implements VfsFile {
  #closed = false;

  constructor(
    private readonly handle: FileHandle,
    /** The absolute path, for messages. */
    readonly path: string,
    private readonly init: PlainFileInit,
  ) {}

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    checkOffset('xRead amount', amount);
    const out = new Uint8Array(amount);
    const done = this.xReadInto(out, offset);
    // `out` is zero-initialised, so the tail past end of file is already zero-filled.
    return done < amount ? markShortRead(out) : out;
  }

  /** `xRead` into a buffer of the caller's, without a Promise (vfs.ts, ReadNow); returns the bytes read. */
  xReadInto(into: Uint8Array, offset: number): number {
    this.#checkOpen();
    checkOffset('xRead offset', offset);
    const amount = into.length;
    let done = 0;
    try {
      // Synchronous, as SQLite's reads are: a page of a local file comes from the OS page cache
      // in microseconds, ~10x less than a hop through libuv's thread pool, and a query reads
      // many pages (and every read checks the header). read(2) may return fewer bytes than
      // asked before end of file; loop until 0 (EOF).
      while (done < amount) {
        const bytesRead = readSync(this.handle.fd, into, done, amount - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (err) {
      throw fsError(err, 'reading', this.path);
    }
    return done;
  }

  async xWrite(data: Uint8Array, offset: number): Promise<void> {
    this.#checkWritable();
    checkOffset('xWrite offset', offset);
    checkOffset('xWrite end', offset + data.length);
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.handle.write(data, done, data.length - done, offset + done);
        if (bytesWritten === 0) throw new IoError(`writing ${this.path}: no progress (disk full?)`);
        done += bytesWritten;
      }
    } catch (err) {
      throw fsError(err, 'writing', this.path);
    }
  }

  async xTruncate(size: number): Promise<void> {
    this.#checkWritable();
    checkOffset('xTruncate size', size);
    try {
      await this.handle.truncate(size);
    } catch (err) {
      throw fsError(err, 'truncating', this.path);
    }
  }

  /** `fdatasync`, or `fsync` (which also flushes metadata) for SQLITE_SYNC_FULL. */
  async xSync(flags: number): Promise<void> {
    this.#checkOpen();
    if (this.init.readOnly) return;
    try {
      if ((flags & 0x0f) === SyncFlags.SQLITE_SYNC_FULL) await this.handle.sync();
      else await this.handle.datasync();
    } catch (err) {
      throw fsError(err, 'syncing', this.path);
    }
  }

  async xFileSize(): Promise<number> {
    this.#checkOpen();
    try {
      return fstatSync(this.handle.fd).size; // synchronous, like xRead
    } catch (err) {
      throw fsError(err, 'checking the size of', this.path);
    }
  }

  async xLock(level: LockLevel): Promise<void> {
    this.#checkOpen();
    this.init.lock.lock(level);
  }

  async xUnlock(level: LockLevel): Promise<void> {
    this.#checkOpen();
    this.init.lock.unlock(level);
  }

  /** Whether any handle this VFS opened on the same path holds RESERVED or higher (in-process only). */
  async xCheckReservedLock(): Promise<boolean> {
    this.#checkOpen();
    return this.init.lock.reservedByAnyone();
  }

  xSectorSize(): number {
    return 4096;
  }

  /** 0: a plain file promises nothing beyond POSIX (no atomic sector writes, no safe append). */
  xDeviceCharacteristics(): number {
    return 0;
  }

  async xClose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.init.lock.unlock(LockLevel.NONE);
    try {
      await this.handle.close();
      if (this.init.deleteOnClose) await unlink(this.path);
    } catch (err) {
      throw fsError(err, 'closing', this.path);
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new MisuseError(`${this.path} is closed`);
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (this.init.readOnly) throw new ReadOnlyError(`${this.path} was opened read-only`);
  }
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function fsError(err: unknown, what: string, path: string): SqliteError {
  if (err instanceof SqliteError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new IoError(`${what} ${path}: ${message}`, { cause: err });
}
