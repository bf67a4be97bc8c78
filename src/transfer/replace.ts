/**
 * `import --replace` (API: `deserialize(…, { replace: true })`): one database replaced by another
 * as one commit, with SQLite's backup-API semantics — the whole database is the transaction.
 *
 * ## Mechanism, and why
 *
 * The blocks `P/…` are the only name a database has (sqlite-s3vfs and every opener read exactly
 * those keys), so "write the new database beside it and switch" has nothing to switch. What every
 * opener already understands is the rollback journal: a hot `P-journal` is rolled back by the next
 * opener, by s3lite and by SQLite itself through sqlite-s3vfs. So the replace is written exactly as
 * a commit that overwrites every page (DESIGN.md, "Commit protocol on S3"), under the writer lease
 * (the caller takes it, waiting as `busyTimeout` says):
 *
 *   1. roll back a dead writer's hot journal, if any (we hold the lease: any journal is orphaned);
 *   2. journal the old database: every page's original bytes and the original page count,
 *      streamed from the old blocks into `P-journal/…` in SQLite's format, the header made valid
 *      last (journal-writer.ts). Memory stays bounded (the journal file's dirty set is flushed
 *      every `JOURNAL_BUFFER_BYTES`); a crash here leaves a journal without a valid header, which
 *      restores nothing — the old database is untouched;
 *   3. block 0 (page 1) FIRST, then the other blocks of the new database in parallel, streamed
 *      from the input; then delete the blocks past the new end. No page but page 1 is overwritten
 *      before block 0 carries the new header, and the journal exists until every page is written:
 *      a crash anywhere here leaves a hot journal, and the next opener restores the old database;
 *   4. delete the journal: THE COMMIT POINT (zero its header, then delete — one atomic step).
 * The lease is checked before every block PUT and confirmed (renewed) before each phase, so a
 * writer that lost its lease stops writing.
 *
 * Readers during a replace see the old database or the new one, never a mix: while the journal is
 * hot and the lease live they read the old database through it (commit-protocol.ts
 * `SafePageFile` overlay), and a read that straddles the journal's creation or deletion fails its
 * end check and is retried.
 *
 * As SQLite's backup API (`sqlite3 DEST ".restore SRC"`) leaves it, the new database is the input
 * byte for byte except four header fields: the change counter (24) and version-valid-for (92) are
 * the OLD database's counter + 1, the schema cookie (40) the old cookie + 1, and offset 96 the
 * SQLite version number we write with, as every s3lite commit does; the page count (28) is the
 * input's. Without that, a connection that cached pages or the schema of the old database (s3lite
 * or SQLite through sqlite-s3vfs) and found the same change counter or schema cookie in the new
 * one — two databases made by the same script often agree — would keep using them.
 *
 * A new database that fits in one block (shorter than a full block) is written last instead, after
 * the old blocks past it are deleted: block 0 shorter than the blocks after it is a layout no
 * opener accepts. The input is then in memory (one block) and checked before anything is written.
 *
 * Costs (n old blocks, m new ones): n GETs and ~n/256 journal PUTs (1 MiB journal blocks at 4 KiB
 * pages) before the first block is overwritten, then the m PUTs of a plain import, the DELETEs of
 * the stale blocks and of the journal: about twice a plain import's requests and time — the price
 * of the old database surviving any crash.
 *
 * The block size stays that of the old database (every block but the last must have one size, and
 * recovery finds it from block 0); an explicit different `blockSize` is refused.
 */
import { CorruptError, MisuseError, NotADatabaseError, SqliteError } from '../errors.js';
import { writeU32 } from '../format/bytes.js';
import { type DatabaseHeader, decodeDatabaseHeader } from '../format/db-header.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { rollbackHotJournal } from '../pager/hot-journal.js';
import { type JournalPage, deleteJournal, writeJournal } from '../pager/journal-writer.js';
import { SQLITE_VERSION_NUMBER } from '../pager/pager.js';
import { type BlockStore, DEFAULT_BLOCK_SIZE } from '../store/block-store.js';
import { BlockFile, BlockVfs } from '../vfs/block-vfs.js';
import type { Lease } from '../vfs/lease.js';
import { OpenFlags, type VfsFile } from '../vfs/vfs.js';
import { BlockUploader } from './block-uploader.js';
import { cutIntoBlocks, listBlocksFrom } from './cut-blocks.js';
import { serialize } from './serialize.js';

/** Journal bytes held in memory before they are uploaded. */
export const JOURNAL_BUFFER_BYTES = 8 * 1024 * 1024;
/** Smallest block size a replace accepts: block 0 must hold the whole 100-byte header. */
const MIN_BLOCK_SIZE = 512;

const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;

