/**
 * Crash at every step: for each transaction, a writer's store dies before (and, separately,
 * right after) each single request of the whole write — probe, lease, journal, database blocks,
 * journal delete, lease release — in turn. Then a fresh opener (whose clock says the dead
 * writer's lease has expired) opens the database: it must equal EXACTLY the bytes before the
 * transaction or exactly the bytes after it, and sqlite3 must find it intact. The crashed state
 * exported as FILE + FILE-journal must be rolled back by sqlite3 itself to the same bytes.
 * The same for an auto-vacuum (FULL) database, whose commits move pages and shorten the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { integrityCheck, makeDatabaseBytes, sqlite3, tempDir } from '../support/sqlite3.js';
import {
  AUTO_VACUUM_TRANSACTIONS,
  FaultyStore,
  INITIAL_SQL,
  type Layout,
  TRANSACTIONS,
  cloneStore,
  exportFile,
  openSafe,
  sameBytes,
  uploadDatabase,
} from './harness.js';

const tmp = tempDir('s3lite-crash');
afterAll(() => tmp.cleanup());

function layoutOf(bytes: Uint8Array): Layout {
  const path = join(tmp.dir, 'layout.db');
  writeFileSync(path, bytes);
  const q = (sql: string): number => Number(sqlite3(path, sql).trim());
  return {
    t1: q("SELECT rootpage FROM sqlite_schema WHERE name = 't1'"),
    t2: q("SELECT rootpage FROM sqlite_schema WHERE name = 't2'"),
    t3: q("SELECT rootpage FROM sqlite_schema WHERE name = 't3'"),
    t3SchemaRowid: q("SELECT rowid FROM sqlite_schema WHERE name = 't3'"),
    schemaRows: q('SELECT max(rowid) FROM sqlite_schema'),
  };
}
/** The database before each transaction: the harness's, and the same in auto-vacuum FULL mode (pages move at commit). */
const SETUPS = [
  { label: '', initial: makeDatabaseBytes(INITIAL_SQL), transactions: TRANSACTIONS },
  { label: 'auto-vacuum ', initial: makeDatabaseBytes(`PRAGMA auto_vacuum = FULL;${INITIAL_SQL}`), transactions: AUTO_VACUUM_TRANSACTIONS },
].map((s) => ({ ...s, layout: layoutOf(s.initial) }));

let totalPoints = 0;
let passedPoints = 0;
afterAll(() => {
  console.log(`crash points tried: ${totalPoints}, passed: ${passedPoints}`);
});

/** Runs `tx` on a writer whose store is armed to crash at request `failAt` (undefined: never). */
async function runWriter(base: MemoryObjectStore, tx: (typeof TRANSACTIONS)[string], layout: Layout, failAt: number | undefined, mode: 'before' | 'after') {
  const faulty = new FaultyStore(base);
  let error: unknown;
  try {
    const pager = await openSafe(faulty);
    faulty.arm(failAt, mode);
    await pager.beginWrite();
    await tx(pager, layout);
    await pager.commit();
  } catch (err) {
    error = err;
  }
  return { calls: faulty.calls, error, crashed: faulty.crashed };
}

function checkWithSqlite(name: string, db: Uint8Array, journal?: Uint8Array): Uint8Array {
  const path = join(tmp.dir, name);
  writeFileSync(path, db);
  if (journal !== undefined) writeFileSync(`${path}-journal`, journal);
  expect(integrityCheck(path)).toBe('ok');
  return new Uint8Array(readFileSync(path));
}

const CASES = SETUPS.flatMap((setup) => Object.entries(setup.transactions).map(([label, tx]) => [`${setup.label}${label}`, tx, setup] as const));

describe.each(CASES)('crash during "%s"', (label, tx, { initial, layout }) => {
  it('recovers to exactly the before or the after state at every request', async () => {
    const pristine = new MemoryObjectStore();
    await uploadDatabase(pristine, 'db', initial, 1024);

    // The uninterrupted run: the after state and the number of requests a commit takes.
    const clean = await cloneStore(pristine);
    const run = await runWriter(clean, tx, layout, undefined, 'before');
    expect(run.error).toBeUndefined();
    const after = (await exportFile(clean, 'db'))!;
    expect(sameBytes(after, initial)).toBe(false);
    checkWithSqlite('after.db', after);
    const total = run.calls;
    expect(total).toBeGreaterThan(5);

    let sawBefore = 0;
    let sawAfter = 0;
    for (const mode of ['before', 'after'] as const) {
      for (let n = 1; n <= total; n++) {
        totalPoints++;
        const store = await cloneStore(pristine);
        const crash = await runWriter(store, tx, layout, n, mode);
        expect(crash.crashed, `${label} ${mode} #${n}`).toBe(true);
        // The writer saw its failure unless the crash hit only the final lease release.
        if (crash.error !== undefined) expect(crash.error).toBeInstanceOf(IoError);

        // What sqlite3 itself makes of the crashed state (database + journal side by side).
        const crashedDb = (await exportFile(store, 'db'))!;
        const crashedJournal = await exportFile(store, 'db-journal');
        const bySqlite = checkWithSqlite(`crash-${n}.db`, crashedDb, crashedJournal);

        // A fresh opener, after the dead writer's lease expired.
        const pager = await openSafe(store, { clockAheadMs: 60_000 });
        pager.close();
        const recovered = (await exportFile(store, 'db'))!;
        const isBefore = sameBytes(recovered, initial);
        const isAfter = sameBytes(recovered, after);
        expect(isBefore || isAfter, `${label}: crash ${mode} request ${n} of ${total} left a third state`).toBe(true);
        if (isBefore) sawBefore++;
        else sawAfter++;
        expect(sameBytes(bySqlite, recovered), `sqlite3 rolled back differently at ${mode} #${n}`).toBe(true);
        checkWithSqlite(`recovered-${n}.db`, recovered);
        // Nothing hot is left behind.
        const journal = await exportFile(store, 'db-journal');
        expect(journal === undefined || journal.subarray(0, 8).every((b) => b === 0)).toBe(true);
        passedPoints++;
      }
    }
    // Both outcomes happen: crashes before the commit point roll back, later ones keep the commit.
    expect(sawBefore).toBeGreaterThan(0);
    expect(sawAfter).toBeGreaterThan(0);
  });
});
