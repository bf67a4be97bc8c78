/**
 * Hot journals: reading a rollback journal the way SQLite's `pager_playback` does, and rolling
 * it back into the database (format: `journal-format.ts`; writing: `journal-writer.ts`).
 *
 * A journal is *hot* — it holds the only copy of pages a crashed writer had begun to overwrite —
 * when (as SQLite's `hasHotJournal` decides, minus the locks, which the caller has settled):
 *   - `P-journal` exists,
 *   - the database file is not empty,
 *   - its first segment header is valid (magic, sector size, page size), and
 *   - it names no super-journal, or the super-journal it names still exists (and is not empty).
 * Anything else is a journal whose transaction either never touched the database (a half-written
 * journal: header not yet written) or already committed; it is deleted and ignored.
 *
 * Rollback, as `pager_playback`: truncate (or extend) the database to the first header's
 * original size; write back, in journal order, every record up to the first one that is not
 * sound (bad checksum, pgno 0 or the lock-byte page, short); skip records for pages past the
 * original size; sync the database; then finalize and delete the journal. Interrupted at any
 * point it can simply be run again: until the journal is gone, it is still hot.
 *
 * One check SQLite does not make: a journal whose original size exceeds everything else known
 * about the database is refused with CorruptError (`checkOriginalSize`), instead of growing the
 * database file by up to 2^32 pages on the word of an unchecksummed header field.
 *
 * The journal is read through a sliding window of about 1 MiB, so neither memory nor requests
 * grow with a corrupt record count: every loop advances through the file and stops at its end.
 */
import { readU16, readU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { CantOpenError, CorruptError } from '../errors.js';
import { OpenFlags, SyncFlags, type Vfs, type VfsFile } from '../vfs/vfs.js';
import {
  JOURNAL_HEADER_FIELDS,
  type JournalEnd,
  type JournalHeader,
  RECORD_COUNT_TO_EOF,
  SUPER_JOURNAL_TRAILER,
  decodeJournalHeader,
  decodeJournalRecord,
  decodeSuperJournalName,
  isValidJournalPageSize,
  journalChecksum,
  journalRecordSize,
  nextHeaderOffset,
  superJournalNameLength,
} from './journal-format.js';
import { deleteJournal, journalName } from './journal-writer.js';

/** Longest super-journal name accepted (SQLite's unix VFS: mxPathname = 512). */
const MAX_SUPER_JOURNAL_NAME = 512;
/** Bytes the journal is read in, at least one record. */
const WINDOW_BYTES = 1 << 20;

/** The first header's facts, with the page size resolved. */
export interface JournalInfo {
  readonly pageSize: number;
  readonly sectorSize: number;
  readonly originalPageCount: number;
  /** The super-journal named at the end of the journal, if any. */
  readonly superJournal: string | undefined;
}

/** Reads [offset, offset+length) through a window, so consecutive small reads cost one `xRead`. */
class WindowReader {
  #start = 0;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly file: VfsFile,
    readonly size: number,
  ) {}

  /** The bytes, or `undefined` when they run past the end of the file. */
  async bytes(offset: number, length: number): Promise<Uint8Array | undefined> {
    if (offset + length > this.size) return undefined;
    if (offset < this.#start || offset + length > this.#start + this.#buf.length) {
      const amount = Math.min(this.size - offset, Math.max(length, WINDOW_BYTES));
      this.#buf = await this.file.xRead(amount, offset);
      this.#start = offset;
    }
    const at = offset - this.#start;
    return this.#buf.subarray(at, at + length);
  }
}

/** An open journal positioned after its first header. */
interface OpenedJournal {
  readonly info: JournalInfo;
  readonly first: JournalHeader;
  readonly reader: WindowReader;
}

/** The page size a journal header of page size 0 stands for: the database's, from its header. */
async function databasePageSize(dbFile: VfsFile): Promise<number | undefined> {
  if ((await dbFile.xFileSize()) < 100) return undefined;
  const raw = readU16(await dbFile.xRead(2, 16), 0);
  const pageSize = raw === 1 ? 65536 : raw;
  return isValidJournalPageSize(pageSize) ? pageSize : undefined;
}

