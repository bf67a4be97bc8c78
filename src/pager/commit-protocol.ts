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
 *                 (pager)         write page 1 (block 0: the new change counter) FIRST, then the
 *                                 other pages in parallel; xSync
 *              ─► afterSync       check the lease; deleteJournal (zero header = THE COMMIT POINT; then delete)
 *              ─► afterEnd        release the lease (also after a failed commit and on rollback)
 *
 * A crash (or a lost lease) anywhere before the commit point leaves a hot journal and an
 * expiring lease; the next opener finds "journal, no live lease" and rolls back. A crash after
 * it leaves at worst a journal with a zeroed header, which is not hot and is deleted.
 *
 * THE INVARIANT readers rely on: no page but page 1 is overwritten before block 0 carries the new
 * change counter, and the journal exists until every page is written (its deletion is the
 * commit point). Every request of a commit carries the lease's write fence (store/write-fence.ts):
 * a writer frozen past its lease sends nothing more once another writer may have taken over.
 *
 * Readers never wait. `SafePageFile` stands between the pager and the database file: when a
 * hot journal exists and its writer's lease is live (a commit in flight), it serves the
 * journaled pages from the journal, every other page from the file, and the pre-commit size —
 * the last committed state. (On a local file, a `readConsistent` read whose page 1 shows the state
the caches hold puts its look at the journal off until its first page read from the file — a
read served from the caches alone costs one system call; see `beginRead`.) `beginRead()` decides between the file and that overlay and
 * fingerprints the state (journal header, or page 1's change counter); `endRead()` checks the
 * fingerprint again (for the file: one GET of block 0 — the invariant above makes it enough, as
 * long as the journal was looked at AFTER block 0 was read when the read began); `readConsistent()` / `readConsistentStream()` (consistent-read.ts) retry a
 * read that a commit overlapped.
 *
 * How to wire it (src/api/database.ts / writable-pager.ts):
 *   const file = await vfs.xOpen(name, READWRITE | MAIN_DB);        // BlockVfs or any Vfs
 *   const pager = await openSafePager(vfs, name, file, { locking, lease: { busyTimeoutMs }, cacheBytes });
 *   // or, where the pager is opened elsewhere (openWritablePager):
 *   //   const protocol = await prepareSafeFile(vfs, name, file, { locking, lease });
 *   //   const pager = await openWritablePager(protocol.file, { hooks: protocol.hooks, cacheBytes });
 *   // reads:  await readConsistent(pager, () => runSelect(pager))   (consistent-read.ts; once per statement)
 *   // writes: pager.beginWrite() … pager.commit() / pager.rollback()  — the hooks do the rest
 *   // close:  pager.close(); await safeProtocol(pager)?.close(); await file.xClose();
 * `Pager.create` (a new database) writes page 1 without the hooks: no lease is held for that
 * first write, so create a database from one place only.
 * `locking: 'none'` (CLI `--unsafe-no-lock`) skips the probe and the lease but keeps the journal.
 * On a VFS that is not a BlockVfs (plain files) there is no lease: the journal and recovery work,
 * cross-process exclusion does not (yet).
 */
import { AccessDeniedError, BusyError, IoError, MisuseError, ReadOnlyError, SqliteError } from '../errors.js';
import { blockKey } from '../store/block-key.js';
import { type LockingMode, requireSafeWrites } from '../store/capability-probe.js';
import { BlockFile, BlockVfs } from '../vfs/block-vfs.js';
import { Lease, type LeaseOptions } from '../vfs/lease.js';
import { OpenFlags, type Vfs, type VfsFile, canAccessNow, canReadNow, markShortRead } from '../vfs/vfs.js';
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
  /** Opened read-only: the pager never writes; by default reads never roll back either. */
  readonly readonly?: boolean;
  /**
   * Whether a read that finds a hot journal (no live lease) rolls it back, as SQLite's readers
   * do (default: unless `readonly`). A reader that cannot (busy, no write permission, a store
   * without conditional writes) reads the last committed state through the journal instead.
   */
  readonly recover?: boolean;
  /**
   * The journal's first block (a BlockVfs: `{name}-journal/0000000000`), fetched while the file
   * was being opened — `openLocation({ peekJournal: true })` starts it — so that the open's
   * hot-journal check costs no round trip of its own.
   */
  readonly journalHead?: Promise<Uint8Array | undefined>;
}

