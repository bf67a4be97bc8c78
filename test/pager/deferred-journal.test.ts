/**
 * The deferred journal look of a read on a local file (CommitProtocol.beginRead with
 * `deferJournal`, used by readConsistent): when page 1 shows the change counter the caches hold,
 * the journal is looked at only before the first page that must come from the file. The danger
 * it must survive: a writer in the middle of a commit that has overwritten pages but not yet
 * page 1 (SQLite spilling its cache does that), so the counter still names the old state while
 * the file holds new bytes. A read served from the cache alone must see the old state; a read
 * that needs a page must not take the new bytes from the file.
 */
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { journalName, writeJournal } from '../../src/pager/journal-writer.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

const PAGE = 4096;
const ROWS = 400;
const tmp = tempDir('s3lite-deferred-journal');
afterAll(() => tmp.cleanup());

const marker = (id: number): string => `row-${String(id).padStart(5, '0')}-`;
const value = (id: number): string => marker(id) + 'x'.repeat(180);

/** A database made by sqlite3: t(id INTEGER PRIMARY KEY, v TEXT), ROWS rows of ~200 bytes (about 20 leaves). */
function makeDb(name: string): { path: string; original: Uint8Array } {
  const path = join(tmp.dir, name);
  sqlite3(
    path,
    `PRAGMA page_size=${PAGE};
     CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
     WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < ${ROWS})
     INSERT INTO t SELECT i, printf('row-%05d-', i) || replace(printf('%180s', ''), ' ', 'x') FROM s;`,
  );
  return { path, original: new Uint8Array(readFileSync(path)) };
}

/** The page (1-based) whose bytes hold row `id`'s value. */
function pageOf(bytes: Uint8Array, id: number): number {
  const at = Buffer.from(bytes).indexOf(marker(id));
  if (at < 0) throw new Error(`row ${id} not found`);
  return Math.floor(at / PAGE) + 1;
}

/**
 * A commit caught in flight: the journal holds the original of page `pgno`, and the file's page
 * `pgno` already carries new bytes (row `id`'s x's turned into y's); page 1 is untouched.
 */
async function commitInFlight(path: string, original: Uint8Array, id: number): Promise<number> {
  const pgno = pageOf(original, id);
  expect(pgno).toBeGreaterThan(1);
  const before = original.slice((pgno - 1) * PAGE, pgno * PAGE);
  await writeJournal(new PlainFileVfs(), path, { pageSize: PAGE, originalPageCount: original.length / PAGE, pages: [{ pgno, data: before }] });
  const changed = before.slice();
  const at = Buffer.from(changed).indexOf(marker(id)) + marker(id).length;
  changed.fill('y'.charCodeAt(0), at, at + 180);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, changed, 0, PAGE, (pgno - 1) * PAGE);
  } finally {
    closeSync(fd);
  }
  return pgno;
}

describe('a read whose begin check put the journal off', () => {
  it('served from the cache, sees the last committed state without looking at the journal; needing a page, finds the journal first', async () => {
    const { path, original } = makeDb('readonly.sqlite');
    const db = await Database.open(path, { cacheBytes: 4 << 20 });
    const stmt = await db.prepare('SELECT v FROM t WHERE id = ?');
    expect(await stmt.get([1])).toEqual({ v: value(1) });
    expect(await stmt.get([1])).toEqual({ v: value(1) });
    expect(pageOf(original, ROWS)).not.toBe(pageOf(original, 1));

    await commitInFlight(path, original, ROWS);
    // Cached pages only: the state page 1 names, which is still the committed one. The journal
    // was not looked at (a reader that finds a hot journal rolls it back: it is still there).
    expect(await stmt.get([1])).toEqual({ v: value(1) });
    expect(existsSync(journalName(path))).toBe(true);
    // The leaf of the last row is not cached: its bytes in the file are the commit's, not
    // committed — the read must find the journal before it takes the page (and, no writer
    // being alive, roll it back as SQLite's readers do).
    expect(await stmt.get([ROWS])).toEqual({ v: value(ROWS) });
    expect(existsSync(journalName(path))).toBe(false);
    expect(await db.query("SELECT count(*) AS n, sum(v GLOB '*y*') AS ys FROM t")).toEqual([{ n: ROWS, ys: 0 }]);
    await db.close();
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(original))).toBe(true);
  });

  it('a writable connection that finds the journal at its first page read rolls it back (no writer alive) and reads the committed state', async () => {
    const { path, original } = makeDb('writable.sqlite');
    const db = await Database.open(path, { readonly: false, cacheBytes: 4 << 20 });
    const stmt = await db.prepare('SELECT v FROM t WHERE id = ?');
    expect(await stmt.get([2])).toEqual({ v: value(2) });
    await commitInFlight(path, original, ROWS - 1);
    expect(await stmt.get([2])).toEqual({ v: value(2) });
    expect(await stmt.get([ROWS - 1])).toEqual({ v: value(ROWS - 1) });
    await db.close();
    expect(existsSync(journalName(path))).toBe(false);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(original))).toBe(true);
    expect(integrityCheck(path)).toBe('ok');
  });

  it('a change committed by another connection is seen by the next read, cached pages or not', async () => {
    const { path } = makeDb('others.sqlite');
    const copy = join(tmp.dir, 'others-copy.sqlite');
    copyFileSync(path, copy);
    const db = await Database.open(path, { cacheBytes: 4 << 20 });
    const stmt = await db.prepare('SELECT v FROM t WHERE id = ?');
    expect(await stmt.get([3])).toEqual({ v: value(3) });
    sqlite3(path, "UPDATE t SET v = 'changed' WHERE id = 3");
    expect(await stmt.get([3])).toEqual({ v: 'changed' });
    sqlite3(path, "UPDATE t SET v = 'again' WHERE id = 3");
    expect(await stmt.get([3])).toEqual({ v: 'again' });
    await db.close();
    expect(integrityCheck(path)).toBe('ok');
  });
});
