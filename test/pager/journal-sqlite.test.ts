/**
 * Interoperability of our rollback journal with the real SQLite, both ways, on plain files:
 * - sqlite3 rolls back a journal we wrote, after a simulated crash mid-commit (pages scribbled
 *   over, the file grown or shrunk), back to the original bytes;
 * - we roll back a hot journal that sqlite3 left when it was killed (-9) in the middle of a big
 *   transaction whose cache spilled into the database file (several journal segments).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { appendFileSync, closeSync, copyFileSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJournal, decodeJournalHeader, encodeSuperJournalName } from '../../src/pager/journal-format.js';
import { journalName, writeJournal } from '../../src/pager/journal-writer.js';
import { readHotJournal, rollbackHotJournal } from '../../src/pager/hot-journal.js';
import { PlainFileVfs } from '../../src/vfs/plain-file-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function junk(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

/** A database of roughly `pages` pages of `pageSize` bytes (a table and an index), made by sqlite3. */
function makeDatabase(path: string, pageSize: number, pages: number): Uint8Array {
  const rows = Math.max(4, Math.floor((pages * pageSize) / (pageSize / 4 + 40) / 2));
  sqlite3(
    path,
    `PRAGMA page_size = ${pageSize};
     CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB, c TEXT);
     CREATE INDEX tc ON t(c);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
     INSERT INTO t(b, c) SELECT randomblob(${Math.floor(pageSize / 4)}), printf('row %d %s', i, hex(randomblob(8))) FROM n;`,
  );
  return new Uint8Array(readFileSync(path));
}

/** Rolls back `path`'s journal with our code over PlainFileVfs; returns rollbackHotJournal's answer. */
async function ourRollback(path: string): Promise<boolean> {
  const vfs = new PlainFileVfs();
  const db = await vfs.xOpen(path, RW);
  try {
    return await rollbackHotJournal(vfs, path, db);
  } finally {
    await db.xClose();
  }
}

