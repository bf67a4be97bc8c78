/**
 * Bad input where it enters the safety layer (journals, lease objects, blocks), and the same
 * protocol on the directory store (lease = `P-lock` created with link(), which never overwrites).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countEntries, insertRow } from '../../src/btree/index.js';
import { BusyError, CorruptError, SqliteError } from '../../src/errors.js';
import { readConsistent } from '../../src/pager/consistent-read.js';
import { encodeJournal, encodeSuperJournalName } from '../../src/pager/journal-format.js';
import { encodeRecord } from '../../src/record/record.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { Lease } from '../../src/vfs/lease.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { FaultyStore, INITIAL_SQL, TRANSACTIONS, crashedStore as crashedStoreOf, exportFile, openSafe, sameBytes, uploadDatabase } from './harness.js';

const initial = makeDatabaseBytes(INITIAL_SQL);
const tmp = tempDir('s3lite-bad');
afterAll(() => tmp.cleanup());
const LAYOUT = { t1: 2, t2: 3, t3: 4, t3SchemaRowid: 3, schemaRows: 3 };

async function freshStore(): Promise<MemoryObjectStore> {
  const s = new MemoryObjectStore();
  await uploadDatabase(s, 'db', initial, 1024);
  return s;
}

/** A store holding a crashed commit of the large insert: journal hot, some blocks overwritten, no live lease. */
const crashedStore = (): Promise<MemoryObjectStore> => crashedStoreOf(initial);

function sqliteFiles(name: string, db: Uint8Array, journal: Uint8Array | undefined): { path: string; check: string } {
  const path = join(tmp.dir, name);
  writeFileSync(path, db);
  if (journal !== undefined) writeFileSync(`${path}-journal`, journal);
  return { path, check: integrityCheck(path) };
}

describe('bad input', () => {
  it('a journal without a valid header (half-written) is discarded; the database is untouched', async () => {
    const store = await freshStore();
    await store.put('db-journal/0000000000', new Uint8Array(4096).fill(0xab));
    await store.put('db-journal/0000000001', new Uint8Array(1000).fill(0xcd));
    const pager = await openSafe(store);
    expect(await readConsistent(pager, () => countEntries(pager, 3))).toBe(20);
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true);
    // A reader leaves it alone (its writer may still be writing it); the next writer, holding
    // the lease, knows better and deletes it.
    await pager.beginWrite();
    pager.rollback();
    expect(await exportFile(store, 'db-journal')).toBeUndefined();
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true);
  });

  it('a hot journal with a corrupt record is played back up to that record, exactly as sqlite3 does', async () => {
    const store = await crashedStore();
    const journal = (await exportFile(store, 'db-journal'))!;
    // Flip a byte inside the page data of the last record: its checksum no longer matches.
    const corrupt = journal.slice();
    corrupt[corrupt.length - 10] = corrupt[corrupt.length - 10]! ^ 0xff;
    await store.put('db-journal/0000000000', corrupt.subarray(0, 4096));
    for (let i = 1; i * 4096 < corrupt.length; i++) await store.put(`db-journal/${String(i).padStart(10, '0')}`, corrupt.subarray(i * 4096, (i + 1) * 4096));
    const crashedDb = (await exportFile(store, 'db'))!;
    const bySqlite = sqliteFiles('corrupt-record.db', crashedDb, corrupt);
    const pager = await openSafe(store);
    pager.close();
    const ours = (await exportFile(store, 'db'))!;
    expect(sameBytes(ours, new Uint8Array(readFileSync(bySqlite.path)))).toBe(true);
  });

  it('a journal with a valid header that is not hot (its super-journal is gone) is ignored by readers', async () => {
    const store = await freshStore();
    const garbage = new Uint8Array(1024).fill(0x5a);
    const journal = encodeJournal({ pageSize: 1024, sectorSize: 4096, originalPageCount: 30, nonce: 7, pages: [{ pgno: 2, data: garbage }] });
    const superName = encodeSuperJournalName('/nowhere/db-mj0123', 1024);
    const full = new Uint8Array(journal.length + superName.length);
    full.set(journal);
    full.set(superName, journal.length);
    for (let i = 0; i * 4096 < full.length; i++) await store.put(`db-journal/${String(i).padStart(10, '0')}`, full.subarray(i * 4096, (i + 1) * 4096));
    const reader = await openSafe(store, { readonly: true });
    expect(await readConsistent(reader, () => countEntries(reader, 3), false)).toBe(20);
    expect(await exportFile(store, 'db-journal')).toBeDefined(); // a reader leaves it
    const writer = await openSafe(store);
    expect(await readConsistent(writer, () => countEntries(writer, 3))).toBe(20);
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true); // nothing was "restored"
  });

  it('a journal whose original size is absurd is refused with CorruptError, not obeyed', async () => {
    const store = await crashedStore();
    const head = (await store.get('db-journal/0000000000'))!;
    head.set([0x7f, 0xff, 0xff, 0xff], 16); // initial database size in pages (offset 16)
    await store.put('db-journal/0000000000', head);
    await expect(openSafe(store)).rejects.toBeInstanceOf(CorruptError);
    expect((await exportFile(store, 'db'))!.length).toBeLessThan(10 * 1024 * 1024);
  });

  it('a lease object holding garbage does not block recovery or writing', async () => {
    const store = await crashedStore();
    await store.put('db-lock', new TextEncoder().encode('{"owner": 5, "expires": "soon"'));
    const pager = await openSafe(store);
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true);
    await pager.beginWrite();
    await insertRow(pager, 3, 777, encodeRecord([null, 'after garbage'], 1));
    await pager.commit();
    expect(sqliteFiles('garbage-lease.db', (await exportFile(store, 'db'))!, undefined).check).toBe('ok');
  });

  it('a block missing in the middle of the database gives a clear SqliteError, not a crash', async () => {
    const store = await freshStore();
    await store.delete('db/0000000003'); // page 4: t3's root
    const pager = await openSafe(store);
    const err = await readConsistent(pager, () => countEntries(pager, 4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteError);
  });

  it('a truncated last block (an object of the wrong size) is refused or read safely', async () => {
    const store = await freshStore();
    const last = Math.ceil(initial.length / 1024) - 1;
    const key = `db/${String(last).padStart(10, '0')}`;
    const data = (await store.get(key))!;
    await store.put(key, data.subarray(0, 100));
    const outcome = await openSafe(store)
      .then((p) => readConsistent(p, () => countEntries(p, 4)))
      .catch((e: unknown) => e);
    if (typeof outcome !== 'number') expect(outcome).toBeInstanceOf(SqliteError);
  });
});

