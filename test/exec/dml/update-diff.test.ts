/**
 * UPDATE changes only what differs (src/exec/dml/row-diff.ts):
 *  - a one-row UPDATE of a non-indexed column leaves every index page clean: the commit PUTs
 *    page 1 (the change counter) and the table leaf only — the blocks written are recorded by
 *    the memory store, their owners named by sqlite3's dbstat (comparing bytes would not do:
 *    deleting and re-inserting the same index entry gives back the same bytes, yet the page was
 *    dirty, journalled and uploaded);
 *  - a value that changes only its storage class (1 → 1.0 without affinity, 1 → '1', text →
 *    blob of the same bytes) IS a change: the index entries are rewritten, proved by sqlite3
 *    reading the values back out of covering indexes (INDEXED BY … reads the index record, not
 *    the table) after the same UPDATEs ran on sqlite3 itself;
 *  - conflict handling (OR REPLACE / OR IGNORE / ABORT, UNIQUE indexes whose columns did or did
 *    not change, partial indexes entered and left, rowid moves, WITHOUT ROWID) still matches.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { MemoryObjectStore } from '../../../src/store/memory-store.js';
import type { WriteConditions } from '../../../src/store/object-store.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function temp(): string {
  const { dir, cleanup } = tempDir('s3lite-update');
  cleanups.push(cleanup);
  return dir;
}

/** A memory store that records the database blocks written (one PUT per dirty page). */
class RecordingStore extends MemoryObjectStore {
  readonly written: string[] = [];
  override async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    if (key.startsWith('db/')) this.written.push(key);
    return super.put(key, data, conditions);
  }
}

const PAGE = 4096;

/** Which b-tree (table or index name) owns each page, per sqlite3's dbstat. */
function pageOwners(path: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of sqlite3(path, 'SELECT pageno, name FROM dbstat;').trim().split('\n')) {
    const [pgno, name] = line.split('|');
    out.set(Number(pgno), name!);
  }
  return out;
}

const SCHEMA = `PRAGMA page_size=${PAGE};
  CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, code TEXT, score INT);
  CREATE INDEX t_name ON t(name);
  CREATE UNIQUE INDEX t_code ON t(code);
  CREATE INDEX t_part ON t(name) WHERE score > 1000;
  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 3000)
  INSERT INTO t SELECT i, 'name ' || i, 'code-' || i, i % 100 FROM k;`;

/**
 * Runs `sql` through our engine on a database in a memory store (blocks = pages); returns the
 * owners of the pages it wrote, sorted. The file is then checked by sqlite3.
 */
async function dirtyOwners(sql: string): Promise<{ changes: number; owners: string[] }> {
  const dir = temp();
  const path = join(dir, 'db.sqlite');
  sqlite3(path, SCHEMA);
  const bytes = new Uint8Array(readFileSync(path));
  const owners = pageOwners(path);
  expect(new Set(owners.values())).toEqual(new Set(['sqlite_schema', 't', 't_name', 't_code', 't_part']));
  // Every b-tree but the empty partial index spans several pages: a rewrite would show.
  expect([...owners.values()].filter((o) => o === 't_name').length).toBeGreaterThan(3);
  const store = new RecordingStore();
  for (let i = 0; i * PAGE < bytes.length; i++) {
    await store.put(`db/${String(i).padStart(10, '0')}`, bytes.slice(i * PAGE, (i + 1) * PAGE));
  }
  store.written.length = 0;
  const db = await Database.open({ objects: store, prefix: 'db' }, { readonly: false });
  const { changes } = await db.run(sql);
  await db.close();
  const written = store.written.map((k) => Number(k.slice(3)) + 1);
  const blocks: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    const b = await store.get(`db/${String(i).padStart(10, '0')}`);
    if (b === undefined) break;
    blocks.push(b);
  }
  writeFileSync(path, Buffer.concat(blocks));
  expect(integrityCheck(path)).toBe('ok');
  return { changes, owners: written.map((p) => (p === 1 ? 'page 1' : (owners.get(p) ?? `new page ${p}`))).sort() };
}

