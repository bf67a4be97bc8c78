/**
 * Readers during an in-flight commit see the state before it (through the journal), reads that
 * a commit overlapped are detected, two writers exclude each other through the lease, and a
 * writer whose lease was lost cannot commit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { countEntries, insertRow } from '../../src/btree/index.js';
import { BusyError } from '../../src/errors.js';
import { safeProtocol } from '../../src/pager/commit-protocol.js';
import { readConsistent } from '../../src/pager/consistent-read.js';
import type { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { FaultyStore, INITIAL_SQL, TRANSACTIONS, cloneStore, exportFile, openSafe, sameBytes, uploadDatabase } from './harness.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const initial = makeDatabaseBytes(INITIAL_SQL);
const tmp = tempDir('s3lite-rw');
afterAll(() => tmp.cleanup());

/** The database as the pager sees it: every page, concatenated. */
async function pagesOf(pager: Pager): Promise<Uint8Array> {
  const ps = pager.pageSize;
  const out = new Uint8Array(pager.pageCount * ps);
  for (let p = 1; p <= pager.pageCount; p++) out.set(await pager.getPage(p), (p - 1) * ps);
  return out;
}

async function freshStore(): Promise<MemoryObjectStore> {
  const s = new MemoryObjectStore();
  await uploadDatabase(s, 'db', initial, 1024);
  return s;
}

const T2_ROOT = 3; // t2 is the second table created: root page 3

function sqliteOk(bytes: Uint8Array, name: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return integrityCheck(path);
}

describe('readers never see half a commit', () => {
  const grow = TRANSACTIONS['large insert that grows the file']!;

  it.each([
    ['after the journal, before any database block', (op: string, key: string) => op === 'put' && key.startsWith('db/')],
    ['before page 1, every other block written', (op: string, key: string) => op === 'put' && key === 'db/0000000000'],
    ['before the journal is deleted (the commit point)', (op: string, key: string) => op !== 'get' && op !== 'head' && key === 'db-journal/0000000000'],
  ])('a reader opened while a commit is paused %s sees the before state', async (_label, where) => {
    const base = await freshStore();
    const faulty = new FaultyStore(base);
    const writer = await openSafe(faulty);
    await writer.beginWrite();
    await grow(writer, { t1: 2, t2: T2_ROOT, t3: 4, t3SchemaRowid: 3, schemaRows: 3 });
    // db-journal/0000000000 is also put while the journal is written: for the third case pause
    // only on the request that follows page 1's (the journal's deletion: the commit point).
    let page1Written = false;
    const paused = faulty.pauseOn((op, key) => {
      if (op === 'put' && key === 'db/0000000000') page1Written = true;
      return where(op, key) && (key !== 'db-journal/0000000000' || page1Written);
    });
    const committing = writer.commit();
    await paused;

    // Another machine opens the database mid-commit: the writer's lease is live, so it must not
    // roll back; it reads the last committed state through the journal.
    const reader = await openSafe(base, { readonly: true });
    const seenByReader = await readConsistent(reader, () => pagesOf(reader), false);
    expect(sameBytes(seenByReader, initial)).toBe(true);
    // A read-write opener (that cannot get the lease) does the same.
    const other = await openSafe(base);
    expect(sameBytes(await readConsistent(other, () => pagesOf(other)), initial)).toBe(true);

    faulty.resume();
    await committing;
    const after = (await exportFile(base, 'db'))!;
    expect(sameBytes(after, initial)).toBe(false);
    expect(sqliteOk(after, 'after.db')).toBe('ok');
    // The same reader, on its next read, sees the committed state.
    expect(sameBytes(await readConsistent(reader, () => pagesOf(reader), false), after)).toBe(true);
    expect(sameBytes(await readConsistent(other, () => pagesOf(other)), after)).toBe(true);
  });

  it('endRead reports a read that a commit overlapped', async () => {
    const base = await freshStore();
    const reader = await openSafe(base);
    const protocol = safeProtocol(reader)!;
    const token = await protocol.beginRead();
    expect(await protocol.endRead(token)).toBe(true);
    const writer = await openSafe(base);
    await writer.beginWrite();
    await insertRow(writer, T2_ROOT, 500, encodeRecord([null, 'new'], 1));
    await writer.commit();
    expect(await protocol.endRead(token)).toBe(false);
    expect(await readConsistent(reader, () => countEntries(reader, T2_ROOT))).toBe(21);
  });
});