describe('directory store', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const newDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 's3lite-dirsafe-'));
    dirs.push(d);
    return d;
  };

  it('the lease is exclusive: of racing writers exactly one wins', async () => {
    const dir = newDir();
    const leases = Array.from({ length: 5 }, () => new Lease(new DirectoryObjectStore(dir), 'db'));
    const results = await Promise.allSettled(leases.map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError);
    await leases.find((l) => l.held)!.release();
  });

  it('a crash before any request of a commit recovers to before or after', async () => {
    const tx = TRANSACTIONS['small update']!;
    // The after state, from memory.
    const mem = await freshStore();
    const w = await openSafe(mem);
    await w.beginWrite();
    await tx(w, LAYOUT);
    await w.commit();
    const after = (await exportFile(mem, 'db'))!;

    const attempt = async (failAt: number | undefined): Promise<{ dir: string; calls: number }> => {
      const dir = newDir();
      const store = new DirectoryObjectStore(dir);
      await uploadDatabase(store, 'db', initial, 1024);
      const faulty = new FaultyStore(store);
      const pager = await openSafe(faulty);
      faulty.arm(failAt);
      await pager.beginWrite().then(() => tx(pager, LAYOUT)).then(() => pager.commit()).catch(() => undefined);
      return { dir, calls: faulty.calls };
    };
    const total = (await attempt(undefined)).calls;
    for (let n = 1; n <= total; n++) {
      const { dir } = await attempt(n);
      const recoveredPager = await openSafe(new DirectoryObjectStore(dir), { clockAheadMs: 60_000 });
      recoveredPager.close();
      const got = await exportFile(new DirectoryObjectStore(dir), 'db');
      expect(sameBytes(got, initial) || sameBytes(got, after), `directory crash at request ${n}`).toBe(true);
      expect(sqliteFiles(`dir-${n}.db`, got!, undefined).check).toBe('ok');
    }
    console.log(`directory crash points: ${total} tried, ${total} passed`);
    expect(total).toBeGreaterThan(5);
  });
});