/** Decodes the first header and the super-journal name; `undefined` when the header is not valid. */
async function openJournal(file: VfsFile, dbFile: VfsFile): Promise<OpenedJournal | undefined> {
  const reader = new WindowReader(file, await file.xFileSize());
  const head = await reader.bytes(0, JOURNAL_HEADER_FIELDS);
  const first = head === undefined ? undefined : decodeJournalHeader(head);
  if (first === undefined) return undefined;
  // The whole header sector must be present (SQLite: "too small for there to be a header").
  if (reader.size < first.sectorSize) return undefined;
  const pageSize = first.pageSize !== 0 ? first.pageSize : await databasePageSize(dbFile);
  if (pageSize === undefined) return undefined;

  // Read beside the window (which keeps the start of the journal for the playback that follows).
  let superJournal: string | undefined;
  if (reader.size >= SUPER_JOURNAL_TRAILER) {
    const last16 = await file.xRead(SUPER_JOURNAL_TRAILER, reader.size - SUPER_JOURNAL_TRAILER);
    const length = superJournalNameLength(last16, reader.size, MAX_SUPER_JOURNAL_NAME);
    if (length !== undefined) {
      const name = await file.xRead(length, reader.size - SUPER_JOURNAL_TRAILER - length);
      superJournal = decodeSuperJournalName(name, last16);
    }
  }
  return {
    info: { pageSize, sectorSize: first.sectorSize, originalPageCount: first.originalPageCount, superJournal },
    first,
    reader,
  };
}

/**
 * The records `pager_playback` would write back, in order, after the first header (see
 * `decodeJournal` in journal-format.ts for the rules; this is the same walk over a file).
 * Returns why it stopped.
 */
async function* playbackRecords(
  journal: OpenedJournal,
): AsyncGenerator<{ pgno: number; data: Uint8Array }, JournalEnd> {
  const { reader, first } = journal;
  const { pageSize, sectorSize, originalPageCount } = journal.info;
  const recordSize = journalRecordSize(pageSize);
  const lockByte = lockBytePgno(pageSize);
  let header = first;
  let offset = sectorSize;
  for (;;) {
    const count =
      header.recordCount === RECORD_COUNT_TO_EOF ? Math.floor((reader.size - offset) / recordSize) : header.recordCount;
    for (let i = 0; i < count; i++) {
      const bytes = await reader.bytes(offset, recordSize);
      if (bytes === undefined) return 'eof';
      offset += recordSize;
      const record = decodeJournalRecord(bytes, 0, pageSize);
      if (record.pgno === 0 || record.pgno === lockByte) return 'bad-pgno';
      if (record.pgno > originalPageCount) continue;
      if (journalChecksum(header.nonce, record.data) !== record.checksum) return 'bad-checksum';
      yield { pgno: record.pgno, data: record.data };
    }
    const at = nextHeaderOffset(offset, sectorSize);
    if (at + sectorSize > reader.size) return 'eof';
    const next = decodeJournalHeader((await reader.bytes(at, JOURNAL_HEADER_FIELDS))!.slice(), false);
    if (next === undefined) return 'no-header';
    header = next;
    offset = at + sectorSize;
  }
}

/**
 * The in-header database size of a page 1 (fileformat2.html#in_header_database_size): the page
 * count at offset 28, trusted only when non-zero and "version-valid-for" (92) equals the change
 * counter (24). `undefined` otherwise.
 */
function inHeaderPageCount(page1: Uint8Array): number | undefined {
  if (page1.length < 100) return undefined;
  const count = readU32(page1, 28);
  return count !== 0 && readU32(page1, 92) === readU32(page1, 24) ? count : undefined;
}

/**
 * Guards the one header field no checksum covers and rollback acts on at once: the original
 * size. A valid journal never claims more pages than the largest of: the size page 1 will
 * declare once rolled back, the database's current size, and the largest page it restores (a
 * transaction that shrank the file journals the pages past its new end). A larger claim — a
 * damaged header — would grow the database by up to 2^32 pages, so it is refused before the
 * database is touched (CorruptError; the journal stays for inspection). Costs one extra pass over
 * the journal, which only a crash ever makes us read.
 */
async function checkOriginalSize(journal: OpenedJournal, dbFile: VfsFile, journalUrl: string): Promise<void> {
  const { pageSize, originalPageCount } = journal.info;
  const dbSize = await dbFile.xFileSize();
  const currentPages = Math.ceil(dbSize / pageSize);
  if (originalPageCount <= currentPages) return;
  let largest = 0;
  let page1: Uint8Array | undefined;
  for await (const { pgno, data } of playbackRecords(journal)) {
    largest = Math.max(largest, pgno);
    if (pgno === 1) page1 = data;
  }
  if (page1 === undefined && dbSize >= 100) page1 = await dbFile.xRead(100, 0);
  const declared = page1 === undefined ? undefined : inHeaderPageCount(page1);
  const bound = Math.max(currentPages, largest, declared ?? 0);
  if (originalPageCount > bound) {
    throw new CorruptError(
      `hot journal ${journalUrl} claims the database had ${originalPageCount} pages, but it restores pages only up to ` +
        `${largest}, the database has ${currentPages} and page 1 declares ${declared ?? 'no valid size'}: refusing to roll back`,
    );
  }
}

