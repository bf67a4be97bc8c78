/**
 * The commit protocol on S3 (DESIGN.md, "Commit protocol on S3"), wired into the pager through
 * its `CommitHooks`, plus the open path and consistent reads. The pieces it joins:
 *   lease          vfs/lease.ts            one writer at a time (`P-lock`)
 *   probe          store/capability-probe  refuse to write where If-None-Match is ignored
 *   journal        journal-writer.ts       writeJournal / deleteJournal (`P-journal/…`)
 *   hot journal    hot-journal.ts          rollbackHotJournal / readHotJournal
 *
 * A write transaction, hook by hook:
 *
 *   beginWrite ─► beforeBegin     probe the store (once); take the lease (BusyError after busyTimeout);
 *                                 re-learn the file size; roll back a hot journal left by a dead writer
 *   commit     ─► beforeOverwrite confirm the lease; write the journal (records, then header);
 *                                 confirm the lease again
 *                 (pager)         write the pages, page 1 last; xSync
 *              ─► afterSync       check the lease; deleteJournal (zero header = THE COMMIT POINT; then delete)
 *              ─► afterEnd        release the lease (also after a failed commit and on rollback)
 *
 * A crash (or a lost lease) anywhere before the commit point leaves a hot journal and an
 * expiring lease; the next opener finds "journal, no live lease" and rolls back. A crash after
 * it leaves at worst a journal with a zeroed header, which is not hot and is deleted.
 *
 * Readers never wait. `SafePageFile` stands between the pager and the database file: when a
 * hot journal exists and its writer's lease is live (a commit in flight), it serves the
 * journaled pages from the journal, every other page from the file, and the pre-commit size —
 * the last committed state. `beginRead()` decides between the file and that overlay and
 * fingerprints the state (journal header, or page 1's change counter); `endRead()` checks the
 * fingerprint again; `readConsistent()` retries a read that a commit overlapped.
 *
 * How to wire it (src/api/database.ts / writable-pager.ts):
 *   const file = await vfs.xOpen(name, READWRITE | MAIN_DB);        // BlockVfs or any Vfs
 *   const pager = await openSafePager(vfs, name, file, { locking, lease: { busyTimeoutMs }, cacheBytes });
 *   // or, where the pager is opened elsewhere (openWritablePager):
 *   //   const protocol = await prepareSafeFile(vfs, name, file, { locking, lease });
 *   //   const pager = await openWritablePager(protocol.file, { hooks: protocol.hooks, cacheBytes });
 *   // reads:  await readConsistent(pager, () => runSelect(pager))   (once per statement / read tx)
 *   // writes: pager.beginWrite() … pager.commit() / pager.rollback()  — the hooks do the rest
 *   // close:  pager.close(); await safeProtocol(pager)?.close(); await file.xClose();
 * `Pager.create` (a new database) writes page 1 without the hooks: no lease is held for that
 * first write, so create a database from one place only.
 * `locking: 'none'` (CLI `--unsafe-no-lock`) skips the probe and the lease but keeps the journal.
 * On a VFS that is not a BlockVfs (plain files) there is no lease: the journal and recovery work,
 * cross-process exclusion does not (yet).
 */
import { BusyError, IoError, MisuseError, ReadOnlyError, SqliteError } from '../errors.js';
import { blockKey, normalizePrefix } from '../store/block-key.js';
import { type LockingMode, requireSafeWrites } from '../store/capability-probe.js';
import { BlockFile, BlockVfs } from '../vfs/block-vfs.js';
import { Lease, type LeaseOptions } from '../vfs/lease.js';
import { OpenFlags, type Vfs, type VfsFile, markShortRead } from '../vfs/vfs.js';
import { JOURNAL_HEADER_FIELDS, decodeJournalHeader } from './journal-format.js';
import { type JournalSnapshot, readHotJournal, rollbackHotJournal } from './hot-journal.js';
import { deleteJournal, journalName, writeJournal } from './journal-writer.js';
import type { WritablePageFile } from './page-file.js';
import { type CommitHooks, Pager } from './pager.js';

export interface SafeOpenOptions {
  /** 'lease' (default): probe + lease; 'none': no lock at all (sqlite-s3vfs behaviour), journal kept. */
  readonly locking?: LockingMode;
  /** Lease timing and busy timeout (BlockVfs only). */
  readonly lease?: LeaseOptions;
  readonly cacheBytes?: number;
  /** Opened read-only: never writes, never rolls back; reads the last committed state through a hot journal. */
  readonly readonly?: boolean;
}