export interface ReplaceJob {
  readonly target: BlockStore;
  /** Held by the caller for the whole replace (undefined: `locking: 'none'`). */
  readonly lease: Lease | undefined;
  /** The whole input, from its first byte. */
  readonly input: AsyncIterable<Uint8Array>;
  /** The input's length as its header describes it. */
  readonly expected: number;
  /** Whether a journal was seen beside the database (then a hot one is rolled back first). */
  readonly journalFound: boolean;
  /** An explicit block size (must match the old database's); default: the old database's. */
  readonly blockSize: number | undefined;
  readonly concurrency: number;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface ReplaceResult {
  readonly bytes: number;
  readonly blocks: number;
  readonly blockSize: number;
  readonly removedBlocks: number;
  /** Bytes of the old database copied into the journal. */
  readonly journaledBytes: number;
}

/** The old database's facts a replace needs. */
interface OldDatabase {
  readonly size: number;
  readonly header: DatabaseHeader;
  readonly pageCount: number;
  readonly blockCount: number;
}

export async function replaceDatabase(job: ReplaceJob): Promise<ReplaceResult> {
  const { target, lease } = job;
  const name = target.prefix;
  const vfs = new BlockVfs(target.objects, {
    blockSize: job.blockSize ?? DEFAULT_BLOCK_SIZE,
    concurrency: job.concurrency,
    maxDirtyBytes: JOURNAL_BUFFER_BYTES,
  });
  if (lease !== undefined) {
    // Every block and journal request carries the lease's write fence (store/write-fence.ts): a
    // replace frozen past its lease sends nothing more once another writer may have taken over.
    vfs.fenceWith(name, lease);
    target.fenceSource = () => lease.fence;
  }
  let file = await vfs.xOpen(name, RW);
  try {
    // 1. We hold the lease: a journal here belongs to a writer that is gone.
    if (job.journalFound) {
      lease?.check();
      if (await rollbackHotJournal(vfs, name, file)) {
        await file.xClose();
        file = await vfs.xOpen(name, RW);
      }
    }
    return await replaceOpen(job, vfs, file);
  } finally {
    await file.xClose().catch(() => undefined);
  }
}

async function replaceOpen(job: ReplaceJob, vfs: BlockVfs, file: BlockFile): Promise<ReplaceResult> {
  const { target, lease, expected } = job;
  const name = target.prefix;
  const old = await describeOld(file, target.url);
  const blockSize = old.blockCount > 1 ? file.blockSize : (job.blockSize ?? DEFAULT_BLOCK_SIZE);
  if (job.blockSize !== undefined && job.blockSize !== blockSize) {
    throw new MisuseError(
      `the database at ${target.url} is stored in blocks of ${blockSize} bytes; a replace keeps them ` +
        `(block size ${job.blockSize} was asked for: import into a new location to change it)`,
    );
  }
  if (blockSize < MIN_BLOCK_SIZE) {
    throw new MisuseError(`the database at ${target.url} uses blocks of ${blockSize} bytes; --replace needs at least ${MIN_BLOCK_SIZE}`);
  }
  const total = old.size + expected;
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    job.onProgress?.(done, total);
  };

  // 2. The journal: the old database, page by page, streamed from its blocks.
  await lease?.confirm();
  const journal = await writeJournal(vfs, name, {
    pageSize: old.header.pageSize,
    originalPageCount: old.pageCount,
    pages: journalPages(file, old.header.pageSize, job.concurrency, progress),
    keepOpen: true,
  });

  let overwritten = false;
  const uploader = new BlockUploader(target, job.concurrency, progress, () => lease?.check());
  try {
    // The journal upload may have been long: renew before the first block changes.
    await lease?.confirm();
    const blocks = cutIntoBlocks(job.input, blockSize);
    const first = await blocks.next();
    if (first.done === true) throw new NotADatabaseError('the input is empty, not a SQLite database');
    const block0 = stampHeader(first.value, old.header, expected);
    const newBlocks = Math.ceil(expected / blockSize);
    let bytes = block0.length;
    let count = 1;
    let removed: number[];
    if (newBlocks === 1) {
      // One short block: everything is in hand; check it, delete the rest, then write block 0.
      const more = await blocks.next();
      if (more.done !== true || bytes !== expected) throw lengthError(more.done === true ? bytes : bytes + more.value.length, expected);
      removed = await listBlocksFrom(target, 1);
      overwritten = true;
      lease?.check();
      await target.deleteBlocks(removed);
      lease?.check();
      await target.write(0, block0);
      progress(block0.length);
    } else {
      // 3. Block 0 first, then the rest in parallel. The blocks past the new end are listed
      // meanwhile (a listing that starts past every key we write).
      const staleListing = listBlocksFrom(target, newBlocks);
      staleListing.catch(() => undefined); // observed below
      lease?.check();
      overwritten = true;
      await target.write(0, block0);
      progress(block0.length);
      try {
        for (let next = await blocks.next(); next.done !== true && !uploader.failed; next = await blocks.next()) {
          bytes += next.value.length;
          if (bytes > expected) break;
          await uploader.add(count++, next.value);
        }
      } finally {
        await uploader.drain();
      }
      await uploader.finish();
      if (bytes !== expected) throw lengthError(bytes, expected);
      removed = await staleListing;
      lease?.check();
      await target.deleteBlocks(removed);
    }
    // 4. The commit point.
    lease?.check();
    await deleteJournal(vfs, name, journal);
    return { bytes, blocks: newBlocks, blockSize, removedBlocks: removed.length, journaledBytes: old.size };
  } catch (err) {
    await uploader.drain();
    if (!overwritten) {
      // Nothing was overwritten: the journal only has to go (its pages equal the database's).
      await deleteJournal(vfs, name, journal).catch(() => undefined);
      throw err;
    }
    throw await restoreOld(vfs, name, journal, lease, err, target.url);
  }
}