describe('sqlite3 rolls back a journal written by writeJournal', () => {
  it('after pages were scribbled over and the file grown or shrunk, to the original bytes', async () => {
    const { dir, cleanup } = tempDir('s3lite-journal-b');
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            pageSize: fc.constantFrom(512, 1024, 2048, 4096, 8192, 16384, 32768, 65536),
            sectorSize: fc.constantFrom(undefined, 512, 4096, 65536),
            pages: fc.integer({ min: 6, max: 30 }),
            picks: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
            withPage1: fc.boolean(),
            resize: fc.constantFrom('same', 'grow', 'shrink'),
            cut: fc.double({ min: 0, max: 1, noNaN: true }),
            seed: fc.integer(),
          }),
          async (p) => {
            const path = join(dir, `b${run++}.sqlite`);
            const original = makeDatabase(path, p.pageSize, p.pages);
            const ps = p.pageSize;
            const n = original.length / ps;
            const chosen = new Set(p.picks.map((x) => 1 + Math.min(n - 1, Math.floor(x * n))));
            if (p.withPage1) chosen.add(1);
            // Shrinking is only recoverable for pages in the journal: journal every page past the new end.
            const keep = p.resize === 'shrink' ? 1 + Math.floor(p.cut * (n - 1)) : n;
            for (let pgno = keep + 1; pgno <= n; pgno++) chosen.add(pgno);
            const pgnos = [...chosen].sort((a, b) => a - b);

            const vfs = new PlainFileVfs();
            await writeJournal(vfs, path, {
              pageSize: ps,
              ...(p.sectorSize === undefined ? {} : { sectorSize: p.sectorSize }),
              originalPageCount: n,
              pages: pgnos.map((pgno) => ({ pgno, data: original.slice((pgno - 1) * ps, pgno * ps) })),
            });
            const journal = new Uint8Array(readFileSync(journalName(path)));
            expect(decodeJournalHeader(journal)).toMatchObject({ recordCount: pgnos.length, originalPageCount: n, pageSize: ps });

            // The crash: the commit had overwritten the journaled pages and resized the file.
            const fd = openSync(path, 'r+');
            try {
              for (const pgno of pgnos) writeSync(fd, junk(ps, p.seed + pgno), 0, ps, (pgno - 1) * ps);
              if (p.resize === 'grow') writeSync(fd, junk(3 * ps + 100, p.seed), 0, 3 * ps + 100, n * ps);
              if (p.resize === 'shrink') ftruncateSync(fd, keep * ps);
            } finally {
              closeSync(fd);
            }
            expect(sameBytes(new Uint8Array(readFileSync(path)), original)).toBe(false);

            // Our own rollback, on a copy.
            const copy = join(dir, `b${run}-ours.sqlite`);
            copyFileSync(path, copy);
            copyFileSync(journalName(path), journalName(copy));

            // sqlite3 finds the hot journal on first read and plays it back.
            expect(integrityCheck(path)).toBe('ok');
            expect(existsSync(journalName(path))).toBe(false);
            expect(sameBytes(new Uint8Array(readFileSync(path)), original)).toBe(true);

            expect(await ourRollback(copy)).toBe(true);
            expect(existsSync(journalName(copy))).toBe(false);
            expect(sameBytes(new Uint8Array(readFileSync(copy)), original)).toBe(true);
          },
        ),
        { numRuns: 12 },
      );
    } finally {
      cleanup();
    }
  });

  it('a journal with no records still restores the original size (a transaction that only appended)', async () => {
    const { dir, cleanup } = tempDir('s3lite-journal-b0');
    try {
      const path = join(dir, 'db.sqlite');
      const original = makeDatabase(path, 1024, 8);
      await writeJournal(new PlainFileVfs(), path, { pageSize: 1024, originalPageCount: original.length / 1024, pages: [] });
      const fd = openSync(path, 'r+');
      writeSync(fd, junk(4096, 7), 0, 4096, original.length);
      closeSync(fd);
      const copy = join(dir, 'copy.sqlite');
      copyFileSync(path, copy);
      copyFileSync(journalName(path), journalName(copy));
      expect(integrityCheck(path)).toBe('ok');
      expect(sameBytes(new Uint8Array(readFileSync(path)), original)).toBe(true);
      expect(await ourRollback(copy)).toBe(true);
      expect(sameBytes(new Uint8Array(readFileSync(copy)), original)).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe('a journal naming a super-journal (multi-database transactions)', () => {
  for (const superJournal of ['listing this journal', 'empty', 'gone'] as const) {
    it(`super-journal ${superJournal}: rolled back or discarded exactly as sqlite3 decides`, async () => {
      const { dir, cleanup } = tempDir('s3lite-journal-super');
      try {
        const path = join(dir, 'db.sqlite');
        const original = makeDatabase(path, 1024, 10);
        const superPath = join(dir, 'db.sqlite-mj0123ABCD');
        // A super-journal lists its child journals, each name NUL-terminated. SQLite's unix VFS
        // reports an empty file as not existing.
        if (superJournal === 'listing this journal') writeFileSync(superPath, `${journalName(path)}\0`);
        if (superJournal === 'empty') writeFileSync(superPath, '');
        await writeJournal(new PlainFileVfs(), path, {
          pageSize: 1024,
          originalPageCount: original.length / 1024,
          pages: [2, 3].map((pgno) => ({ pgno, data: original.slice((pgno - 1) * 1024, pgno * 1024) })),
        });
        appendFileSync(journalName(path), encodeSuperJournalName(superPath, 1024));
        const fd = openSync(path, 'r+');
        writeSync(fd, junk(2048, 3), 0, 2048, 1024);
        closeSync(fd);
        const scribbled = new Uint8Array(readFileSync(path));
        const copy = join(dir, 'copy.sqlite');
        copyFileSync(path, copy);
        copyFileSync(journalName(path), journalName(copy));

        const hot = superJournal === 'listing this journal';
        expect(await ourRollback(copy)).toBe(hot);
        expect(existsSync(journalName(copy))).toBe(false);
        // sqlite3 plays back (or discards) the journal on first read; a discarded one leaves the
        // scribbled pages, which integrity_check then reports, so its exit status is not the point.
        try {
          sqlite3(path, 'PRAGMA integrity_check;');
        } catch {
          expect(hot).toBe(false);
        }
        expect(existsSync(journalName(path))).toBe(false);
        const theirs = new Uint8Array(readFileSync(path));
        expect(sameBytes(theirs, hot ? original : scribbled)).toBe(true);
        expect(sameBytes(new Uint8Array(readFileSync(copy)), theirs)).toBe(true);
      } finally {
        cleanup();
      }
    });
  }
});

/**
 * Runs a big transaction in a sqlite3 child with a tiny page cache (so it spills dirty pages into
 * the database file before commit), waits until every statement ran, and kills it with SIGKILL
 * before COMMIT. Leaves `path` half-written and `path-journal` hot.
 */
async function crashMidTransaction(path: string, sql: string): Promise<void> {
  const child: ChildProcessWithoutNullStreams = spawn('sqlite3', [path], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let out = '';
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sqlite3 never got ready: ${out} ${err}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    // stdin stays open: the shell waits for more input (the COMMIT that never comes).
    child.stdin.write(`PRAGMA journal_mode = DELETE;\nPRAGMA cache_size = 10;\nBEGIN;\n${sql}\n.print READY\n`);
  });
  child.kill('SIGKILL');
  await exited;
  expect(err).toBe('');
}

describe('rollbackHotJournal undoes a transaction sqlite3 was killed in', () => {
  for (const pageSize of [512, 1024, 4096, 8192]) {
    it(`page size ${pageSize}: same bytes as before the transaction, and as sqlite3's own rollback`, async () => {
      const { dir, cleanup } = tempDir('s3lite-journal-c');
      try {
        const path = join(dir, 'db.sqlite');
        const original = makeDatabase(path, pageSize, 120);
        await crashMidTransaction(
          path,
          `UPDATE t SET b = randomblob(${Math.floor(pageSize / 3)}) WHERE a % 3 = 0;
           DELETE FROM t WHERE a % 7 = 0;
           INSERT INTO t(b, c) SELECT randomblob(${pageSize}), 'new' || a FROM t LIMIT 60;
           UPDATE t SET c = 'changed ' || c WHERE a % 5 = 1;`,
        );
        const journalBytes = new Uint8Array(readFileSync(journalName(path)));
        const crashed = new Uint8Array(readFileSync(path));
        expect(sameBytes(crashed, original), 'the cache must have spilled into the database').toBe(false);

        // The journal holds several segments (one per spill): more records than the first header counts.
        const first = decodeJournalHeader(journalBytes)!;
        const decoded = decodeJournal(journalBytes)!;
        expect(first.originalPageCount).toBe(original.length / pageSize);
        expect(decoded.records.length).toBeGreaterThan(first.recordCount);
        expect(decoded.pageSize).toBe(pageSize);

        // A reader that may not write sees the original through the journal.
        const vfs = new PlainFileVfs();
        const dbFile = await vfs.xOpen(path, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB);
        const snapshot = await readHotJournal(vfs, path, dbFile);
        await dbFile.xClose();
        expect(snapshot).toBeDefined();
        const seen = new Uint8Array(snapshot!.originalPageCount * pageSize);
        seen.set(crashed.subarray(0, Math.min(crashed.length, seen.length)));
        for (const [pgno, data] of snapshot!.pages) seen.set(data, (pgno - 1) * pageSize);
        expect(sameBytes(seen, original)).toBe(true);
        expect(existsSync(journalName(path)), 'reading changes nothing').toBe(true);

        // sqlite3's own rollback of the same files, as the reference.
        const theirs = join(dir, 'theirs.sqlite');
        copyFileSync(path, theirs);
        copyFileSync(journalName(path), journalName(theirs));
        expect(integrityCheck(theirs)).toBe('ok');
        expect(sameBytes(new Uint8Array(readFileSync(theirs)), original)).toBe(true);

        expect(await ourRollback(path)).toBe(true);
        expect(existsSync(journalName(path))).toBe(false);
        expect(sameBytes(new Uint8Array(readFileSync(path)), original)).toBe(true);
        expect(integrityCheck(path)).toBe('ok');
        expect(await ourRollback(path), 'nothing left to roll back').toBe(false);
      } finally {
        cleanup();
      }
    });
  }
});