/** Attempts `readConsistent` makes before giving up with BusyError. */
const READ_ATTEMPTS = 20;

const isBlockVfs = (vfs: Vfs): vfs is BlockVfs => vfs instanceof BlockVfs;

/** The file change counter (database header offset 24, big-endian u32); 0 when the bytes are too short. */
function counterOf(head: Uint8Array | undefined): number {
  if (head === undefined || head.length < 28) return 0;
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(24);
}

/**
 * Between the pager and the database file: the file itself, or — while another writer's commit
 * is in flight — the last committed state assembled from the hot journal and the file.
 * Writes always go to the file; the protocol drops the overlay before a write transaction.
 */
export class SafePageFile implements WritablePageFile {
  /** The journal snapshot being served, if any. */
  overlay: JournalSnapshot | undefined;

  constructor(
    readonly base: VfsFile,
    readonly protocol: CommitProtocol,
  ) {}

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    const snap = this.overlay;
    if (snap === undefined) return this.base.xRead(amount, offset);
    // Overlay: the file as it was before the in-flight commit, `originalPageCount` pages long.
    const ps = snap.pageSize;
    const size = snap.originalPageCount * ps;
    const out = new Uint8Array(amount);
    const end = Math.min(offset + amount, size);
    if (end > offset) {
      const fromFile = await this.base.xRead(end - offset, offset);
      out.set(fromFile.subarray(0, end - offset));
      for (let p = Math.floor(offset / ps) + 1, last = Math.floor((end - 1) / ps) + 1; p <= last; p++) {
        const page = snap.pages.get(p);
        if (page === undefined) continue;
        const start = (p - 1) * ps;
        const from = Math.max(offset, start);
        const to = Math.min(end, start + ps);
        out.set(page.subarray(from - start, to - start), from - offset);
      }
    }
    return end - offset < amount ? markShortRead(out) : out;
  }

  async xFileSize(): Promise<number> {
    const snap = this.overlay;
    return snap === undefined ? this.base.xFileSize() : snap.originalPageCount * snap.pageSize;
  }

  xWrite(data: Uint8Array, offset: number): Promise<void> {
    this.#checkNoOverlay();
    return this.base.xWrite(data, offset);
  }

  xTruncate(size: number): Promise<void> {
    this.#checkNoOverlay();
    return this.base.xTruncate(size);
  }

  xSync(flags: number): Promise<void> {
    this.#checkNoOverlay();
    return this.base.xSync(flags);
  }

  #checkNoOverlay(): void {
    if (this.overlay !== undefined) throw new MisuseError('write through a journal overlay (take the lease first)');
  }
}

/** What `beginRead` saw: compared by `endRead`. */
export interface ReadToken {
  /** The journal's header fields as a string, or '' when there is none with a valid header. */
  readonly journal: string;
  /** Page 1's change counter in the file when reads go to the file; undefined when they go through the overlay. */
  readonly counter: number | undefined;
}

/** One database's commit protocol: the lease, the hooks, recovery and read checks. */
export class CommitProtocol {
  readonly lease: Lease | undefined;
  readonly file: SafePageFile;
  readonly hooks: CommitHooks;

  /** No read has begun since the file was opened (its size is fresh). */
  #justOpened = true;

  constructor(
    readonly vfs: Vfs,
    readonly name: string,
    base: VfsFile,
    readonly locking: LockingMode,
    leaseOptions: LeaseOptions = {},
  ) {
    this.file = new SafePageFile(base, this);
    if (locking === 'lease' && isBlockVfs(vfs)) {
      this.lease = base instanceof BlockFile && base.lease !== undefined ? base.lease : new Lease(vfs.objects, vfs.xFullPathname(name), leaseOptions);
    } else {
      this.lease = undefined;
    }
    this.hooks = safeCommitHooks(this);
  }

  get base(): VfsFile {
    return this.file.base;
  }

  /** Re-learns the file's size (BlockFile finds it once at open; another writer may have changed it). */
  async refreshBase(): Promise<void> {
    if (this.base instanceof BlockFile) await this.base.refresh();
  }

