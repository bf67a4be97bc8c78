/**
 * The journal over the block VFS (a MemoryObjectStore): journal blocks live under `db-journal/`,
 * a journal exported beside the database is rolled back by sqlite3, a half-written journal is
 * discarded without touching the database, and a crash before any single store request of a
 * whole commit (journal, database writes, journal delete) recovers to exactly the state before
 * or exactly the state after the transaction — before for every crash point up to the commit
 * point, after for every one past it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptError, IoError, MisuseError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectInfo, ObjectStore, RequestCounts, WriteConditions, DeleteManyOptions } from '../../src/store/object-store.js';
import { decodeJournal, decodeJournalHeader, encodeJournalRecord } from '../../src/pager/journal-format.js';
import { deleteJournal, writeJournal } from '../../src/pager/journal-writer.js';
import { readHotJournal, rollbackHotJournal } from '../../src/pager/hot-journal.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags, SyncFlags } from '../../src/vfs/vfs.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;
const RWC = RW | OpenFlags.SQLITE_OPEN_CREATE;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An ObjectStore that "crashes" before its `budget`-th request: that one and every later one throw. */
class CrashingStore implements ObjectStore {
  readonly url = 'crashing:';
  crashed = false;
  calls = 0;
  constructor(
    readonly inner: ObjectStore,
    private budget: number,
  ) {}
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  #step(): void {
    if (this.crashed || this.budget-- <= 0) {
      this.crashed = true;
      throw new IoError('injected crash');
    }
    this.calls++;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    this.#step();
    return this.inner.get(key);
  }
  async head(key: string): Promise<ObjectInfo | undefined> {
    this.#step();
    return this.inner.head(key);
  }
  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.#step();
    return this.inner.put(key, data, conditions);
  }
  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.#step();
    return this.inner.delete(key, conditions);
  }
  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    this.#step();
    return this.inner.deleteMany(keys, options);
  }
  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    this.#step();
    yield* this.inner.list(prefix, startAfter);
  }
  async close(): Promise<void> {}
}

/** Two states of one database made by sqlite3: before and after a transaction. */
interface Transaction {
  readonly pageSize: number;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

function makeTransaction(pageSize: number, change: string): Transaction {
  const { dir, cleanup } = tempDir('s3lite-hj');
  try {
    const path = join(dir, 'db.sqlite');
    sqlite3(
      path,
      `PRAGMA page_size = ${pageSize};
       CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB);
       CREATE TABLE u(x TEXT);
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
       INSERT INTO t(b) SELECT randomblob(${pageSize / 3}) FROM n;
       INSERT INTO u SELECT hex(b) FROM t WHERE a < 10;`,
    );
    const before = new Uint8Array(readFileSync(path));
    sqlite3(path, change);
    const after = new Uint8Array(readFileSync(path));
    return { pageSize, before, after };
  } finally {
    cleanup();
  }
}

function page(bytes: Uint8Array, pgno: number, ps: number): Uint8Array {
  return bytes.slice((pgno - 1) * ps, pgno * ps);
}

/** Writes `bytes` as blocks of the store (what an import leaves). */
async function putFile(store: ObjectStore, prefix: string, bytes: Uint8Array, bs = 4096): Promise<void> {
  const blocks = new BlockStore(store, prefix);
  for (let i = 0; i * bs < bytes.length; i++) await blocks.write(i, bytes.subarray(i * bs, (i + 1) * bs));
}

/** The file a prefix holds: its blocks concatenated in key order. */
async function fileBytes(store: ObjectStore, prefix: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const info of store.list(`${prefix}/`)) parts.push((await store.get(info.key))!);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list(prefix)) out.push(info.key);
  return out;
}

/**
 * The commit protocol this helper layer supports: journal the original of every existing page
 * that changes (and every page past a shrunken end), overwrite the database (page 1 last), sync,
 * delete the journal. `stopBeforeDelete` leaves the journal in place (a crash just before the commit point).
 */
