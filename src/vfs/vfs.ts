/**
 * The VFS interface: SQLite's file abstraction (https://www.sqlite.org/c3ref/vfs.html and
 * https://www.sqlite.org/c3ref/io_methods.html), shaped after APSW with the names SQLite uses,
 * but async because S3 is. The pager talks only to `VfsFile`.
 *
 * Deviations from the C API, each deliberate:
 * - `xRead` returns a fresh buffer of exactly `amount` bytes instead of filling one. A read that
 *   runs past the end of the file is zero-filled and *flagged* (SQLite's SQLITE_IOERR_SHORT_READ,
 *   which is a success code for the pager): test it with `isShortRead(buf)`.
 * - Errors are thrown (`SqliteError` subclasses), not returned.
 */
import { MisuseError } from '../errors.js';

/** `xOpen` flags, as SQLite names them (https://www.sqlite.org/c3ref/c_open_autoproxy.html). */
export const OpenFlags = {
  SQLITE_OPEN_READONLY: 0x0000_0001,
  SQLITE_OPEN_READWRITE: 0x0000_0002,
  SQLITE_OPEN_CREATE: 0x0000_0004,
  SQLITE_OPEN_DELETEONCLOSE: 0x0000_0008,
  SQLITE_OPEN_EXCLUSIVE: 0x0000_0010,
  SQLITE_OPEN_AUTOPROXY: 0x0000_0020,
  SQLITE_OPEN_URI: 0x0000_0040,
  SQLITE_OPEN_MEMORY: 0x0000_0080,
  SQLITE_OPEN_MAIN_DB: 0x0000_0100,
  SQLITE_OPEN_TEMP_DB: 0x0000_0200,
  SQLITE_OPEN_TRANSIENT_DB: 0x0000_0400,
  SQLITE_OPEN_MAIN_JOURNAL: 0x0000_0800,
  SQLITE_OPEN_TEMP_JOURNAL: 0x0000_1000,
  SQLITE_OPEN_SUBJOURNAL: 0x0000_2000,
  SQLITE_OPEN_SUPER_JOURNAL: 0x0000_4000,
  SQLITE_OPEN_NOMUTEX: 0x0000_8000,
  SQLITE_OPEN_FULLMUTEX: 0x0001_0000,
  SQLITE_OPEN_SHAREDCACHE: 0x0002_0000,
  SQLITE_OPEN_PRIVATECACHE: 0x0004_0000,
  SQLITE_OPEN_WAL: 0x0008_0000,
  SQLITE_OPEN_NOFOLLOW: 0x0100_0000,
} as const;
/** A bitwise OR of `OpenFlags` values. */
export type OpenFlags = number;

/** File lock levels (https://www.sqlite.org/c3ref/c_lock_exclusive.html, https://www.sqlite.org/lockingv3.html). */
export const LockLevel = {
  NONE: 0,
  SHARED: 1,
  RESERVED: 2,
  PENDING: 3,
  EXCLUSIVE: 4,
} as const;
export type LockLevel = (typeof LockLevel)[keyof typeof LockLevel];

/** `xSync` flags (https://www.sqlite.org/c3ref/c_sync_dataonly.html). */
export const SyncFlags = {
  SQLITE_SYNC_NORMAL: 0x02,
  SQLITE_SYNC_FULL: 0x03,
  SQLITE_SYNC_DATAONLY: 0x10,
} as const;

/** `xDeviceCharacteristics` bits (https://www.sqlite.org/c3ref/c_iocap_atomic.html). */
export const DeviceCharacteristics = {
  SQLITE_IOCAP_ATOMIC: 0x0000_0001,
  SQLITE_IOCAP_ATOMIC512: 0x0000_0002,
  SQLITE_IOCAP_ATOMIC1K: 0x0000_0004,
  SQLITE_IOCAP_ATOMIC2K: 0x0000_0008,
  SQLITE_IOCAP_ATOMIC4K: 0x0000_0010,
  SQLITE_IOCAP_ATOMIC8K: 0x0000_0020,
  SQLITE_IOCAP_ATOMIC16K: 0x0000_0040,
  SQLITE_IOCAP_ATOMIC32K: 0x0000_0080,
  SQLITE_IOCAP_ATOMIC64K: 0x0000_0100,
  SQLITE_IOCAP_SAFE_APPEND: 0x0000_0200,
  SQLITE_IOCAP_SEQUENTIAL: 0x0000_0400,
  SQLITE_IOCAP_UNDELETABLE_WHEN_OPEN: 0x0000_0800,
  SQLITE_IOCAP_POWERSAFE_OVERWRITE: 0x0000_1000,
  SQLITE_IOCAP_IMMUTABLE: 0x0000_2000,
  SQLITE_IOCAP_BATCH_ATOMIC: 0x0000_4000,
} as const;

