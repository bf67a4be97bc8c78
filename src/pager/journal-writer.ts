/**
 * Writing and finalizing a rollback journal (format: `journal-format.ts`). The journal of
 * database `P` is the file `P-journal` opened through the same `Vfs` as the database: on the
 * block VFS that is the objects `P-journal/0000000000…`, on plain files the file `FILE-journal`,
 * exactly where SQLite itself (directly or through sqlite-s3vfs) looks for it.
 *
 * ## Ordering, and why
 *
 * `writeJournal`:
 *   1. records at [sectorSize, …), the header sector left as zeros (the VFS contract: a gap
 *      reads as zeros), then xSync;
 *   2. the header, with the real record count, at 0; xSync.
 * On the block VFS both steps are one xSync: it uploads block 0 (which holds the header) after
 * every other block, and each block lands whole. Its journals are written in 1 MiB blocks
 * (`BlockVfsOptions.journalBlockSize`), so a typical commit's journal is one object, one PUT.
 *
 * A journal counts only once its header is valid (`hot-journal.ts`, and SQLite's
 * `hasHotJournal`, which also wants a non-zero first byte). Neither a local disk nor an object
 * store promises that writes land in order — the block VFS uploads blocks in parallel — so the
 * header must not be written before every record is durable: with a valid header over records
 * that never arrived, a crash would "restore" garbage or zeros. SQLite does the same on a device
 * without SAFE_APPEND: it writes the header with magic and count zeroed, syncs the records, then
 * writes magic and count and syncs again (`syncJournal` in pager.c). The database file must not
 * be touched before `writeJournal` has returned.
 *
 * `deleteJournal` (the commit point):
 *   1. zero the header fields (28 bytes at offset 0); xSync;
 *   2. delete the file.
 * On a local file system `unlink` alone would be atomic, but deleting a journal from an object
 * store is many requests (the block VFS deletes block 0 last, after the records): interrupted
 * half way it would leave a valid header over missing records, and the next opener would roll a
 * committed transaction back into a mix of old and new pages. Zeroing the header first turns
 * "committed" into one atomic PUT of block 0; everything after it is clean-up. This is SQLite's
 * own journal_mode=PERSIST finalization, followed by the delete. A block journal that is a single
 * object needs no zeroing: its one DELETE is atomic, and is the commit point.
 */
import { CantOpenError, MisuseError } from '../errors.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { BlockFile } from '../vfs/block-vfs.js';
import { OpenFlags, SyncFlags, type Vfs, type VfsFile } from '../vfs/vfs.js';
import {
  JOURNAL_HEADER_FIELDS,
  MAX_SECTOR_SIZE,
  decodeJournalHeader,
  encodeJournalHeader,
  encodeJournalRecordInto,
  isValidJournalPageSize,
  isValidJournalSectorSize,
  journalRecordSize,
} from './journal-format.js';

/** The journal's file name for database `dbName` (SQLite's convention). */
export function journalName(dbName: string): string {
  return `${dbName}-journal`;
}

/** Flags the journal is opened with (creating it when absent). */
export const JOURNAL_OPEN_FLAGS =
  OpenFlags.SQLITE_OPEN_CREATE | OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_JOURNAL;

/** Records per `xWrite` call are gathered up to about this many bytes. */
const WRITE_CHUNK_BYTES = 1 << 20;

export interface JournalPage {
  readonly pgno: number;
  /** The page's content before the transaction: exactly `pageSize` bytes. */
  readonly data: Uint8Array;
}

export interface WriteJournalOptions {
  readonly pageSize: number;
  /** Header size and alignment; default: the journal file's `xSectorSize()` (clamped as SQLite does). */
  readonly sectorSize?: number;
  /** Database size in pages before the transaction; rollback truncates the database to it. */
  readonly originalPageCount: number;
  /**
   * The original content of every existing page the transaction will overwrite (pgno in
   * 1..originalPageCount, each once, never the lock-byte page). Pages appended beyond the old
   * end need no record: rollback truncates them away. A transaction that shrinks the database
   * must include every page past the new end, or rollback cannot bring them back. May be async
   * (a whole database streamed into a journal by `import --replace`, never held in memory).
   */
  readonly pages: Iterable<JournalPage> | AsyncIterable<JournalPage>;
  /** Checksum nonce; default random. For reproducible tests only. */
  readonly nonce?: number;
}

/** SQLite's `sqlite3SectorSize`: below 32 means 512, above 64 KiB is capped. */
export function journalSectorSize(file: VfsFile): number {
  const reported = file.xSectorSize();
  if (!Number.isInteger(reported) || reported < 32) return 512;
  if (reported > MAX_SECTOR_SIZE) return MAX_SECTOR_SIZE;
  // Round a non-power of two up, so the header still satisfies SQLite's reader.
  let size = 32;
  while (size < reported) size *= 2;
  return size;
}

function randomNonce(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0]!;
}

/**
 * Writes `journalName(dbName)` holding `options.pages`, records first and header last (see the
 * top of this file), and closes it. Refuses (MisuseError) to overwrite a journal that still
 * has a valid header: that one is hot and must be rolled back first. On failure the journal may
 * be left behind; without a valid header it is ignored, and with one (only if the final sync
 * failed ambiguously) rolling it back restores the untouched pages to themselves.
 */
