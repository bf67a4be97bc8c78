/**
 * `import --replace` is as safe as a commit (src/transfer/replace.ts):
 *
 * - crash at every request: the store of a replace dies before (and, separately, right after)
 *   each single request in turn — probe, lease, look-up, journal reads and writes, block 0, the
 *   other blocks, stale deletes, the journal delete, the lease release. A fresh opener (whose clock
 *   says the dead importer's lease has expired) must then find EXACTLY the old database or exactly
 *   what SQLite's own backup API (`sqlite3 DEST ".restore SRC"`) makes of the replace, and sqlite3
 *   itself, given the crashed blocks and journal as FILE + FILE-journal, must roll back to the same
 *   bytes;
 * - readers during a replace see the old database or the new one, never a mix;
 * - a replace never interleaves with another writer: it waits for the lease or fails with
 *   SQLITE_BUSY, writing nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { countEntries, insertRow } from '../../src/btree/index.js';
import { BusyError } from '../../src/errors.js';
import { readConsistent } from '../../src/pager/consistent-read.js';
import { encodeRecord } from '../../src/record/record.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectInfo, ObjectStore, VersionedObject, WriteConditions } from '../../src/store/object-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { FaultyStore, INITIAL_SQL, cloneStore, exportFile, openSafe, sameBytes, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

const initial = makeDatabaseBytes(INITIAL_SQL);
const tmp = tempDir('s3lite-replace');
afterAll(() => tmp.cleanup());

/** The same tables (roots 2, 3, 4) with 500 rows in t1 instead of 50. */
const MORE_T1 = `${INITIAL_SQL}
  WITH RECURSIVE c(i) AS (SELECT 51 UNION ALL SELECT i + 1 FROM c WHERE i < 500)
  INSERT INTO t1 SELECT i, printf('more %d %.60c', i, 'b') FROM c;`;

const SCENARIOS: Record<string, Uint8Array> = {
  'a larger database, same page size': makeDatabaseBytes(MORE_T1),
  'a database with another page size (4096)': makeDatabaseBytes(
    `PRAGMA page_size = 4096; CREATE TABLE z(q); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40) INSERT INTO z SELECT randomblob(700) FROM c;`,
  ),
  'a database shorter than one block (512 bytes)': makeDatabaseBytes(`PRAGMA page_size = 512; PRAGMA user_version = 7;`),
};

const LEASE = { durationMs: 2000, renewEveryMs: 500 };

function checkWithSqlite(name: string, db: Uint8Array, journal?: Uint8Array): Uint8Array {
  const path = join(tmp.dir, name);
  writeFileSync(path, db);
  if (journal !== undefined) writeFileSync(`${path}-journal`, journal);
  expect(integrityCheck(path)).toBe('ok');
  return new Uint8Array(readFileSync(path));
}

async function replaceOn(store: ObjectStore, bytes: Uint8Array, options: { busyTimeoutMs?: number } = {}) {
  return deserialize(new BlockStore(store, 'db'), [bytes], { replace: true, lease: LEASE, ...options });
}

let points = 0;
afterAll(() => console.log(`import --replace crash points tried and passed: ${points}`));

describe.each(Object.entries(SCENARIOS))('crash during a replace by %s', (label, next) => {
  it('recovers to exactly the old database or exactly the new one at every request', async () => {
    const pristine = new MemoryObjectStore();
    await uploadDatabase(pristine, 'db', initial, 1024);
    const expected = restoredBySqlite(initial, next);

    // The uninterrupted run: the new state, and how many requests a replace takes.
    const clean = await cloneStore(pristine);
    const faultless = new FaultyStore(clean);
    faultless.arm(undefined);
    const result = await replaceOn(faultless, next);
    expect(result).toMatchObject({ replaced: true, journaledBytes: initial.length, blockSize: 1024 });
    expect(sameBytes(await exportFile(clean, 'db'), expected)).toBe(true);
    expect(await exportFile(clean, 'db-journal')).toBeUndefined();
    expect(await clean.get('db-lock')).toBeUndefined();
    const total = faultless.calls;

    let sawOld = 0;
    let sawNew = 0;
    for (const mode of ['before', 'after'] as const) {
      for (let n = 1; n <= total; n++) {
        const store = await cloneStore(pristine);
        const faulty = new FaultyStore(store);
        faulty.arm(n, mode);
        await replaceOn(faulty, next).catch(() => undefined);
        expect(faulty.crashed, `${label} ${mode} #${n}`).toBe(true);

        // What sqlite3 itself makes of the crashed state (database + journal side by side).
        const bySqlite = checkWithSqlite(`crash-${n}.db`, (await exportFile(store, 'db'))!, await exportFile(store, 'db-journal'));

        // A fresh opener, once the dead importer's lease has expired.
        const pager = await openSafe(store, { clockAheadMs: 60_000 });
        pager.close();
        const recovered = (await exportFile(store, 'db'))!;
        const isOld = sameBytes(recovered, initial);
        const isNew = sameBytes(recovered, expected);
        expect(isOld || isNew, `${label}: crash ${mode} request ${n} of ${total} left a third state`).toBe(true);
        if (isOld) sawOld++;
        else sawNew++;
        expect(sameBytes(bySqlite, recovered), `sqlite3 rolled back differently at ${mode} #${n}`).toBe(true);
        checkWithSqlite(`recovered-${n}.db`, recovered);
        const journal = await exportFile(store, 'db-journal');
        expect(journal === undefined || journal.subarray(0, 8).every((b) => b === 0)).toBe(true);
        points++;
      }
    }
    // Crashes before the commit point bring the old database back, later ones keep the new one.
    expect(sawOld).toBeGreaterThan(0);
    expect(sawNew).toBeGreaterThan(0);
  });
});