async function openExisting(vfs: Vfs, name: string, access: number): Promise<VfsFile | undefined> {
  if (!(await vfs.xAccess(name))) return undefined;
  try {
    return await vfs.xOpen(name, access | OpenFlags.SQLITE_OPEN_MAIN_JOURNAL);
  } catch (err) {
    if (err instanceof CantOpenError) return undefined; // deleted meanwhile
    throw err;
  }
}

/** Whether the journal must be played back (see the top of this file), given its decoded header. */
async function isHot(vfs: Vfs, journal: OpenedJournal | undefined, dbFile: VfsFile): Promise<boolean> {
  if (journal === undefined) return false;
  if ((await dbFile.xFileSize()) === 0) return false;
  const superJournal = journal.info.superJournal;
  return superJournal === undefined || (await superJournalExists(vfs, superJournal));
}

/**
 * Whether the super-journal exists, as SQLite's unix VFS answers SQLITE_ACCESS_EXISTS: an
 * empty file counts as absent (a super-journal always lists at least one child journal).
 */
async function superJournalExists(vfs: Vfs, name: string): Promise<boolean> {
  if (!(await vfs.xAccess(name))) return false;
  let file: VfsFile;
  try {
    file = await vfs.xOpen(name, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_SUPER_JOURNAL);
  } catch (err) {
    if (err instanceof CantOpenError) return false;
    throw err;
  }
  try {
    return (await file.xFileSize()) > 0;
  } finally {
    await file.xClose();
  }
}

/**
 * Rolls back the hot journal of `dbName` into `dbFile` (the database, open read-write through
 * `vfs`) and deletes the journal. Returns true when pages were restored (the journal was hot);
 * false when there was no journal, or one that is not hot, which is deleted. The caller must
 * have made sure no live writer owns the journal (lease, lock).
 *
 * A super-journal named by the journal is never deleted here (we never write one; SQLite
 * deletes it once all its child journals are gone).
 */
export async function rollbackHotJournal(vfs: Vfs, dbName: string, dbFile: VfsFile): Promise<boolean> {
  const file = await openExisting(vfs, journalName(dbName), OpenFlags.SQLITE_OPEN_READWRITE);
  if (file === undefined) return false;
  let journal: OpenedJournal | undefined;
  try {
    journal = await openJournal(file, dbFile);
    if (!(await isHot(vfs, journal, dbFile)) || journal === undefined) {
      await deleteJournal(vfs, dbName, file);
      return false;
    }
    await checkOriginalSize(journal, dbFile, vfs.xFullPathname(journalName(dbName)));
    const { pageSize, originalPageCount } = journal.info;
    const size = originalPageCount * pageSize;
    if ((await dbFile.xFileSize()) !== size) await dbFile.xTruncate(size);
    for await (const { pgno, data } of playbackRecords(journal)) {
      await dbFile.xWrite(data, (pgno - 1) * pageSize);
    }
    await dbFile.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
  } catch (err) {
    await file.xClose().catch(() => undefined);
    throw err;
  }
  await deleteJournal(vfs, dbName, file);
  return true;
}

/** Whether `dbName` has a journal at all (hot or not): a cheap check before taking locks. */
export async function journalExists(vfs: Vfs, dbName: string): Promise<boolean> {
  return vfs.xAccess(journalName(dbName));
}

/** The last committed state as a hot journal records it, for a reader that must not wait for a writer. */
export interface JournalSnapshot extends JournalInfo {
  /**
   * The first header as read. The snapshot is only as good as the journal was stable while it
   * was read: a commit that finishes meanwhile zeroes this header and deletes the records. Re-read
   * the header afterwards (or compare the change counter) and retry when it changed.
   */
  readonly header: JournalHeader;
  /** Original content of each journaled page (pgno → bytes). */
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly end: JournalEnd;
}

/**
 * Reads (without changing anything) what rolling back the journal of `dbName` would restore:
 * `undefined` when there is no hot journal. A reader that finds one sees the last committed
 * database as: size `originalPageCount` pages, page p = `pages.get(p)` if present, else the
 * database file's page p. The whole set of journaled pages is held in memory.
 */
export async function readHotJournal(vfs: Vfs, dbName: string, dbFile: VfsFile): Promise<JournalSnapshot | undefined> {
  const file = await openExisting(vfs, journalName(dbName), OpenFlags.SQLITE_OPEN_READONLY);
  if (file === undefined) return undefined;
  try {
    const journal = await openJournal(file, dbFile);
    if (!(await isHot(vfs, journal, dbFile)) || journal === undefined) return undefined;
    await checkOriginalSize(journal, dbFile, vfs.xFullPathname(journalName(dbName)));
    const pages = new Map<number, Uint8Array>();
    const records = playbackRecords(journal);
    let next = await records.next();
    while (next.done !== true) {
      pages.set(next.value.pgno, next.value.data);
      next = await records.next();
    }
    return { ...journal.info, header: journal.first, pages, end: next.value };
  } finally {
    await file.xClose();
  }
}