export interface Vfs {
  /** Opens (and with SQLITE_OPEN_CREATE creates) a file; a missing file without CREATE → `CantOpenError`. */
  xOpen(name: string, flags: OpenFlags): Promise<VfsFile>;
  /** Deletes a file; deleting a missing file is not an error. */
  xDelete(name: string): Promise<void>;
  /** Whether the file exists. */
  xAccess(name: string): Promise<boolean>;
  /** The canonical name of a file, as `xOpen` would use it. */
  xFullPathname(name: string): string;
}

export interface VfsFile {
  /** Exactly `amount` bytes from `offset`; past the end of file zero-filled and flagged (`isShortRead`). */
  xRead(amount: number, offset: number): Promise<Uint8Array>;
  /** Writes `data` at `offset`; writing past the end grows the file, the gap reads as zeros. */
  xWrite(data: Uint8Array, offset: number): Promise<void>;
  /** Sets the file size (shrinks, or grows with zeros). */
  xTruncate(size: number): Promise<void>;
  /** Makes every write so far durable; `flags` are `SyncFlags`. */
  xSync(flags: number): Promise<void>;
  /** The current size in bytes, including writes not yet synced. */
  xFileSize(): Promise<number>;
  /** Raises the lock to `level`; `BusyError` when another connection prevents it. */
  xLock(level: LockLevel): Promise<void>;
  /** Lowers the lock to `level` (SHARED or NONE). */
  xUnlock(level: LockLevel): Promise<void>;
  /** Whether any connection holds RESERVED or higher on this file. */
  xCheckReservedLock(): Promise<boolean>;
  xSectorSize(): number;
  /** A bitwise OR of `DeviceCharacteristics`. */
  xDeviceCharacteristics(): number;
  /** Syncs (where the VFS buffers writes) and releases the file; later calls → `MisuseError`. */
  xClose(): Promise<void>;
}

/**
 * What a VFS whose calls finish at once (local files: read(2) and access(2) against the OS
 * cache) may offer besides its Promises, for the reader's hot paths — the per-statement header
 * check, the journal look and a page miss — so that a point lookup costs no Promise per page.
 * Same meaning as `xRead` / `xAccess`; optional, found by shape (`canReadNow`, `canAccessNow`).
 */
export interface ReadNow {
  /** Fills `into` from `offset`; returns the bytes read (fewer only at end of file; the rest of `into` is left as it was). */
  xReadInto(into: Uint8Array, offset: number): number;
}
export interface AccessNow {
  xAccessNow(name: string): boolean;
}

export function canReadNow<F extends object>(file: F): file is F & ReadNow {
  return typeof (file as Partial<ReadNow>).xReadInto === 'function';
}

export function canAccessNow<V extends object>(vfs: V): vfs is V & AccessNow {
  return typeof (vfs as Partial<AccessNow>).xAccessNow === 'function';
}

// ── Short reads ─────────────────────────────────────────────────────────────────────────
// SQLite's xRead reports SQLITE_IOERR_SHORT_READ (after zero-filling) when the file ends before
// `amount` bytes; the pager treats that as "page beyond end of file" rather than as an error.
// We keep `xRead`'s signature and remember such buffers in a WeakSet instead: no extra field on
// the buffer, and nothing retained once the buffer is garbage.

const shortReads = new WeakSet<Uint8Array>();

/** Whether `buf` came from an `xRead` that found fewer than `amount` bytes before end of file (its tail is zero-filled). */
export function isShortRead(buf: Uint8Array): boolean {
  return shortReads.has(buf);
}

/** For VFS implementations: flags `buf` as a short read and returns it. */
export function markShortRead(buf: Uint8Array): Uint8Array {
  shortReads.add(buf);
  return buf;
}

/** For VFS implementations: `xRead`/`xWrite`/`xTruncate` argument checks (MisuseError). */
export function checkOffset(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MisuseError(`${what} must be a non-negative integer, got ${value}`);
  }
}