describe('crash during a replace on S3 (enforcing proxy)', () => {
  let s3: SafetyS3;
  beforeAll(async () => {
    s3 = await startSafetyS3();
  });
  afterAll(() => s3.close());

  it('recovers to exactly the old database or exactly the new one at every request', async () => {
    const next = SCENARIOS['a database with another page size (4096)']!;
    const expected = restoredBySqlite(initial, next);
    let prefixes = 0;
    const attempt = async (failAt: number | undefined): Promise<{ prefix: string; calls: number }> => {
      const prefix = `replace${++prefixes}`;
      const store = s3.enforcing();
      await uploadDatabase(store, prefix, initial, 1024);
      const faulty = new FaultyStore(store);
      faulty.arm(failAt);
      await deserialize(new BlockStore(faulty, prefix), [next], { replace: true, lease: LEASE }).catch(() => undefined);
      return { prefix, calls: faulty.calls };
    };
    const clean = await attempt(undefined);
    expect(sameBytes(await exportFile(s3.enforcing(), clean.prefix), expected)).toBe(true);
    let old = 0;
    for (let n = 1; n <= clean.calls; n++) {
      const { prefix } = await attempt(n);
      const pager = await openSafe(s3.enforcing(), { prefix, clockAheadMs: 60_000 });
      pager.close();
      const got = (await exportFile(s3.enforcing(), prefix))!;
      const isOld = sameBytes(got, initial);
      expect(isOld || sameBytes(got, expected), `crash before request ${n} of ${clean.calls}`).toBe(true);
      if (isOld) old++;
      checkWithSqlite(`${prefix}.db`, got);
    }
    console.log(`S3 crash points of a replace: ${clean.calls} tried and passed (${old} rolled back to the old database)`);
    expect(old).toBeGreaterThan(0);
    expect(old).toBeLessThan(clean.calls);
  }, 600_000);
});

/** A memory store whose every request takes a few ms: a replace long enough to read during. */
class SlowStore extends MemoryObjectStore {
  override async get(key: string): Promise<Uint8Array | undefined> {
    await tick();
    return super.get(key);
  }
  override async getVersioned(key: string): Promise<VersionedObject | undefined> {
    await tick();
    return super.getVersioned(key);
  }
  override async head(key: string): Promise<ObjectInfo | undefined> {
    await tick();
    return super.head(key);
  }
  override async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    await tick();
    return super.put(key, data, conditions);
  }
}
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('around a replace', () => {
  it('readers see the old database or the new one, never a mix', async () => {
    const store = new SlowStore();
    await uploadDatabase(store, 'db', initial, 1024);
    const next = SCENARIOS['a larger database, same page size']!;
    const reader = await openSafe(store, { readonly: true });
    const seen = new Set<number>();
    let reads = 0;
    let replacing = true;
    const replace = replaceOn(store, next).finally(() => (replacing = false));
    while (replacing) {
      // t1 is root page 2 in both databases: 50 rows in the old one, 500 in the new one.
      seen.add(await readConsistent(reader, () => countEntries(reader, 2)));
      reads++;
    }
    await replace;
    seen.add(await readConsistent(reader, () => countEntries(reader, 2)));
    reader.close();
    expect([...seen].every((n) => n === 50 || n === 500), `counts seen: ${[...seen].join(', ')}`).toBe(true);
    expect(seen.has(500)).toBe(true);
    expect(reads).toBeGreaterThan(3);
  });

  it('an open Database that cached the old pages and schema reads the new database, even when both agree on change counter and schema cookie', async () => {
    const make = (value: string): Uint8Array =>
      makeDatabaseBytes(`PRAGMA page_size = 1024; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('${value}');`);
    const [before, after] = [make('old row'), make('new row')];
    const header = (b: Uint8Array): number[] => [24, 28, 40].map((at) => new DataView(b.buffer, b.byteOffset).getUint32(at));
    expect(header(after)).toEqual(header(before)); // what makes the stamped header necessary
    const store = new MemoryObjectStore();
    await uploadDatabase(store, 'db', before, 1024);
    const db = await Database.open({ objects: store, prefix: 'db' });
    expect(await db.query('SELECT v FROM t')).toEqual([{ v: 'old row' }]);
    await replaceOn(store, after);
    expect(await db.query('SELECT v FROM t')).toEqual([{ v: 'new row' }]);
    await db.close();
  });

  it('waits for the writer lease (busy timeout) or fails with SQLITE_BUSY, writing nothing', async () => {
    const store = new MemoryObjectStore();
    await uploadDatabase(store, 'db', initial, 1024);
    const next = SCENARIOS['a larger database, same page size']!;
    const writer = await openSafe(store);
    await writer.beginWrite();
    await insertRow(writer, 3, 5000, encodeRecord([null, 'committed while the import waited'], 1));

    const puts = store.requests.put;
    await expect(replaceOn(store, next)).rejects.toBeInstanceOf(BusyError);
    expect(store.requests.put).toBe(puts + 1); // its refused lease PUT, nothing else
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true);

    // With a busy timeout it waits; the writer commits meanwhile and the replace follows it.
    const waiting = replaceOn(store, next, { busyTimeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(true);
    await writer.commit();
    const committed = (await exportFile(store, 'db'))!;
    writer.close();
    await waiting;
    expect(sameBytes(await exportFile(store, 'db'), restoredBySqlite(committed, next))).toBe(true);
  });
});