describe('UPDATE writes only what changed', () => {
  it('a one-row UPDATE of a non-indexed column dirties the table leaf and page 1 only', async () => {
    expect(await dirtyOwners('UPDATE t SET score = 0 WHERE id = 5')).toEqual({ changes: 1, owners: ['page 1', 't'] });
    // The same for a row found by a scan, and for a column of the partial index's table that
    // keeps the row out of it.
    expect(await dirtyOwners("UPDATE t SET score = 7 WHERE name = 'name 1500'")).toEqual({ changes: 1, owners: ['page 1', 't'] });
  });

  it('setting a value to itself changes no page at all (and still counts the row)', async () => {
    expect(await dirtyOwners('UPDATE t SET name = name, score = score WHERE id = 5')).toEqual({ changes: 1, owners: [] });
  });

  it('an indexed column dirties its own indexes, not the others', async () => {
    const { owners } = await dirtyOwners("UPDATE t SET code = 'zzz' WHERE id = 5");
    expect(new Set(owners)).toEqual(new Set(['page 1', 't', 't_code']));
  });

  it('a row entering a partial index dirties that index only', async () => {
    const { owners } = await dirtyOwners('UPDATE t SET score = 5000 WHERE id = 5');
    expect(new Set(owners)).toEqual(new Set(['page 1', 't', 't_part']));
  });
});

// ── Storage-class changes and conflicts, against sqlite3 ──────────────────────────────────

const CLASS_SCHEMA = `
  CREATE TABLE a(id INTEGER PRIMARY KEY, x, y NUMERIC, z TEXT COLLATE NOCASE, w REAL, v);
  CREATE INDEX a_x ON a(x);
  CREATE INDEX a_y ON a(y);
  CREATE UNIQUE INDEX a_z ON a(z);
  CREATE INDEX a_w ON a(w);
  CREATE INDEX a_xv ON a(x, v) WHERE v IS NOT NULL;
  INSERT INTO a VALUES (1, 1, 1, 'abc', 1.0, NULL), (2, 2.0, 2.5, 'Def', 2, 'p'), (3, 'three', '3', 'ghi', 3.5, X'01'),
                       (4, X'616263', 4, 'jkl', 4, 4), (5, NULL, NULL, NULL, NULL, NULL);
  CREATE TABLE b(k TEXT COLLATE NOCASE PRIMARY KEY, u UNIQUE, n) WITHOUT ROWID;
  CREATE INDEX b_n ON b(n);
  INSERT INTO b VALUES ('one', 1, 10), ('two', 2, 20), ('three', 3, 30);`;

/** Each statement runs alone (autocommit); a failing one is expected to fail on both. */
const STATEMENTS = [
  'UPDATE a SET x = 1.0 WHERE id = 1', // integer → real, no affinity: a change
  'UPDATE a SET x = 2 WHERE id = 2', // real → integer
  "UPDATE a SET x = '1' WHERE id = 4", // blob → text
  "UPDATE a SET x = CAST('three' AS BLOB) WHERE id = 3", // text → blob of the same bytes
  'UPDATE a SET y = 1.0 WHERE id = 1', // NUMERIC: 1.0 is stored as 1, no change
  "UPDATE a SET y = '2.5' WHERE id = 2", // NUMERIC: '2.5' → 2.5, no change
  'UPDATE a SET w = 1 WHERE id = 1', // REAL: 1 → 1.0, no change
  "UPDATE a SET z = 'ABC' WHERE id = 1", // NOCASE unique: equal key, different bytes: no self-conflict
  "UPDATE a SET z = 'def' WHERE id = 1", // conflicts with row 2
  "UPDATE OR IGNORE a SET z = 'def', x = 99 WHERE id = 1",
  "UPDATE OR REPLACE a SET z = 'def', x = 98 WHERE id = 1", // deletes row 2
  'UPDATE a SET v = 7 WHERE id = 1', // enters the partial index
  'UPDATE a SET v = NULL WHERE id = 4', // leaves it
  'UPDATE a SET id = 10 WHERE id = 3', // rowid moves: every entry changes
  'UPDATE a SET id = 4 WHERE id = 10', // conflicts with row 4
  'UPDATE OR REPLACE a SET id = 4, v = 3 WHERE id = 10',
  'UPDATE a SET x = x, y = y, z = z', // nothing changes
  'UPDATE a SET w = w + 0.5',
  "UPDATE b SET n = 11 WHERE k = 'one'",
  "UPDATE b SET k = 'ONE' WHERE k = 'one'", // PK equal under NOCASE, different bytes
  "UPDATE b SET u = 2 WHERE k = 'one'", // conflicts on u
  "UPDATE OR REPLACE b SET u = 2 WHERE k = 'one'",
  "UPDATE b SET k = 'three' WHERE k = 'ONE'", // PK conflict
  "UPDATE OR REPLACE b SET k = 'Three', n = 1.5 WHERE k = 'ONE'",
];