async function commit(vfs: BlockVfs, tx: Transaction, stopBeforeDelete = false): Promise<void> {
  const ps = tx.pageSize;
  const oldCount = tx.before.length / ps;
  const newCount = tx.after.length / ps;
  const changed: number[] = [];
  for (let pgno = 1; pgno <= oldCount; pgno++) {
    if (pgno > newCount || !sameBytes(page(tx.before, pgno, ps), page(tx.after, pgno, ps))) changed.push(pgno);
  }
  await writeJournal(vfs, 'db', {
    pageSize: ps,
    originalPageCount: oldCount,
    pages: changed.map((pgno) => ({ pgno, data: page(tx.before, pgno, ps) })),
  });
  const db = await vfs.xOpen('db', RW);
  const writes = [...changed.filter((p) => p <= newCount)];
  for (let pgno = oldCount + 1; pgno <= newCount; pgno++) writes.push(pgno);
  writes.sort((a, b) => (a === 1 ? 1 : b === 1 ? -1 : a - b));
  for (const pgno of writes) await db.xWrite(page(tx.after, pgno, ps), (pgno - 1) * ps);
  if (newCount < oldCount) await db.xTruncate(newCount * ps);
  await db.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
  await db.xClose();
  if (!stopBeforeDelete) await deleteJournal(vfs, 'db');
}

/** Opens `db` on a fresh VFS over `store`, rolls back any hot journal, returns [rolled back?, bytes]. */
async function recover(store: ObjectStore): Promise<[boolean, Uint8Array]> {
  const vfs = new BlockVfs(store);
  const db = await vfs.xOpen('db', RW);
  const rolled = await rollbackHotJournal(vfs, 'db', db);
  const bytes = await db.xRead(await db.xFileSize(), 0);
  await db.xClose();
  return [rolled, bytes];
}

