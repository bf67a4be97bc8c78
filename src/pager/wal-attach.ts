/**
 * The open path's one look for a write-ahead log: when `NAME-wal` exists beside database `NAME`,
 * the database is what SQLite would see (without the `-shm`, which only caches what the log
 * holds): the committed frames of the log's current generation over the database file.
 *
 *   reader  → the file comes back wrapped in a `WalOverlayFile` (read-only, nothing written);
 *   writer  → the log is checkpointed into the file first (`wal-checkpoint.ts`), then the file
 *             is written as any other, in rollback-journal mode. Header bytes 18–19 stay 2, so
 *             sqlite3 keeps the database in WAL mode.
 *
 * A log SQLite would ignore (no frame after its header, bad magic, page size or header checksum,
 * no commit frame, only frames of an older generation) is ignored here too and left as it is:
 * SQLite starts a new generation over it at its next write. A log beside an empty database file
 * is ignored, and a writer deletes it (as SQLite does). A valid log whose pages are not the
 * database's size is CorruptError: SQLite would read its frames into pages of the wrong size; so
 * is a last commit claiming more pages than the file and the log together hold (SQLite's
 * checkpoint check).
 *
 * A hot rollback journal is rolled back first, as SQLite does before it opens the log; a reader
 * that cannot (read-only file) gets SQLITE_READONLY, as SQLite's SQLITE_READONLY_ROLLBACK.
 */
import { AccessDeniedError, CantOpenError, CorruptError, ReadOnlyError } from '../errors.js';
import { readU16 } from '../format/bytes.js';
import { DATABASE_MAGIC } from '../format/db-header.js';
import { OpenFlags, type Vfs, type VfsFile } from '../vfs/vfs.js';
import { type WalEmpty, type WalIndex, scanWal } from '../vfs/wal-index.js';
import { WalOverlayFile } from '../vfs/wal-overlay-file.js';
import { readHotJournal, rollbackHotJournal } from './hot-journal.js';
import { journalName } from './journal-writer.js';
import { checkpointWal } from './wal-checkpoint.js';

/** What was found beside the database, for `info` and messages. */
export interface WalSummary {
  /** The log's full name. */
  readonly name: string;
  /** 'applied': read through it; 'checkpointed': copied into the database and removed; 'ignored': SQLite would ignore it too. */
  readonly state: 'applied' | 'checkpointed' | 'ignored';
  /** Committed frames applied or checkpointed (0 when ignored). */
  readonly frames: number;
  readonly commits: number;
  /** Distinct pages those frames hold. */
  readonly pages: number;
  /** Valid frames after the last commit frame (an unfinished transaction), when ignored for want of a commit. */
  readonly uncommittedFrames: number;
  /** Why it was ignored (state 'ignored'), else why the valid part ends. */
  readonly reason: string;
}

export interface AttachedFile {
  readonly file: VfsFile;
  readonly wal: WalSummary | undefined;
}

/** The log's name for database `name` (SQLite's convention). */
export function walName(name: string): string {
  return `${name}-wal`;
}

/**
 * Looks for `name`-wal beside database `name` (opened as `file` through `vfs`) and applies it:
 * see the top of this file. `readonly`: a reader (the log is read through); else a writer (the
 * log is checkpointed). Returns the file to use in place of `file` (which it then owns).
 */
export async function attachWal(vfs: Vfs, name: string, file: VfsFile, options: { readonly readonly: boolean }): Promise<AttachedFile> {
  const wal = walName(name);
  const fullName = vfs.xFullPathname(wal);
  if (!(await vfs.xAccess(wal))) return { file, wal: undefined };
  if ((await file.xFileSize()) === 0) {
    // A log beside an empty database belongs to none: SQLite deletes it when it opens the
    // database (pagerOpenWalIfPresent), and so does a writer here — else sqlite3 would lay its
    // frames over the database about to be created.
    if (!options.readonly) await vfs.xDelete(wal);
    return { file, wal: undefined };
  }
  let walFile: VfsFile;
  try {
    walFile = await vfs.xOpen(wal, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_WAL);
  } catch (err) {
    if (err instanceof CantOpenError) return { file, wal: undefined }; // removed meanwhile
    throw err;
  }
  let kept = false;
  try {
    const scan = await scanWal(walFile, fullName);
    if (scan.empty) return { file, wal: ignoredSummary(fullName, scan) };
    // The journal first (it may change page 1 and the size the checks look at), as SQLite.
    await rollBackHotJournalFirst(vfs, name, file, options.readonly);
    await checkPageSize(scan, file, walFile, fullName, vfs.xFullPathname(name));
    await checkFinalSize(scan, file, fullName);
    const summary = (state: WalSummary['state']): WalSummary => appliedSummary(fullName, scan, state);
    if (options.readonly) {
      kept = true;
      const overlay = new WalOverlayFile(file, walFile, scan, { walName: fullName, stillThere: () => vfs.xAccess(wal) });
      return { file: overlay, wal: summary('applied') };
    }
    await checkpointWal(vfs, name, wal, file, walFile, scan);
    return { file, wal: summary('checkpointed') };
  } finally {
    if (!kept) await walFile.xClose();
  }
}