export async function writeJournal(vfs: Vfs, dbName: string, options: WriteJournalOptions & { readonly keepOpen?: false }): Promise<undefined>;
/** `keepOpen`: the journal stays open and is returned, for `deleteJournal` at the commit point (no re-open). */
export async function writeJournal(vfs: Vfs, dbName: string, options: WriteJournalOptions & { readonly keepOpen: true }): Promise<VfsFile>;
export async function writeJournal(vfs: Vfs, dbName: string, options: WriteJournalOptions & { readonly keepOpen?: boolean }): Promise<VfsFile | undefined> {
  const { pageSize, originalPageCount } = options;
  if (!isValidJournalPageSize(pageSize)) throw new MisuseError(`page size ${pageSize} is not valid`);
  if (!Number.isInteger(originalPageCount) || originalPageCount < 0 || originalPageCount > 0xffff_ffff) {
    throw new MisuseError(`original page count ${originalPageCount} is not valid`);
  }
  const name = journalName(dbName);
  const file = await vfs.xOpen(name, JOURNAL_OPEN_FLAGS);
  let closed = false;
  try {
    const sectorSize = options.sectorSize ?? journalSectorSize(file);
    if (!isValidJournalSectorSize(sectorSize)) throw new MisuseError(`sector size ${sectorSize} is not valid`);
    const nonce = options.nonce ?? randomNonce();

    const existing = await file.xFileSize();
    if (existing > 0) {
      const head = await file.xRead(Math.min(existing, JOURNAL_HEADER_FIELDS), 0);
      if (decodeJournalHeader(head) !== undefined) {
        throw new MisuseError(`${name} is a hot journal: roll it back before starting another transaction`);
      }
      await file.xTruncate(0);
    }

    // 1. Records, gathered into chunks.
    const recordSize = journalRecordSize(pageSize);
    const perChunk = Math.max(1, Math.floor(WRITE_CHUNK_BYTES / recordSize));
    const lockByte = lockBytePgno(pageSize);
    const seen = new Set<number>();
    // A chunk no larger than the records it will hold when their number is known (a commit's
    // journal is often one or two pages: not 1 MiB allocated for them), made when a record needs it.
    const chunkRecords = Array.isArray(options.pages) ? Math.max(1, Math.min(perChunk, (options.pages as readonly JournalPage[]).length)) : perChunk;
    let chunk: Uint8Array | undefined;
    let inChunk = 0;
    let offset = sectorSize;
    const flushChunk = async (): Promise<void> => {
      if (inChunk === 0 || chunk === undefined) return;
      await file.xWrite(chunk.subarray(0, inChunk * recordSize), offset);
      offset += inChunk * recordSize;
      inChunk = 0;
      chunk = undefined; // the VFS may keep a reference to the old one: the next record gets a new one
    };
    for await (const page of options.pages) {
      const { pgno, data } = page;
      if (!Number.isInteger(pgno) || pgno < 1 || pgno > originalPageCount) {
        throw new MisuseError(`journal page ${pgno} is outside 1..${originalPageCount} (pages past the old end need no journal)`);
      }
      if (pgno === lockByte) throw new MisuseError(`page ${pgno} is the lock-byte page and is never journaled`);
      if (seen.has(pgno)) throw new MisuseError(`page ${pgno} is journaled twice`);
      if (data.length !== pageSize) throw new MisuseError(`journal page ${pgno} has ${data.length} bytes, not ${pageSize}`);
      seen.add(pgno);
      chunk ??= new Uint8Array(chunkRecords * recordSize);
      encodeJournalRecordInto(chunk, inChunk * recordSize, pgno, data, nonce);
      if (++inChunk === chunkRecords) await flushChunk();
    }
    await flushChunk();
    // A block file uploads block 0 after every other block of a sync, and each block lands
    // whole: one sync makes the records durable before the header (in block 0) exists. Any
    // other file needs SQLite's two syncs.
    if (!(file instanceof BlockFile)) await file.xSync(SyncFlags.SQLITE_SYNC_NORMAL);

    // 2. The header, once every record it counts is durable.
    const header = encodeJournalHeader({ recordCount: seen.size, nonce, originalPageCount, sectorSize, pageSize });
    await file.xWrite(header, 0);
    await file.xSync(SyncFlags.SQLITE_SYNC_FULL);
    closed = true;
    if (options.keepOpen === true) return file;
    await file.xClose();
    return undefined;
  } finally {
    if (!closed) await file.xClose().catch(() => undefined);
  }
}

/**
 * Finalizes and deletes the journal of `dbName`: the commit point of a transaction (and the
 * last step of a rollback). Zeroes the header, syncs, then deletes the file (see the top of this
 * file for why both). A missing journal is not an error. `open`, when given, is the journal
 * already open (it is closed here).
 */
export async function deleteJournal(vfs: Vfs, dbName: string, open?: VfsFile): Promise<void> {
  const name = journalName(dbName);
  let file = open;
  if (file === undefined) {
    // No xAccess first: opening without CREATE answers "missing" just as well, one request fewer.
    try {
      file = await vfs.xOpen(name, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_JOURNAL);
    } catch (err) {
      if (err instanceof CantOpenError) return; // no journal
      throw err;
    }
  }
  try {
    const size = await file.xFileSize();
    // A journal in one block object vanishes in one atomic DELETE: that is the commit point, no
    // header to zero first. Otherwise zero the header, then delete (see the top of this file).
    const oneObject = file instanceof BlockFile && size <= file.blockSize;
    if (size > 0 && !oneObject) {
      await file.xWrite(new Uint8Array(Math.min(size, JOURNAL_HEADER_FIELDS)), 0);
      await file.xSync(SyncFlags.SQLITE_SYNC_FULL);
    }
    if (file instanceof BlockFile) {
      // The handle knows its blocks: truncating deletes them (highest first, block 0 last)
      // without the listing `xDelete` needs — the journal is gone once block 0 is.
      await file.xTruncate(0);
      await file.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
      await file.xClose();
      return;
    }
  } catch (err) {
    await file.xClose().catch(() => undefined);
    throw err;
  }
  await file.xClose();
  await vfs.xDelete(name);
}
