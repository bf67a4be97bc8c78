/**
 * PRAGMA auto_vacuum, VACUUM and schema changes in auto-vacuum databases, each run by s3lite on
 * one file and by sqlite3 on a copy: the mode each reports afterwards, sqlite_schema (root
 * pages included), page_count, freelist_count and rows equal, and sqlite3's integrity_check
 * passes on our file.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src/api/database.js';
import { integrityCheck, sqlite3, tempDir } from '../../support/sqlite3.js';

const tmp = tempDir('s3lite-av-pragmas');
afterAll(() => tmp.cleanup());
let n = 0;

/** A file made by sqlite3 from `init`, and its copy for sqlite3 to follow. */
function pair(init: string): { ours: string; ref: string } {
  n++;
  const ref = join(tmp.dir, `ref-${n}.db`);
  const ours = join(tmp.dir, `ours-${n}.db`);
  sqlite3(ref, init);
  writeFileSync(ours, readFileSync(ref));
  return { ours, ref };
}

function state(path: string): string {
  return sqlite3(path, 'PRAGMA auto_vacuum; PRAGMA page_count; PRAGMA freelist_count; SELECT type, name, rootpage FROM sqlite_schema ORDER BY rowid; SELECT * FROM t ORDER BY 1;');
}

/** Runs `steps` as one connection each in s3lite and in sqlite3; the states must agree after each. */
async function follow(files: { ours: string; ref: string }, steps: readonly string[][]): Promise<void> {
  for (const step of steps) {
    const db = await Database.open(files.ours, { readonly: false });
    try {
      for (const q of step) await db.run(q);
    } finally {
      await db.close();
    }
    sqlite3(files.ref, step.map((q) => `${q};`).join('\n'));
    expect(integrityCheck(files.ours), step.join('; ')).toBe('ok');
    expect(state(files.ours), step.join('; ')).toBe(state(files.ref));
  }
}

const ROWS = "INSERT INTO t SELECT value, printf('%.*c', 700 + value, 'r') FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c WHERE value < 60) SELECT value FROM c)";

describe('PRAGMA auto_vacuum and VACUUM', () => {
  it('a non-empty database: FULL <-> INCREMENTAL at once, from or to NONE at the next VACUUM', async () => {
    const files = pair(`PRAGMA page_size = 1024; CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE INDEX tb ON t(b); ${ROWS}; DELETE FROM t WHERE a % 3 = 0;`);
    await follow(files, [
      ['PRAGMA auto_vacuum = FULL'], // NONE -> FULL: nothing yet
      ['PRAGMA auto_vacuum = 1', 'VACUUM'], // now FULL, roots where SQLite puts them
      ['DELETE FROM t WHERE a % 2 = 0'],
      ['PRAGMA auto_vacuum = INCREMENTAL'], // at once
      ['DELETE FROM t WHERE a < 20'],
      ['PRAGMA incremental_vacuum(4)'],
      ['PRAGMA auto_vacuum = full'],
      ['INSERT INTO t VALUES (1000, zeroblob(5000))'],
      ['PRAGMA auto_vacuum = NONE'], // nothing yet
      ['PRAGMA auto_vacuum = 0', 'VACUUM'], // back to no auto-vacuum
    ]);
  });

  it('a new database (page 1 alone) takes the mode at once, as sqlite3 a new file; VACUUM INTO writes the mode asked for', async () => {
    // Database.create writes page 1 at once, where sqlite3 leaves a new file empty until its
    // first write: the pragma is compared with sqlite3 on a new (0-byte) file.
    const dir = join(tmp.dir, 'new-blocks');
    const db = await Database.create(`${dir}/`, { pageSize: 512 });
    const ref = join(tmp.dir, 'new-ref.db');
    const steps = ['PRAGMA auto_vacuum = INCREMENTAL', 'CREATE TABLE t(a INTEGER PRIMARY KEY, b)', ROWS, 'DELETE FROM t WHERE a > 5'];
    for (const q of steps) await db.run(q);
    sqlite3(ref, `PRAGMA page_size = 512; ${steps.join(';\n')};`);
    const ours = join(tmp.dir, 'new-joined.db');
    writeFileSync(ours, Buffer.concat(readdirSync(dir).filter((f) => /^\d{10}$/.test(f)).sort().map((f) => readFileSync(join(dir, f)))));
    expect(integrityCheck(ours)).toBe('ok');
    expect(state(ours)).toBe(state(ref));
    expect(state(ours).split('\n')[0]).toBe('2');
    const into = join(tmp.dir, 'into.db');
    const refInto = join(tmp.dir, 'ref-into.db');
    await db.run('PRAGMA auto_vacuum = FULL');
    await db.run(`VACUUM INTO '${into}'`);
    await db.close();
    sqlite3(ref, `PRAGMA auto_vacuum = FULL; VACUUM INTO '${refInto}';`);
    expect(integrityCheck(into)).toBe('ok');
    expect(state(into)).toBe(state(refInto));
    expect(state(into).split('\n')[0]).toBe('1');
  });

  it('CREATE and DROP in one transaction, with savepoints rolled back, in FULL and INCREMENTAL mode', async () => {
    for (const mode of ['FULL', 'INCREMENTAL']) {
      const files = pair(`PRAGMA page_size = 512; PRAGMA auto_vacuum = ${mode}; CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE TABLE u(x); CREATE INDEX ux ON u(x); ${ROWS}; INSERT INTO u SELECT b FROM t;`);
      await follow(files, [
        [
          'BEGIN',
          'CREATE TABLE v(y)',
          'INSERT INTO v SELECT b FROM t WHERE a % 2 = 0',
          'SAVEPOINT s',
          'DROP TABLE u',
          'CREATE INDEX vy ON v(y)',
          'ROLLBACK TO s',
          'DROP INDEX ux',
          'SAVEPOINT s2',
          'DELETE FROM t WHERE a > 30',
          'RELEASE s2',
          'COMMIT',
        ],
        ['DROP TABLE u'],
        ['PRAGMA incremental_vacuum'],
      ]);
    }
  });
});