/**
 * A log given as a file (a single S3 object's `k-wal`, read by ranges) over a read-only database
 * `file`: the same reading as `attachWal` for a reader, with no journal to look for (a single
 * object has none) and nothing that could remove the log meanwhile. Owns `walFile`.
 */
export async function attachWalFile(
  file: VfsFile,
  walFile: VfsFile,
  names: { readonly wal: string; readonly db: string; readonly readOnlyMessage?: string },
): Promise<AttachedFile> {
  let kept = false;
  try {
    if ((await file.xFileSize()) === 0) return { file, wal: undefined };
    const scan = await scanWal(walFile, names.wal);
    if (scan.empty) return { file, wal: ignoredSummary(names.wal, scan) };
    await checkPageSize(scan, file, walFile, names.wal, names.db);
    await checkFinalSize(scan, file, names.wal);
    kept = true;
    const overlay = new WalOverlayFile(file, walFile, scan, {
      walName: names.wal,
      ...(names.readOnlyMessage !== undefined && { readOnlyMessage: names.readOnlyMessage }),
    });
    return { file: overlay, wal: appliedSummary(names.wal, scan, 'applied') };
  } finally {
    if (!kept) await walFile.xClose();
  }
}

function appliedSummary(name: string, scan: WalIndex, state: WalSummary['state']): WalSummary {
  return { name, state, frames: scan.frames, commits: scan.commits, pages: scan.pages.size, uncommittedFrames: 0, reason: scan.end };
}

function ignoredSummary(name: string, scan: WalEmpty): WalSummary {
  return { name, state: 'ignored', frames: 0, commits: 0, pages: 0, uncommittedFrames: scan.uncommittedFrames, reason: scan.reason };
}

/**
 * One line for a log that was ignored for a reason worth telling (a damaged header, an unfinished
 * transaction); undefined for the ordinary empty states (no header yet, reset, truncated to 0).
 */
export function ignoredWalWarning(wal: WalSummary): string | undefined {
  if (wal.state !== 'ignored') return undefined;
  if (wal.reason === 'magic' || wal.reason === 'page-size' || wal.reason === 'checksum') {
    return `${wal.name} ignored: not a valid write-ahead log (bad ${wal.reason === 'checksum' ? 'header checksum' : wal.reason}), as SQLite ignores it`;
  }
  if (wal.reason === 'no-commit' && wal.uncommittedFrames > 0) {
    return `${wal.name} ignored: its ${wal.uncommittedFrames} frames are an unfinished transaction (no commit frame), as SQLite ignores them`;
  }
  return undefined;
}

/**
 * The page size the database has with the log applied (page 1 from the log when it holds page
 * 1, else from the file) must be the log's. A page 1 without the SQLite magic is left to the
 * pager (it reports "not a database").
 */
async function checkPageSize(index: WalIndex, file: VfsFile, wal: VfsFile, walName: string, dbName: string): Promise<void> {
  const frame1 = index.pages.get(1);
  const head = frame1 !== undefined ? await wal.xRead(18, frame1) : await file.xRead(18, 0);
  for (let i = 0; i < DATABASE_MAGIC.length; i++) if (head[i] !== DATABASE_MAGIC[i]) return;
  const raw = readU16(head, 16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize !== index.pageSize) {
    throw new CorruptError(
      `${walName} holds ${index.pageSize}-byte pages but the database ${dbName} has ${pageSize}-byte pages (a write-ahead log of another database?)`,
    );
  }
}

/**
 * SQLite's checkpoint refuses a last commit whose size exceeds the database file plus every
 * frame of the log plus the lock-byte page (`walCheckpoint`): only corruption gets there. We
 * refuse it at open, for readers too, so a checksummed but absurd size never reaches the pager
 * (whose page count sizes a census or an integrity check).
 */
async function checkFinalSize(index: WalIndex, file: VfsFile, walName: string): Promise<void> {
  const limit = (await file.xFileSize()) + 65536 + index.frames * index.pageSize;
  if (index.dbPages * index.pageSize > limit) {
    throw new CorruptError(`${walName}: its last commit claims ${index.dbPages} pages, more than the database and the log hold`);
  }
}

/** SQLite rolls a hot journal back before it opens the log; so do we (see the top of this file). */
async function rollBackHotJournalFirst(vfs: Vfs, name: string, file: VfsFile, readonly: boolean): Promise<void> {
  if (!(await vfs.xAccess(journalName(name)))) return;
  if (!readonly) {
    await rollbackHotJournal(vfs, name, file);
    return;
  }
  let writable: VfsFile | undefined;
  try {
    writable = await vfs.xOpen(name, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB);
    await rollbackHotJournal(vfs, name, writable);
  } catch (err) {
    const denied = err instanceof CantOpenError || err instanceof ReadOnlyError || err instanceof AccessDeniedError;
    if (!denied) throw err;
    if ((await readHotJournal(vfs, name, file)) === undefined) return; // not hot: nothing to restore
    throw new ReadOnlyError(
      `attempt to write a readonly database: ${vfs.xFullPathname(journalName(name))} must be rolled back before ${vfs.xFullPathname(walName(name))} is applied, and ${vfs.xFullPathname(name)} cannot be written (SQLITE_READONLY_ROLLBACK)`,
      { cause: err },
    );
  } finally {
    await writable?.xClose();
  }
}