  /** The first 28 bytes of the journal as a fingerprint ('' when absent or not hot). One GET on a BlockVfs. */
  async journalFingerprint(): Promise<string> {
    let head: Uint8Array | undefined;
    if (isBlockVfs(this.vfs)) {
      head = await this.vfs.objects.get(blockKey(this.vfs.xFullPathname(journalName(this.name)), 0));
    } else if (await this.vfs.xAccess(journalName(this.name))) {
      const j = await this.vfs.xOpen(journalName(this.name), OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_JOURNAL);
      try {
        head = await j.xRead(JOURNAL_HEADER_FIELDS, 0);
      } finally {
        await j.xClose();
      }
    }
    if (head === undefined || head.length < JOURNAL_HEADER_FIELDS) return '';
    const h = decodeJournalHeader(head.subarray(0, JOURNAL_HEADER_FIELDS));
    return h === undefined ? '' : `${h.nonce}:${h.recordCount}:${h.originalPageCount}:${h.pageSize}`;
  }

  /** Page 1's change counter as stored now (header offset 24); 0 for an empty file. One GET on a BlockVfs. */
  async storedChangeCounter(): Promise<number> {
    if (isBlockVfs(this.vfs)) return counterOf(await this.vfs.objects.get(blockKey(this.vfs.xFullPathname(this.name), 0)));
    return counterOf(await this.base.xRead(28, 0));
  }

  /** Whether a live writer lease exists (false without a lease: then nobody can be trusted to be alive). */
  async leaseIsLive(): Promise<boolean> {
    if (this.lease === undefined) return false;
    return this.lease.isLive();
  }

  /**
   * Rolls back a hot journal whose writer is gone. With a lease, only after taking it, without
   * waiting (if someone else takes it first, they roll back, and we read through the overlay).
   * Returns true when the journal is gone (rolled back or not hot), false when we could not
   * (busy, or the database file is read-only).
   */
  async recover(): Promise<boolean> {
    const lease = this.lease;
    const mine = lease?.held === true;
    if (lease !== undefined && !mine) {
      try {
        await lease.acquire(0); // readers never wait: whoever holds it will roll back
      } catch (err) {
        if (err instanceof BusyError) return false;
        throw err;
      }
    }
    try {
      await rollbackHotJournal(this.vfs, this.name, this.base);
      await this.refreshBase();
      return true;
    } catch (err) {
      if (err instanceof ReadOnlyError) return false; // opened read-only: read through the overlay instead
      throw err;
    } finally {
      if (lease !== undefined && !mine) await lease.release().catch(() => undefined);
    }
  }

  /**
   * Decides what a read sees (see the top of this file) and returns the state's fingerprint.
   * `writable` false: never roll back (a read-only connection), always overlay.
   */
  async beginRead(writable = true): Promise<ReadToken> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const journal = await this.journalFingerprint();
      if (journal === '') return this.#fileMode(journal);
      if (writable && !(await this.leaseIsLive())) {
        await this.recover();
        if ((await this.journalFingerprint()) === '') continue;
      }
      await this.refreshBase();
      const snap = await readHotJournal(this.vfs, this.name, this.base);
      // A journal with a valid header that is still not hot (SQLite's rules: e.g. its
      // super-journal is gone) restores nothing: read the file, and watch that journal.
      if (snap === undefined) return this.#fileMode(journal);
      if (`${snap.header.nonce}:${snap.header.recordCount}:${snap.originalPageCount}:${snap.pageSize}` !== journal) continue;
      // The writer may have reached its commit point while we read the records (it zeroes the
      // header, then deletes them): only a header still in place vouches for what we read.
      if ((await this.journalFingerprint()) !== journal) continue;
      this.file.overlay = snap;
      return { journal, counter: undefined };
    }
    throw new BusyError(`database is busy: ${this.name} kept changing while a read tried to begin`);
  }

  /** Reads go to the file itself; the token remembers the journal seen and the change counter. */
  async #fileMode(journal: string): Promise<ReadToken> {
    // The first read after open needs no refresh: the file learned its size a moment ago.
    if (this.#justOpened) this.#justOpened = false;
    else await this.refreshBase();
    this.file.overlay = undefined;
    // The counter of the very header the size was just learned from (BlockFile keeps that
    // block 0 for the next read: no request). A commit that starts or ends from here on
    // changes the journal or this counter, which `endRead` (and `readConsistent`) check.
    return { journal, counter: counterOf(await this.base.xRead(28, 0)) };
  }

  /** Whether the state a read began on is still the one it saw (else retry it). */
  async endRead(token: ReadToken): Promise<boolean> {
    if ((await this.journalFingerprint()) !== token.journal) return false;
    if (token.counter === undefined) return true; // overlay of the same in-flight commit: still holds
    return (await this.storedChangeCounter()) === token.counter;
  }

  /** Stops the lease timer and releases the lease if held. */
  async close(): Promise<void> {
    if (this.lease?.held === true) await this.lease.release();
  }
}