/** Attempts `readConsistent` makes before giving up with BusyError. */
const READ_ATTEMPTS = 20;

const isBlockVfs = (vfs: Vfs): vfs is BlockVfs => vfs instanceof BlockVfs;

/** The file change counter (database header offset 24, big-endian u32); 0 when the bytes are too short. */
function counterOf(head: Uint8Array | undefined): number {
  if (head === undefined || head.length < 28) return 0;
  return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(24);
}

/** The base file's read-ahead members (BlockFile, RangeFile), when it has them. */
function prefetcherOf(file: VfsFile): { blockSize: number; prefetchCapacity: number; prefetch(amount: number, offset: number): number } | undefined {
  const f = file as Partial<{ blockSize: unknown; prefetchCapacity: unknown; prefetch: unknown }>;
  if (typeof f.prefetch !== 'function' || typeof f.blockSize !== 'number' || typeof f.prefetchCapacity !== 'number') return undefined;
  return file as unknown as { blockSize: number; prefetchCapacity: number; prefetch(amount: number, offset: number): number };
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

  /** Reads that went to the base file (for a reader's end check: none since it began = nothing to re-check). */
  baseReads = 0;

  /** Whether reads can be served at once now (`readNow`, `readNowInto`: a local file, no journal overlay). */
  get readsAtOnce(): boolean {
    return this.overlay === undefined && canReadNow(this.base);
  }

  // The block file's read-ahead of whole blocks (src/btree/read-ahead.ts finds it by these
  // members): a hint only fills the block file's own cache, exactly as a base xRead would, so it
  // is as good through the journal overlay as without it.
  // Found by shape, so a single object's RangeFile (src/vfs/range-file.ts) reads ahead here too.
  get blockSize(): number | undefined {
    return prefetcherOf(this.base)?.blockSize;
  }

  get prefetchCapacity(): number {
    return prefetcherOf(this.base)?.prefetchCapacity ?? 0;
  }

  prefetch(amount: number, offset: number): number {
    return prefetcherOf(this.base)?.prefetch(amount, offset) ?? 0;
  }

  /** Ends a read (Pager.seal): the block file keeps no block that lands after it. */
  seal(): void {
    if (this.base instanceof BlockFile) this.base.seal();
  }

  /**
   * A read began on a header that showed the state the caches hold, and put its look at the
   * journal off (`beginRead` with `deferJournal`): the look happens here, before the first page
   * is fetched from the file — still after block 0 was read, as the protocol asks.
   */
  journalCheckPending = false;

  /** The header check's buffer (`headNow`): compared, never kept. */
  readonly #head = new Uint8Array(100);

  /**
   * The file's first 100 bytes without a Promise (a file that can: vfs.ts, ReadNow), when no
   * overlay is served; undefined otherwise, or when the file is shorter. The buffer is reused by
   * the next call: copy what must be kept.
   */
  headNow(): Uint8Array | undefined {
    if (this.overlay !== undefined || !canReadNow(this.base)) return undefined;
    return this.base.xReadInto(this.#head, 0) === 100 ? this.#head : undefined;
  }

  /**
   * `xRead` without a Promise, for a page miss on a file that can (ReadNow) when no overlay is
   * served and the pending journal look, if any, can be made at once and finds no journal;
   * undefined otherwise — then call xRead (which makes the look the slow way).
   */
  readNow(amount: number, offset: number): Uint8Array | undefined {
    if (this.overlay !== undefined || !canReadNow(this.base)) return undefined;
    if (this.journalCheckPending) {
      if (!this.protocol.lateJournalCheckNow()) return undefined;
      this.journalCheckPending = false;
    }
    this.baseReads++;
    const out = new Uint8Array(amount);
    return this.base.xReadInto(out, offset) < amount ? markShortRead(out) : out;
  }

  /**
   * `readNow` into the caller's buffer (a bulk read of many pages, readPagesInto): false,
   * with nothing promised about `into`, when it cannot read at once or the file ends first.
   */
  readNowInto(into: Uint8Array, offset: number): boolean {
    if (this.overlay !== undefined || !canReadNow(this.base)) return false;
    if (this.journalCheckPending) {
      if (!this.protocol.lateJournalCheckNow()) return false;
      this.journalCheckPending = false;
    }
    this.baseReads++;
    return this.base.xReadInto(into, offset) === into.length;
  }

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    if (this.journalCheckPending) {
      this.journalCheckPending = false;
      await this.protocol.lateJournalCheck();
    }
    this.baseReads++;
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

/**
 * GET of the first block of database `name`'s journal on a block VFS (`{name}-journal/0000000000`):
 * the hot-journal check. Started alongside the open by `openLocation({ peekJournal })` and
 * `Database.open`; the promise is marked handled, since the open may fail before anyone awaits it.
 */
export function fetchJournalHead(vfs: BlockVfs, name: string): Promise<Uint8Array | undefined> {
  const head = vfs.objects.get(blockKey(vfs.xFullPathname(journalName(name)), 0));
  head.catch(() => undefined);
  return head;
}

/** What `beginRead` saw: compared by `endRead`. */
export interface ReadToken {
  /** The journal's header fields as a string, or '' when there is none with a valid header. */
  readonly journal: string;
  /** Page 1's change counter in the file when reads go to the file; undefined when they go through the overlay. */
  readonly counter: number | undefined;
  /** The first bytes of the file as fetched for this check (file mode), for `Pager.refresh`. */
  readonly header: Uint8Array | undefined;
  /**
   * Caches may hold pages of another state (a journal was seen since the last read, or is being
   * read through now): drop them before reading.
   */
  readonly stale: boolean;
  /** The object store's GET count after the check (BlockVfs): unchanged at the end = nothing was fetched. */
  readonly gets: number | undefined;
  /** Reads of the file after the check (other VFSs): none at the end = nothing was read. */
  readonly reads: number;
  /** Set when the begin check put its look at the journal off (see `beginRead`). */
  readonly deferred?: number;
}

/**
 * Thrown by a page read of a read whose begin check put the journal off, when the journal turns
 * out to exist: pages in the file may already belong to a commit in flight. `readConsistent`
 * runs the read again (its end check fails), this time with the journal looked at first.
 */
export class JournalAppearedError extends BusyError {
  constructor() {
    super('database is busy: a commit began while a read was under way');
    this.name = 'JournalAppearedError';
  }
}

/** What one look at the store found: the journal's first block and the database's block 0. */
interface Peek {
  readonly journalHead: Uint8Array | undefined;
  readonly block0: Uint8Array | undefined;
}

/** One database's commit protocol: the lease, the hooks, recovery and read checks. */
export class CommitProtocol {
  readonly lease: Lease | undefined;
  readonly file: SafePageFile;
  readonly hooks: CommitHooks;

  /** The check made at open, handed to the first read (it needs no second look). */
  #openToken: ReadToken | undefined;
  /** The journal's first block as fetched alongside the open (used once, by the open's check). */
  #openedJournalHead: Promise<Uint8Array | undefined> | undefined;
  /** A journal was seen (or read through) since reads last went to the file alone. */
  #sawJournal = false;
  /** The change counter of the state the last file-mode read began on (what the caches hold). */
  #knownCounter: number | undefined;
  /** Numbers the deferred begin checks; `#deferredBy` is the one whose journal look is pending. */
  #deferSeq = 0;
  #deferredBy = 0;
  /** A deferred journal look found a journal: every read under way must be checked again. */
  #lateJournal = false;

  constructor(
    readonly vfs: Vfs,
    readonly name: string,
    base: VfsFile,
    readonly locking: LockingMode,
    leaseOptions: LeaseOptions = {},
    /** Whether reads may roll back a hot journal (taking the lease); else they read through it. */
    readonly recovers = true,
  ) {
    this.file = new SafePageFile(base, this);
    if (locking === 'lease' && isBlockVfs(vfs)) {
      this.lease = base instanceof BlockFile && base.lease !== undefined ? base.lease : new Lease(vfs.objects, vfs.xFullPathname(name), leaseOptions);
      // Every block and journal request of this database carries the lease's fence.
      vfs.fenceWith(name, this.lease);
    } else {
      this.lease = undefined;
    }
    this.hooks = safeCommitHooks(this);
  }

  get base(): VfsFile {
    return this.file.base;
  }

  /** Re-learns the file's size (BlockFile finds it once at open; another writer may have changed it). */
  async refreshBase(known?: { readonly block0: Uint8Array | undefined }): Promise<void> {
    if (this.base instanceof BlockFile) await this.base.refresh(known);
  }

  /** Drops the block file's in-memory blocks (the pager's pages are the caller's to drop). */
  dropBaseCaches(): void {
    if (this.base instanceof BlockFile) this.base.dropCaches();
  }

  /** The first 28 bytes of the journal as a fingerprint ('' when absent or not hot). One GET on a BlockVfs. */
  async journalFingerprint(): Promise<string> {
    return fingerprintOf(await this.#journalHead());
  }

  async #journalHead(): Promise<Uint8Array | undefined> {
    if (isBlockVfs(this.vfs)) return fetchJournalHead(this.vfs, this.name);
    if (!(await this.vfs.xAccess(journalName(this.name)))) return undefined;
    const j = await this.vfs.xOpen(journalName(this.name), OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_JOURNAL);
    try {
      return await j.xRead(JOURNAL_HEADER_FIELDS, 0);
    } finally {
      await j.xClose();
    }
  }

  /** Block 0 as stored now (a BlockVfs: one GET), or the file's first 100 bytes. */
  async #storedHead(): Promise<Uint8Array | undefined> {
    if (isBlockVfs(this.vfs)) return this.vfs.objects.get(blockKey(this.vfs.xFullPathname(this.name), 0));
    return this.base.xRead(100, 0);
  }

  /**
   * Block 0, then the journal's first block. The ORDER matters (writers put block 0 first, then
   * the other pages: see "Readers" below): a journal looked at before block 0 was read could miss
   * a commit whose block 0 we then read, and whose other pages are still landing. So the two go
   * out together (one round trip) only when block 0 turns out to carry the change counter the
   * caches already belong to — nothing can have been overwritten unseen since, or the counter
   * would have moved; otherwise the journal is looked at once more, after block 0. Right after
   * open, block 0 is the one the file was opened from and the journal was fetched after it.
   */
  async #peek(justOpened: boolean, block0Read?: Uint8Array): Promise<Peek> {
    const base = this.base;
    const early = this.#openedJournalHead;
    this.#openedJournalHead = undefined;
    if (justOpened && base instanceof BlockFile) return { journalHead: await (early ?? this.#journalHead()), block0: base.lastBlock0 };
    // Block 0 was read a moment ago (a deferred begin that found the database moved): the
    // journal is looked at after it, as the order asks.
    if (block0Read !== undefined) return { journalHead: await this.#journalHead(), block0: block0Read };
    const [journalHead, block0] = await Promise.all([this.#journalHead(), this.#storedHead()]);
    if (fingerprintOf(journalHead) !== '' || (this.#knownCounter !== undefined && counterOf(block0) === this.#knownCounter)) {
      return { journalHead, block0 };
    }
    return { journalHead: await this.#journalHead(), block0 };
  }

  /** GETs made through the object store so far (undefined off a BlockVfs: then every read is checked). */
  #gets(): number | undefined {
    return isBlockVfs(this.vfs) ? this.vfs.objects.requests.get : undefined;
  }

  /** Page 1's change counter as stored now (header offset 24); 0 for an empty file. One GET on a BlockVfs. */
  async storedChangeCounter(): Promise<number> {
    return counterOf(await this.#storedHead());
  }

  /** Whether a live writer lease exists (false without a lease: then nobody can be trusted to be alive). */
  async leaseIsLive(): Promise<boolean> {
    if (this.lease === undefined) return false;
    return this.lease.isLive();
  }

  /**
   * Rolls back a hot journal whose writer is gone. With a lease, only after taking it, without
   * waiting (if someone else takes it first, they roll back, and we read through the overlay),
   * and only on a store that enforces the conditional writes the lease depends on. A reader
   * whose file is open read-only rolls back through a second, writable handle. Returns true when
   * the journal is gone (rolled back or not hot), false when we could not (busy, a store that
   * cannot hold a lease, no write permission): then reads go through the overlay.
   */
  async recover(): Promise<boolean> {
    const lease = this.lease;
    const mine = lease?.held === true;
    if (lease !== undefined && !mine) {
      try {
        if (isBlockVfs(this.vfs)) await requireSafeWrites(this.vfs.objects, this.vfs.xFullPathname(this.name), 'lease');
        await lease.acquire(0); // readers never wait: whoever holds it will roll back
      } catch (err) {
        if (err instanceof SqliteError) return false;
        throw err;
      }
    }
    try {
      try {
        await rollbackHotJournal(this.vfs, this.name, this.base);
      } catch (err) {
        if (!(err instanceof ReadOnlyError)) throw err;
        // Opened read-only: roll back through a writable handle of our own.
        const writable = await this.vfs.xOpen(this.name, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB);
        try {
          await rollbackHotJournal(this.vfs, this.name, writable);
        } finally {
          await writable.xClose();
        }
      }
      await this.refreshBase();
      this.dropBaseCaches();
      return true;
    } catch (err) {
      // No permission to write (S3 AccessDenied, a read-only file system): read through the overlay.
      if (err instanceof ReadOnlyError || err instanceof AccessDeniedError) return false;
      throw err;
    } finally {
      if (lease !== undefined && !mine) await lease.release().catch(() => undefined);
    }
  }

  /** The journal's first block, fetched while the file was opened (see `SafeOpenOptions.journalHead`). */
  useOpenedJournalHead(head: Promise<Uint8Array | undefined>): void {
    this.#openedJournalHead = head;
  }

  /** Hands the check made at open to the first read. */
  adoptOpenCheck(token: ReadToken): void {
    this.#openToken = token;
  }

  /**
   * Decides what a read sees (see the top of this file) and returns the state's fingerprint.
   * Costs one round trip of two GETs (journal, block 0) — right after open, one GET — plus two
   * HEADs when the database changed since the last read. `mayRecover` false: never roll back
   * (a read-only connection), always read through a hot journal.
   */
  async beginRead(mayRecover = this.recovers, justOpened = false, deferJournal = false): Promise<ReadToken> {
    const opened = this.#openToken;
    this.#openToken = undefined;
    if (opened !== undefined) return opened;
    let block0Read: Uint8Array | undefined;
    if (deferJournal && !justOpened && !isBlockVfs(this.vfs) && this.#knownCounter !== undefined && !this.#sawJournal && !this.#lateJournal && this.file.overlay === undefined) {
      // A local file (each look a system call of its own, no round trip to share): read the
      // header first; when it shows the state the caches hold, the journal can wait until a page
      // must come from the file. A read served from the caches alone sees that state, which is
      // still the last committed one: a commit in flight has not moved the counter yet, and
      // whatever it overwrote is not read.
      const block0 = await this.#storedHead();
      if (counterOf(block0) === this.#knownCounter) {
        const deferred = ++this.#deferSeq;
        this.#deferredBy = deferred;
        this.file.journalCheckPending = true;
        return { journal: '', counter: this.#knownCounter, header: block0, stale: false, gets: undefined, reads: this.file.baseReads, deferred };
      }
      block0Read = block0;
    }
    this.#lateJournal = false;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const peek = await this.#peek(justOpened && attempt === 0, attempt === 0 ? block0Read : undefined);
      const journal = fingerprintOf(peek.journalHead);
      if (journal === '') {
        const stale = this.#sawJournal || this.file.overlay !== undefined;
        this.#sawJournal = false;
        this.file.overlay = undefined;
        // Unchanged block 0 = unchanged file: no further request. Else the size again (HEADs).
        await this.refreshBase({ block0: peek.block0 });
        this.#knownCounter = counterOf(peek.block0);
        return { journal, counter: this.#knownCounter, header: peek.block0, stale, gets: this.#gets(), reads: this.file.baseReads };
      }
      this.#sawJournal = true;
      if (mayRecover && !(await this.leaseIsLive())) {
        if (await this.recover()) continue;
      }
      await this.refreshBase();
      const snap = await readHotJournal(this.vfs, this.name, this.base);
      // A journal with a valid header that is still not hot (SQLite's rules: e.g. its
      // super-journal is gone) restores nothing: read the file, and watch that journal.
      if (snap === undefined) {
        // Gone meanwhile (a commit reached its commit point while we looked): the size learned
        // above may be from mid-commit — look again from the start.
        if ((await this.journalFingerprint()) !== journal) continue;
        this.file.overlay = undefined;
        return { journal, counter: await this.storedChangeCounter(), header: undefined, stale: true, gets: this.#gets(), reads: this.file.baseReads };
      }
      if (`${snap.header.nonce}:${snap.header.recordCount}:${snap.originalPageCount}:${snap.pageSize}` !== journal) continue;
      // The writer may have reached its commit point while we read the records (it zeroes the
      // header, then deletes them): only a header still in place vouches for what we read.
      if ((await this.journalFingerprint()) !== journal) continue;
      this.file.overlay = snap;
      return { journal, counter: undefined, header: undefined, stale: true, gets: this.#gets(), reads: this.file.baseReads };
    }
    throw new BusyError(`database is busy: ${this.name} kept changing while a read tried to begin`);
  }

  /**
   * Whether the state a read began on is still the one it saw (else retry it). Free when the
   * read fetched nothing (every page came from caches that the begin check vouched for).
   * Otherwise, for a read of the file: ONE GET of block 0 — writers put block 0 (the new change
   * counter) before any other page and keep the journal until every page is written, so a commit
   * that overwrote any page this read fetched has already moved the counter. For a read through
   * a journal overlay: the journal must still be the same one.
   */
  async endRead(token: ReadToken): Promise<boolean> {
    if (token.deferred !== undefined && token.deferred === this.#deferredBy) {
      // The read is over: its journal look, if still pending, is not needed any more.
      this.#deferredBy = 0;
      this.file.journalCheckPending = false;
    }
    if (this.#lateJournal) return false;
    if (token.gets !== undefined ? this.#gets() === token.gets : this.file.baseReads === token.reads) return true;
    if (token.counter === undefined) return (await this.journalFingerprint()) === token.journal;
    // A journal that was there but not hot when the read began must still be the same one.
    if (token.journal !== '' && (await this.journalFingerprint()) !== token.journal) return false;
    return (await this.storedChangeCounter()) === token.counter;
  }

  /**
   * `beginRead(…, deferJournal)` without a Promise, in its common case on a local file: page 1,
   * read at once (SafePageFile.headNow), shows the state the caches hold; the journal look then
   * waits for the first page read from the file, exactly as there. Undefined when that case does
   * not apply (nothing changed: call beginRead). The token's header is a reused buffer: the
   * caller compares it (Pager.holdsState) and copies it to keep it.
   */
  beginReadNow(): ReadToken | undefined {
    if (this.#openToken !== undefined || this.#knownCounter === undefined || this.#sawJournal || this.#lateJournal || isBlockVfs(this.vfs)) return undefined;
    const block0 = this.file.headNow();
    if (block0 === undefined || counterOf(block0) !== this.#knownCounter) return undefined;
    const deferred = ++this.#deferSeq;
    this.#deferredBy = deferred;
    this.file.journalCheckPending = true;
    return { journal: '', counter: this.#knownCounter, header: block0, stale: false, gets: undefined, reads: this.file.baseReads, deferred };
  }

  /**
   * `endRead` without a Promise where it needs no request (nothing was read from the file) or
   * one read the file can make at once (page 1's change counter again); undefined otherwise —
   * then call endRead.
   */
  endReadNow(token: ReadToken): boolean | undefined {
    if (token.gets !== undefined || token.counter === undefined || token.journal !== '') return undefined;
    if (token.deferred !== undefined && token.deferred === this.#deferredBy) {
      this.#deferredBy = 0;
      this.file.journalCheckPending = false;
    }
    if (this.#lateJournal) return false;
    if (this.file.baseReads === token.reads) return true;
    const head = this.file.headNow();
    return head === undefined ? undefined : counterOf(head) === token.counter;
  }

  /**
   * The deferred journal look (see lateJournalCheck) without a Promise, where the VFS can look at
   * once (vfs.ts, AccessNow): true when no journal exists (the look is done); false when it
   * cannot look at once or a journal is there — then lateJournalCheck makes the look (and reads
   * the journal's header).
   */
  lateJournalCheckNow(): boolean {
    const vfs = this.vfs;
    if (isBlockVfs(vfs) || !canAccessNow(vfs) || vfs.xAccessNow(this.#journalPath)) return false;
    this.#deferredBy = 0;
    return true;
  }

  /** The journal's name (what xAccess is asked), computed once. */
  get #journalPath(): string {
    return (this.#journalName ??= journalName(this.name));
  }
  #journalName: string | undefined;

  /**
   * The journal look a deferred begin put off (SafePageFile.xRead calls it before the first page
   * read from the file). A journal there: JournalAppearedError, and every read under way fails
   * its end check; the next begin looks at the journal first.
   */
  async lateJournalCheck(): Promise<void> {
    this.#deferredBy = 0;
    if (fingerprintOf(await this.#journalHead()) === '') return;
    this.#sawJournal = true;
    this.#lateJournal = true;
    throw new JournalAppearedError();
  }

  /** A write transaction begins: it checks the journal itself (under the lock), nothing is put off. */
  cancelDeferredJournalCheck(): void {
    this.#deferredBy = 0;
    this.file.journalCheckPending = false;
  }

  /** Stops the lease timer and releases the lease if held. */
  async close(): Promise<void> {
    if (this.lease?.held === true) await this.lease.release();
  }
}

/** A journal header's identifying fields ('' when there is no header or it is not hot). */
function fingerprintOf(head: Uint8Array | undefined): string {
  if (head === undefined || head.length < JOURNAL_HEADER_FIELDS) return '';
  const h = decodeJournalHeader(head.subarray(0, JOURNAL_HEADER_FIELDS));
  return h === undefined ? '' : `${h.nonce}:${h.recordCount}:${h.originalPageCount}:${h.pageSize}`;
}

/**
 * The hooks that make a pager's commits safe (see the top of this file). `protocol` carries
 * the VFS, the database name, its file and its lease.
 */
export function safeCommitHooks(protocol: CommitProtocol): CommitHooks {
  const { vfs, name } = protocol;
  const lease = protocol.lease;
  /** The journal of the commit in progress, kept open from its writing to the commit point. */
  let journal: VfsFile | undefined;
  const closeJournal = async (): Promise<void> => {
    const open = journal;
    journal = undefined;
    await open?.xClose().catch(() => undefined);
  };
  return {
    async beforeBegin() {
      if (lease !== undefined && isBlockVfs(vfs)) {
        await requireSafeWrites(vfs.objects, vfs.xFullPathname(name), 'lease');
        await lease.acquire();
      }
      try {
        protocol.file.overlay = undefined;
        protocol.cancelDeferredJournalCheck();
        // We hold the lease: any journal belongs to a writer that is gone. (Both in one round trip.)
        const [, hot] = await Promise.all([protocol.refreshBase(), vfs.xAccess(journalName(name))]);
        if (hot) {
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
      await closeJournal();
      journal = await writeJournal(vfs, name, { pageSize: first.data.length, originalPageCount: oldPageCount, pages: originals, keepOpen: true });
      // The journal upload may have been long: renew before the first database block changes.
      await lease?.confirm();
    },
    async afterSync() {
      // Lost the lease after writing pages? Then leave the journal hot: the next opener restores
      // the state before this transaction, and the commit reports failure.
      lease?.check();
      const open = journal;
      journal = undefined;
      await deleteJournal(vfs, name, open);
    },
    async afterEnd() {
      // A commit that failed before its commit point leaves the journal hot, for recovery.
      await closeJournal();
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
 * The check it makes serves as the first read's begin check (`readConsistent`).
 */
export async function prepareSafeFile(vfs: Vfs, name: string, file: VfsFile, options: SafeOpenOptions = {}): Promise<CommitProtocol> {
  const recovers = options.recover ?? options.readonly !== true;
  const protocol = new CommitProtocol(vfs, name, file, options.locking ?? 'lease', options.lease, recovers);
  if (options.journalHead !== undefined) protocol.useOpenedJournalHead(options.journalHead);
  const token = await protocol.beginRead(recovers, true);
  protocol.adoptOpenCheck({ ...token, stale: false });
  return protocol;
}

/** The protocol behind a pager from `openSafePager`, or undefined for any other pager. */
export function safeProtocol(pager: Pager): CommitProtocol | undefined {
  return pager.file instanceof SafePageFile ? pager.file.protocol : undefined;
}