const TRANSACTIONS: Record<string, () => Transaction> = {
  'small update': () => makeTransaction(1024, `UPDATE t SET b = randomblob(10) WHERE a = 7;`),
  'insert that grows the file': () =>
    makeTransaction(4096, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
       INSERT INTO t(b) SELECT randomblob(3000) FROM n;`),
  'drop table + vacuum that shrinks the file': () => makeTransaction(2048, `DROP TABLE u; DELETE FROM t WHERE a > 15; VACUUM;`),
  'schema change': () => makeTransaction(512, `CREATE INDEX tb ON t(b); ALTER TABLE u ADD COLUMN y;`),
};

describe('journal over the block VFS', () => {
  it('lives under db-journal/, and sqlite3 rolls it back when exported beside the database', async () => {
    const tx = TRANSACTIONS['insert that grows the file']!();
    const store = new MemoryObjectStore();
    await putFile(store, 'db', tx.before);
    // 4 KiB journal blocks, so that the journal spans several objects (the default 1 MiB makes it one).
    await commit(new BlockVfs(store, { journalBlockSize: 4096 }), tx, true);
    const journalKeys = await keys(store, 'db-journal/');
    expect(journalKeys[0]).toBe('db-journal/0000000000');
    expect(journalKeys.length).toBeGreaterThan(1);
    expect((await keys(store, 'db/')).every((k) => /^db\/\d{10}$/.test(k))).toBe(true);
    const dbNow = await fileBytes(store, 'db');
    expect(sameBytes(dbNow, tx.after)).toBe(true);

    const { dir, cleanup } = tempDir('s3lite-hj-export');
    try {
      const path = join(dir, 'db.sqlite');
      writeFileSync(path, dbNow);
      writeFileSync(`${path}-journal`, await fileBytes(store, 'db-journal'));
      expect(integrityCheck(path)).toBe('ok');
      expect(sameBytes(new Uint8Array(readFileSync(path)), tx.before)).toBe(true);
    } finally {
      cleanup();
    }

    // A reader sees the old state through the journal; then recovery restores it for good.
    const vfs = new BlockVfs(store);
    const db = await vfs.xOpen('db', OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB);
    const snapshot = await readHotJournal(vfs, 'db', db);
    await db.xClose();
    expect(snapshot!.originalPageCount * tx.pageSize).toBe(tx.before.length);
    const [rolled, bytes] = await recover(store);
    expect(rolled).toBe(true);
    expect(sameBytes(bytes, tx.before)).toBe(true);
    expect(sameBytes(await fileBytes(store, 'db'), tx.before)).toBe(true);
    expect(await keys(store, 'db-journal/')).toEqual([]);
  });

  it('a half-written journal (records, no header) is discarded and the database left as it is', async () => {
    const tx = TRANSACTIONS['small update']!();
    const ps = tx.pageSize;
    const store = new MemoryObjectStore();
    const scribbled = tx.before.slice();
    scribbled.fill(0xab, 2 * ps, 3 * ps); // page 3: if anything were "restored", this would change
    await putFile(store, 'db', scribbled);
    const vfs = new BlockVfs(store);
    const journal = await vfs.xOpen('db-journal', RWC);
    await journal.xWrite(encodeJournalRecord(3, page(tx.before, 3, ps), 1), 4096);
    await journal.xSync(SyncFlags.SQLITE_SYNC_NORMAL);
    await journal.xClose();
    expect((await keys(store, 'db-journal/')).length).toBe(2);

    const [rolled, bytes] = await recover(store);
    expect(rolled).toBe(false);
    expect(sameBytes(bytes, scribbled)).toBe(true);
    expect(await keys(store, 'db-journal/')).toEqual([]);
  });

  it('a journal whose header was zeroed (a commit interrupted while deleting it) is discarded', async () => {
    const tx = TRANSACTIONS['small update']!();
    const store = new MemoryObjectStore();
    await putFile(store, 'db', tx.before);
    await commit(new BlockVfs(store), tx, true);
    const block0 = (await store.get('db-journal/0000000000'))!;
    expect(decodeJournalHeader(block0)).toBeDefined();
    block0.fill(0, 0, 28);
    await store.put('db-journal/0000000000', block0);
    const [rolled, bytes] = await recover(store);
    expect(rolled).toBe(false);
    expect(sameBytes(bytes, tx.after)).toBe(true);
    expect(await keys(store, 'db-journal/')).toEqual([]);
  });

  it('refuses, with CorruptError and nothing touched, a header claiming an original size nothing supports', async () => {
    const tx = TRANSACTIONS['small update']!();
    const store = new MemoryObjectStore();
    await putFile(store, 'db', tx.before);
    await commit(new BlockVfs(store), tx, true);
    const block0 = (await store.get('db-journal/0000000000'))!;
    new DataView(block0.buffer).setUint32(16, 0x4000_0000); // original size: 2^30 pages
    await store.put('db-journal/0000000000', block0);
    await expect(recover(store)).rejects.toThrow(/claims the database had 1073741824 pages/);
    expect(sameBytes(await fileBytes(store, 'db'), tx.after)).toBe(true);
    expect(await store.get('db-journal/0000000000')).toEqual(block0);
  });

  it('refuses to overwrite a hot journal', async () => {
    const tx = TRANSACTIONS['small update']!();
    const store = new MemoryObjectStore();
    await putFile(store, 'db', tx.before);
    await commit(new BlockVfs(store), tx, true);
    await expect(
      writeJournal(new BlockVfs(store), 'db', { pageSize: tx.pageSize, originalPageCount: 1, pages: [] }),
    ).rejects.toThrow(MisuseError);
  });

  it('rejects pages it must never journal', async () => {
    const vfs = new BlockVfs(new MemoryObjectStore());
    const data = new Uint8Array(1024);
    const write = (pages: { pgno: number; data: Uint8Array }[]) =>
      writeJournal(vfs, 'x', { pageSize: 1024, originalPageCount: 5, pages });
    await expect(write([{ pgno: 6, data }])).rejects.toThrow(MisuseError); // past the old end
    await expect(write([{ pgno: 0, data }])).rejects.toThrow(MisuseError);
    await expect(write([{ pgno: 2, data }, { pgno: 2, data }])).rejects.toThrow(MisuseError);
    await expect(write([{ pgno: 2, data: new Uint8Array(512) }])).rejects.toThrow(MisuseError);
  });

  // Journals of several objects (4 KiB blocks: header zeroed, then deleted) and of one (the
  // default 1 MiB blocks: its single DELETE is the commit point).
  for (const [name, make, journalBlockSize] of Object.entries(TRANSACTIONS).flatMap(([n, m]) => [[n, m, 4096], [n, m, undefined]] as const)) {
    it(`${name} (journal blocks: ${journalBlockSize ?? 'default'}): a crash before any store request of the commit recovers to before or after, never anything else`, async () => {
      const tx = make();
      if (name.includes('grows')) expect(tx.after.length).toBeGreaterThan(tx.before.length);
      if (name.includes('shrinks')) expect(tx.after.length).toBeLessThan(tx.before.length);
      const vfsOn = (store: ObjectStore): BlockVfs => new BlockVfs(store, journalBlockSize === undefined ? {} : { journalBlockSize });
      // The clean run counts the requests.
      const clean = new CrashingStore(new MemoryObjectStore(), Number.MAX_SAFE_INTEGER);
      await putFile(clean.inner, 'db', tx.before);
      await commit(vfsOn(clean), tx);
      expect(sameBytes(await fileBytes(clean.inner, 'db'), tx.after)).toBe(true);
      const total = clean.calls;

      const outcomes: string[] = [];
      for (let k = 0; k < total; k++) {
        const inner = new MemoryObjectStore();
        await putFile(inner, 'db', tx.before);
        const crashing = new CrashingStore(inner, k);
        await expect(commit(vfsOn(crashing), tx)).rejects.toThrow(IoError);
        const [rolled, bytes] = await recover(inner);
        const outcome = sameBytes(bytes, tx.before) ? 'before' : sameBytes(bytes, tx.after) ? 'after' : 'OTHER';
        outcomes.push(outcome);
        expect(outcome, `crash before request ${k} of ${total} (rolled back: ${rolled})`).not.toBe('OTHER');
        expect(sameBytes(await fileBytes(inner, 'db'), bytes), 'the store holds what was read').toBe(true);
        const left = await keys(inner, 'db-journal/');
        if (left.length > 0) {
          // Only possible for a crash inside writeJournal's first sync: record blocks uploaded, block 0
          // (uploaded last) not, so to the VFS the journal does not exist. The next commit's journal
          // overwrites them and its delete (which lists the prefix) removes whatever is left.
          expect(left, `crash at ${k}`).not.toContain('db-journal/0000000000');
          expect(outcome).toBe('before');
          await commit(vfsOn(inner), tx);
          expect(await keys(inner, 'db-journal/')).toEqual([]);
          expect(sameBytes(await fileBytes(inner, 'db'), tx.after)).toBe(true);
        }
      }
      // Before, up to the commit point (the PUT that zeroes the journal header, or the DELETE of
      // a one-object journal — then the last request); after, from then on, and with no crash.
      outcomes.push('after');
      if (journalBlockSize === undefined) expect(outcomes.filter((o) => o === 'after')).toHaveLength(1);
      const firstAfter = outcomes.indexOf('after');
      expect(firstAfter).toBeGreaterThan(0);
      expect(outcomes.slice(0, firstAfter).every((o) => o === 'before')).toBe(true);
      expect(outcomes.slice(firstAfter).every((o) => o === 'after')).toBe(true);
    });
  }
});

describe('damaged journals over the block VFS', () => {
  it('any damage (bytes, a missing block, a cut, garbage appended): rollback does what the pure decoder says, never throws, and removes the journal', async () => {
    const tx = makeTransaction(512, `UPDATE t SET b = randomblob(100) WHERE a % 4 = 0; DELETE FROM u;`);
    const ps = tx.pageSize;
    const oldCount = tx.before.length / ps;
    const changed: number[] = [];
    for (let pgno = 1; pgno <= oldCount; pgno++) {
      if (!sameBytes(page(tx.before, pgno, ps), page(tx.after, pgno, ps))) changed.push(pgno);
    }
    expect(changed.length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('bytes' as const), hits: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 5 }) }),
          fc.record({ kind: fc.constant('missing-block' as const), block: fc.nat() }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('append' as const), garbage: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
        ),
        async (damage) => {
          const store = new MemoryObjectStore();
          await putFile(store, 'db', tx.after); // the crash left the new pages in place
          const vfs = new BlockVfs(store, { blockSize: 1024 });
          await writeJournal(vfs, 'db', {
            pageSize: ps,
            sectorSize: 512,
            originalPageCount: oldCount,
            pages: changed.map((pgno) => ({ pgno, data: page(tx.before, pgno, ps) })),
          });
          const journal = await fileBytes(store, 'db-journal');
          let damaged = journal;
          if (damage.kind === 'bytes') {
            damaged = journal.slice();
            for (const [at, v] of damage.hits) damaged[at % damaged.length] = v;
          } else if (damage.kind === 'cut') {
            damaged = journal.slice(0, damage.at % journal.length);
          } else if (damage.kind === 'append') {
            damaged = new Uint8Array(journal.length + damage.garbage.length);
            damaged.set(journal);
            damaged.set(damage.garbage, journal.length);
          }
          for (const k of await keys(store, 'db-journal/')) await store.delete(k);
          await putFile(store, 'db-journal', damaged, 1024);
          const blocks = Math.ceil(damaged.length / 1024);
          let seen = damaged; // the journal as the VFS will read it
          if (damage.kind === 'missing-block' && blocks > 1) {
            const index = 1 + (damage.block % (blocks - 1));
            await store.delete(`db-journal/${String(index).padStart(10, '0')}`);
            seen = index === blocks - 1 ? damaged.slice(0, index * 1024) : damaged.slice().fill(0, index * 1024, (index + 1) * 1024);
          }

          // The model: what the pure decoder says SQLite would play back, applied to the crashed file,
          // unless the header claims an original size nothing else supports (then: refused, untouched).
          const playback = decodeJournal(seen);
          const currentPages = tx.after.length / ps;
          const restoredPage1 = playback?.records.filter((r) => r.pgno === 1).at(-1)?.data ?? tx.after;
          const p1 = new DataView(restoredPage1.buffer, restoredPage1.byteOffset);
          const declared = p1.getUint32(92) === p1.getUint32(24) ? p1.getUint32(28) : 0; // only a valid in-header size counts
          const refused =
            playback !== undefined &&
            playback.originalPageCount > currentPages &&
            playback.originalPageCount > Math.max(declared, ...playback.records.map((r) => r.pgno));
          if (refused) {
            await expect(recover(store)).rejects.toThrow(CorruptError);
            expect(sameBytes(await fileBytes(store, 'db'), tx.after)).toBe(true);
            expect((await keys(store, 'db-journal/')).length).toBeGreaterThan(0);
            return;
          }
          let expected = tx.after;
          if (playback !== undefined) {
            expected = new Uint8Array(playback.originalPageCount * playback.pageSize);
            expected.set(tx.after.subarray(0, Math.min(tx.after.length, expected.length)));
            for (const r of playback.records) expected.set(r.data, (r.pgno - 1) * playback.pageSize);
          }

          const [rolled, bytes] = await recover(store);
          expect(rolled).toBe(playback !== undefined);
          expect(sameBytes(bytes, expected)).toBe(true);
          expect(await keys(store, 'db-journal/')).toEqual([]);
          if (damage.kind === 'append') expect(sameBytes(bytes, tx.before)).toBe(true); // garbage after the records is never read
        },
      ),
      { numRuns: 120 },
    );
  });
});