/** The old database's header and size; refuses what cannot be journaled page by page. */
async function describeOld(file: BlockFile, url: string): Promise<OldDatabase> {
  const size = await file.xFileSize();
  let header: DatabaseHeader;
  try {
    header = decodeDatabaseHeader(await file.xRead(Math.min(100, size), 0));
  } catch (err) {
    throw notWhole(url, size, err instanceof Error ? err.message : String(err));
  }
  if (size % header.pageSize !== 0) throw notWhole(url, size, `not a whole number of ${header.pageSize}-byte pages`);
  return { size, header, pageCount: size / header.pageSize, blockCount: Math.ceil(size / file.blockSize) };
}

function notWhole(url: string, size: number, why: string): CorruptError {
  return new CorruptError(
    `the ${size} bytes at ${url} are not a whole SQLite database (${why}): --replace journals the old database so ` +
      'that a crash can bring it back, and cannot journal this; remove it first, then import',
  );
}

/** Every page of the old database but the lock-byte page (never journaled), read ahead in parallel. */
async function* journalPages(
  file: BlockFile,
  pageSize: number,
  concurrency: number,
  progress: (bytes: number) => void,
): AsyncGenerator<JournalPage> {
  const lockByte = lockBytePgno(pageSize);
  let pgno = 1;
  for await (const data of cutIntoBlocks(serialize(file, { concurrency }), pageSize)) {
    if (pgno !== lockByte) yield { pgno, data };
    progress(data.length);
    pgno++;
  }
}

/**
 * Block 0 of the new database with the header fields a replace owns (see the top of this file):
 * change counter and version-valid-for = old counter + 1, schema cookie = old cookie + 1, page
 * count = the input's, and our SQLite version number.
 */
function stampHeader(block0: Uint8Array, old: DatabaseHeader, expected: number): Uint8Array {
  const out = block0.slice();
  if (out.length < 100) throw new NotADatabaseError(`the input is only ${out.length} bytes, not a SQLite database`);
  const header = decodeDatabaseHeader(out.subarray(0, 100));
  const counter = (old.changeCounter + 1) >>> 0;
  writeU32(out, 24, counter);
  writeU32(out, 28, expected / header.pageSize);
  writeU32(out, 40, (old.schemaCookie + 1) >>> 0);
  writeU32(out, 92, counter);
  writeU32(out, 96, SQLITE_VERSION_NUMBER);
  return out;
}

function lengthError(bytes: number, expected: number): NotADatabaseError {
  return new NotADatabaseError(
    `the input ${bytes > expected ? 'is longer than' : `ended after ${bytes} bytes, shorter than`} the ${expected} bytes its header describes`,
  );
}

/**
 * After a failure past the first overwritten block: roll the journal back now (we still hold the
 * lease), so the old database is whole again at once. If that fails too (the store is gone, the
 * credentials expired), the hot journal stays: the next opener restores the old database. Either
 * way the error says which.
 */
async function restoreOld(vfs: BlockVfs, name: string, journal: VfsFile, lease: Lease | undefined, err: unknown, url: string): Promise<unknown> {
  try {
    lease?.check();
    await journal.xClose();
    const file = await vfs.xOpen(name, RW);
    try {
      await rollbackHotJournal(vfs, name, file);
    } finally {
      await file.xClose();
    }
    return noted(err, `the database at ${url} was left as it was`);
  } catch {
    await journal.xClose().catch(() => undefined);
    return noted(err, `the old database is kept in the journal ${url}-journal and is restored when the database is next opened`);
  }
}

/** The error with a note appended to its message (same class and code). */
function noted(err: unknown, note: string): unknown {
  if (err instanceof SqliteError) {
    err.message = `${err.message}; ${note}`;
    return err;
  }
  return new SqliteError('SQLITE_IOERR', `${err instanceof Error ? err.message : String(err)}; ${note}`, { cause: err });
}
