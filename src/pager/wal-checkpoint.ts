/**
 * Checkpointing a write-ahead log into its database, as SQLite's `walCheckpoint` does, before a
 * writer of ours changes the database in rollback-journal mode: copy the newest committed frame
 * of every page into the database file, set the file to the last commit's size, sync, and only
 * then remove the `-wal`.
 *
 * Crash safety. Until the log is removed it still holds every page this copies, so a crash at
 * any point leaves a database that reads the same — to SQLite and to us — once the log is
 * applied again; the checkpoint simply runs again. On top of that, the pages are copied under
 * the rollback journal, as any commit of ours: the original bytes of the pages about to be
 * overwritten (and the original size) go to `X-journal` first, so that a crash mid-copy leaves a
 * hot journal, rolled back by the next opener (SQLite rolls a hot journal back before it opens
 * the log), and the database file on its own never holds half a checkpoint. The copy goes in
 * steps of `BATCH_BYTES` so memory stays bounded; a log larger than that is checkpointed in
 * several journaled steps (then only the log, not the file alone, bridges a crash between steps).
 *
 * The caller must hold whatever excludes other writers (plain files: the process; there is no
 * lease on a plain file, and a single S3 object cannot be written at all).
 */
import { CorruptError, IoError } from '../errors.js';
import { lockBytePgno } from '../format/lock-byte.js';
import type { WalIndex } from '../vfs/wal-index.js';
import { SyncFlags, type Vfs, type VfsFile } from '../vfs/vfs.js';
import { deleteJournal, writeJournal } from './journal-writer.js';

/** Bytes of pages copied per journaled step. */
export const BATCH_BYTES = 16 << 20;

export interface CheckpointResult {
  /** Pages copied from the log into the database file. */
  readonly pages: number;
  /** Journaled steps taken. */
  readonly steps: number;
}

/**
 * Copies the committed frames `index` found in `wal` into `db` (database `name` of `vfs`, open
 * read-write, with no hot journal), then deletes `walName`. CorruptError, before anything is
 * written, when the log claims a size SQLite would also refuse to checkpoint to.
 */
export async function checkpointWal(
  vfs: Vfs,
  name: string,
  walName: string,
  db: VfsFile,
  wal: Pick<VfsFile, 'xRead'>,
  index: WalIndex,
  batchBytes = BATCH_BYTES,
): Promise<CheckpointResult> {
  const ps = index.pageSize;
  const finalSize = index.dbPages * ps;
  // SQLite's sanity check in walCheckpoint: a final size beyond the database plus everything in
  // the log (plus the lock-byte page) can only come from corruption.
  if (finalSize > (await db.xFileSize()) + 65536 + index.frames * ps) {
    throw new CorruptError(`${walName}: its last commit claims ${index.dbPages} pages, more than the database and the log hold`);
  }
  const lockByte = lockBytePgno(ps);
  if (index.pages.has(lockByte)) throw new CorruptError(`${walName} holds a frame of the lock-byte page`, lockByte);

  const pgnos = [...index.pages.keys()].sort((a, b) => a - b);
  const perBatch = Math.max(1, Math.floor(batchBytes / ps));
  let steps = 0;
  for (let i = 0; i < pgnos.length; i += perBatch) {
    const batch = pgnos.slice(i, i + perBatch);
    const basePages = Math.floor((await db.xFileSize()) / ps);
    const originals: { pgno: number; data: Uint8Array }[] = [];
    for (const run of runsOf(batch.filter((p) => p <= basePages), ps)) {
      const bytes = await db.xRead(run.length * ps, (run[0]! - 1) * ps);
      run.forEach((pgno, i) => originals.push({ pgno, data: bytes.subarray(i * ps, (i + 1) * ps) }));
    }
    // Always a journal, even with no originals: its original size truncates away pages this
    // step appends, should it be rolled back.
    await writeJournal(vfs, name, { pageSize: ps, originalPageCount: basePages, pages: originals });
    // Consecutive pages go out in one write each run (their frames are not adjacent in the log).
    for (const run of runsOf(batch, ps)) {
      const out = new Uint8Array(run.length * ps);
      for (let i = 0; i < run.length; i++) out.set(await wal.xRead(ps, index.pages.get(run[i]!)!), i * ps);
      await db.xWrite(out, (run[0]! - 1) * ps);
    }
    await db.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
    await deleteJournal(vfs, name);
    steps++;
  }
  // Pages past the last commit's size are no part of the database (the copy is complete and
  // synced: nothing left to journal), and pages past the old end that no frame holds read as
  // zeros either way.
  if ((await db.xFileSize()) !== finalSize) await db.xTruncate(finalSize);
  await db.xSync(SyncFlags.SQLITE_SYNC_FULL);
  try {
    await vfs.xDelete(walName);
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new IoError(`${walName} was checkpointed into ${name} but cannot be removed (${cause}); nothing was written after it`, { cause: err });
  }
  return { pages: pgnos.length, steps };
}

/** Bytes per write (or read) of consecutive pages. */
const RUN_BYTES = 1 << 20;

/** `pgnos` (ascending) cut into runs of consecutive page numbers, each at most RUN_BYTES long. */
function* runsOf(pgnos: readonly number[], pageSize: number): Generator<number[]> {
  const most = Math.max(1, Math.floor(RUN_BYTES / pageSize));
  let run: number[] = [];
  for (const pgno of pgnos) {
    if (run.length > 0 && (pgno !== run[run.length - 1]! + 1 || run.length === most)) {
      yield run;
      run = [];
    }
    run.push(pgno);
  }
  if (run.length > 0) yield run;
}