describe('writers exclude each other', () => {
  it('a second writer gets BusyError while the first holds the lease, then builds on its commit', async () => {
    const base = await freshStore();
    const a = await openSafe(base);
    const b = await openSafe(base, { lease: { busyTimeoutMs: 0 } });
    await a.beginWrite();
    await insertRow(a, T2_ROOT, 200, encodeRecord([null, 'from a'], 1));
    await expect(b.beginWrite()).rejects.toBeInstanceOf(BusyError);
    await a.commit();
    await b.beginWrite();
    await insertRow(b, T2_ROOT, 201, encodeRecord([null, 'from b'], 1));
    await b.commit();
    const c = await openSafe(base);
    expect(await readConsistent(c, () => countEntries(c, T2_ROOT))).toBe(22); // nothing lost
    expect(sqliteOk((await exportFile(base, 'db'))!, 'ab.db')).toBe('ok');
  });

  it('rollback releases the lease; the same pager can begin again at once', async () => {
    const base = await freshStore();
    const a = await openSafe(base);
    const b = await openSafe(base, { lease: { busyTimeoutMs: 1000 } });
    await a.beginWrite();
    a.rollback();
    await a.beginWrite(); // waits for its own release, never mistakes its lease for a rival's
    expect(await base.get('db-lock')).toBeDefined();
    a.rollback();
    await b.beginWrite();
    b.rollback();
  });

  it('a read-only opener of a crashed database reads the before state through the journal and changes nothing', async () => {
    const base = await freshStore();
    const faulty = new FaultyStore(base);
    const w = await openSafe(faulty, { lease: { durationMs: 300, renewEveryMs: 100 } });
    await w.beginWrite();
    await TRANSACTIONS['large insert that grows the file']!(w, { t1: 2, t2: 3, t3: 4, t3SchemaRowid: 3, schemaRows: 3 });
    let puts = 0;
    const paused = faulty.pauseOn((op, key) => op === 'put' && key.startsWith('db/') && ++puts === 10);
    void w.commit().catch(() => undefined);
    await paused;
    safeProtocol(w)!.lease!.abandon();
    faulty.crashed = true;
    faulty.resume();
    await new Promise((r) => setTimeout(r, 350)); // the lease expires: the journal is hot, nobody owns it
    const snapshot = await cloneStore(base);
    const reader = await openSafe(base, { readonly: true });
    expect(sameBytes(await readConsistent(reader, () => pagesOf(reader), false), initial)).toBe(true);
    for await (const o of snapshot.list('')) expect(sameBytes(await base.get(o.key), await snapshot.get(o.key))).toBe(true);
    // A read-write opener then rolls it back for good.
    const rw = await openSafe(base);
    rw.close();
    expect(sameBytes(await exportFile(base, 'db'), initial)).toBe(true);
  });

  it('a writer whose lease expired and was taken over cannot commit; the database stays consistent', async () => {
    const base = await freshStore();
    const a = await openSafe(base, { lease: { durationMs: 200, renewEveryMs: 50 } });
    await a.beginWrite();
    safeProtocol(a)!.lease!.abandon(); // stalls: no renewals
    await insertRow(a, T2_ROOT, 300, encodeRecord([null, 'stale writer'], 1));
    await new Promise((r) => setTimeout(r, 250));
    const b = await openSafe(base);
    await b.beginWrite();
    await insertRow(b, T2_ROOT, 301, encodeRecord([null, 'new owner'], 1));
    await b.commit();
    const err = await a.commit().catch((e: unknown) => e);
    // SQLITE_BUSY: the lease is lost (its fence shut) and nothing more is written.
    expect(err).toBeInstanceOf(BusyError);
    expect((err as BusyError).message).toMatch(/lost the write lease|expired/);
    const bytes = (await exportFile(base, 'db'))!;
    expect(sqliteOk(bytes, 'lost.db')).toBe('ok');
    const c = await openSafe(base);
    expect(await readConsistent(c, () => countEntries(c, T2_ROOT))).toBe(21);
  });

  it('a writer that died holding the lease is taken over after expiry and its hot journal rolled back', async () => {
    const pristine = await freshStore();
    const base = await cloneStore(pristine);
    const faulty = new FaultyStore(base);
    const dead = await openSafe(faulty, { lease: { durationMs: 300, renewEveryMs: 100 } });
    await dead.beginWrite();
    await TRANSACTIONS['small update']!(dead, { t1: 2, t2: 3, t3: 4, t3SchemaRowid: 3, schemaRows: 3 });
    // Die right after the first database block lands: journal hot, lease left behind.
    let puts = 0;
    const pause = faulty.pauseOn((op, key) => op === 'put' && key.startsWith('db/') && ++puts === 2);
    void dead.commit().catch(() => undefined);
    await pause;
    safeProtocol(dead)!.lease!.abandon();
    faulty.crashed = true;
    faulty.resume();
    expect(await base.get('db-lock')).toBeDefined();
    expect(await base.get('db-journal/0000000000')).toBeDefined();
    // Before expiry a writer is refused; after it, it takes over and rolls back.
    const next = await openSafe(base, { lease: { busyTimeoutMs: 0 } });
    await expect(next.beginWrite()).rejects.toBeInstanceOf(BusyError);
    await new Promise((r) => setTimeout(r, 350));
    await next.beginWrite();
    next.rollback();
    expect(sameBytes(await exportFile(base, 'db'), initial)).toBe(true);
  });
});