/**
 * The hooks that make a pager's commits safe (see the top of this file). `protocol` carries
 * the VFS, the database name, its file and its lease.
 */
export function safeCommitHooks(protocol: CommitProtocol): CommitHooks {
  const { vfs, name } = protocol;
  const lease = protocol.lease;
  return {
    async beforeBegin() {
      if (lease !== undefined && isBlockVfs(vfs)) {
        await requireSafeWrites(vfs.objects, vfs.xFullPathname(name), 'lease');
        await lease.acquire();
      }
      try {
        protocol.file.overlay = undefined;
        await protocol.refreshBase();
        // We hold the lease: any journal belongs to a writer that is gone.
        if (await vfs.xAccess(journalName(name))) {
          await rollbackHotJournal(vfs, name, protocol.base);
          await protocol.refreshBase();
        }
      } catch (err) {
        await lease?.release().catch(() => undefined);
        throw err;
      }
    },
    async beforeOverwrite(originals, oldPageCount) {
      await lease?.confirm();
      const first = originals[0];
      if (first === undefined) throw new IoError('commit without page 1 among the originals');
      await writeJournal(vfs, name, { pageSize: first.data.length, originalPageCount: oldPageCount, pages: originals });
      // The journal upload may have been long: renew before the first database block changes.
      await lease?.confirm();
    },
    async afterSync() {
      // Lost the lease after writing pages? Then leave the journal hot: the next opener restores
      // the state before this transaction, and the commit reports failure.
      lease?.check();
      await deleteJournal(vfs, name);
    },
    async afterEnd() {
      await lease?.release();
    },
  };
}

/**
 * Opens a pager with the commit protocol: rolls back a hot journal left without a live lease
 * (or, read-only / when someone else holds the lease, reads the last committed state through
 * it), then opens the pager with the safe hooks. `file` is the database opened through `vfs`
 * under `name` (read-write unless `options.readonly`).
 */
export async function openSafePager(vfs: Vfs, name: string, file: VfsFile, options: SafeOpenOptions = {}): Promise<Pager> {
  const protocol = await prepareSafeFile(vfs, name, file, options);
  return Pager.open(protocol.file, {
    hooks: protocol.hooks,
    ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
    ...(options.readonly === true ? { readonly: true } : {}),
  });
}

/**
 * The open path without opening the pager: recovers (or sets up the journal overlay) and returns
 * the protocol, whose `file` the pager must read and write through and whose `hooks` it must use.
 */
export async function prepareSafeFile(vfs: Vfs, name: string, file: VfsFile, options: SafeOpenOptions = {}): Promise<CommitProtocol> {
  const protocol = new CommitProtocol(vfs, name, file, options.locking ?? 'lease', options.lease);
  await protocol.beginRead(options.readonly !== true);
  return protocol;
}

/** The protocol behind a pager from `openSafePager`, or undefined for any other pager. */
export function safeProtocol(pager: Pager): CommitProtocol | undefined {
  return pager.file instanceof SafePageFile ? pager.file.protocol : undefined;
}

/**
 * Runs a read (`fn` reads through `pager`) so that it sees exactly one committed state: chooses
 * file or journal overlay, refreshes the pager, runs `fn`, and retries — with the cache dropped —
 * when a commit overlapped it. Inside the pager's own write transaction `fn` just runs.
 */
export async function readConsistent<T>(pager: Pager, fn: () => Promise<T>, writable = true): Promise<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return fn();
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const token = await protocol.beginRead(writable);
    let result: T;
    try {
      await pager.refresh();
      // The pager must read the state the token vouches for (its header may come from a newer
      // block 0 than the size did).
      if (token.counter !== undefined && pager.header.changeCounter !== token.counter) {
        pager.invalidate();
        continue;
      }
      result = await fn();
    } catch (err) {
      // A read torn by a commit can look corrupt: only believe the error if nothing moved.
      if (err instanceof SqliteError && !(await protocol.endRead(token))) {
        pager.invalidate();
        continue;
      }
      throw err;
    }
    if (await protocol.endRead(token)) return result;
    pager.invalidate();
  }
  throw new BusyError(`database is busy: reads of ${normalizePrefix(protocol.name)} kept overlapping commits`);
}