/** Every table row and every index entry (read out of covering indexes) with storage classes. */
const PROBE = `
  SELECT 'a', id, x, typeof(x), y, typeof(y), z, w, typeof(w), v, typeof(v) FROM a ORDER BY id;
  SELECT 'a_x', x, typeof(x), id FROM a INDEXED BY a_x WHERE x IS NOT NULL OR x IS NULL ORDER BY x, id;
  SELECT 'a_y', y, typeof(y), id FROM a INDEXED BY a_y WHERE y IS NOT NULL OR y IS NULL ORDER BY y, id;
  SELECT 'a_z', z, typeof(z), id FROM a INDEXED BY a_z WHERE z IS NOT NULL OR z IS NULL ORDER BY z, id;
  SELECT 'a_w', w, typeof(w), id FROM a INDEXED BY a_w WHERE w IS NOT NULL OR w IS NULL ORDER BY w, id;
  SELECT 'a_xv', x, typeof(x), v, typeof(v), id FROM a INDEXED BY a_xv WHERE v IS NOT NULL ORDER BY x, v, id;
  SELECT 'b', k, u, n, typeof(n) FROM b ORDER BY k;
  SELECT 'b_n', n, typeof(n), k FROM b INDEXED BY b_n WHERE n IS NOT NULL OR n IS NULL ORDER BY n, k;
  SELECT 'b_u', u, k FROM b INDEXED BY sqlite_autoindex_b_2 WHERE u IS NOT NULL OR u IS NULL ORDER BY u;`;

describe('UPDATE against sqlite3: storage classes and conflicts', () => {
  it('gives the same rows and index entries as SQLite', async () => {
    const dir = temp();
    const ours = join(dir, 'ours.sqlite');
    const theirs = join(dir, 'theirs.sqlite');
    sqlite3(ours, CLASS_SCHEMA);
    copyFileSync(ours, theirs);
    // The probe reads index records: check that sqlite3 does use a covering index for it.
    expect(sqlite3(theirs, "EXPLAIN QUERY PLAN SELECT x, typeof(x), id FROM a INDEXED BY a_x WHERE x IS NOT NULL OR x IS NULL ORDER BY x, id;")).toContain('COVERING INDEX a_x');
    for (const sql of STATEMENTS) {
      const db = await Database.open(ours, { readonly: false });
      let theirError = '';
      let theirChanges = -1;
      try {
        theirChanges = Number(sqlite3(theirs, `${sql}; SELECT changes();`, ['-bail']).trim());
      } catch (err) {
        theirError = String((err as { stderr?: string }).stderr ?? err);
      }
      let ourError = '';
      let changes = -1;
      try {
        changes = (await db.run(sql)).changes;
      } catch (err) {
        ourError = (err as Error).message;
      }
      expect(ourError === '', `${sql}: ours ${ourError || 'ok'}, sqlite3 ${theirError || 'ok'}`).toBe(theirError === '');
      if (theirError !== '') expect(theirError).toContain(ourError);
      expect(changes, sql).toBe(theirChanges);
      expect(await db.check()).toEqual([]);
      await db.close();
      // After every statement: a later one may overwrite what an earlier one got wrong.
      expect(sqlite3(ours, PROBE), sql).toBe(sqlite3(theirs, PROBE));
    }
    expect(integrityCheck(ours)).toBe('ok');
  });
});
