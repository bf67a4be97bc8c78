/**
 * WAL-mode plain files: what reading through a `-wal` and checkpointing it cost, beside sqlite3.
 * A database of a few MB whose `-wal` holds about `--mb` MB of committed frames (sqlite3 with
 * wal_autocheckpoint=0, copied while its connection is open). Printed, never asserted:
 *
 *   index     scanWal over the whole log (checksums of every frame), in process
 *   scan      open + SELECT count(*), sum(length(b)) through the log, vs the same rows from the
 *             checkpointed file (the open indexes the log); then the query alone on an open
 *             database (the overlay's cost per page read)
 *   checkpt   a writer's open (checkpoint into the file under the journal, log removed) vs
 *             sqlite3's `PRAGMA wal_checkpoint(TRUNCATE)` on a copy (a whole sqlite3 process:
 *             its own recovery of the log included)
 *
 *   npx tsx bench/wal.ts [--mb 32] [--page-size 4096]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/api/database.js';
import { PlainFileVfs } from '../src/vfs/plain-file-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { scanWal } from '../src/vfs/wal-index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const MB = arg('mb', 32);
const PAGE_SIZE = arg('page-size', 4096);

const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-wal-'));
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;

function sqlite3(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-batch', path], { input: sql, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Best of three. */
async function best(f: () => Promise<unknown> | unknown): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

try {
  const work = join(dir, 'work.db');
  const db = join(dir, 'db.sqlite');
  const rows = Math.round((MB * 2 ** 20) / 600);
  sqlite3(
    work,
    [
      `PRAGMA page_size=${PAGE_SIZE};`,
      'PRAGMA journal_mode=wal;',
      'PRAGMA wal_autocheckpoint=0;',
      `CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t(b) SELECT hex(randomblob(250)) FROM generate_series(1, ${Math.round(rows / 8)});`,
      'PRAGMA wal_checkpoint(TRUNCATE);',
      ...Array.from({ length: 8 }, () => `INSERT INTO t(b) SELECT hex(randomblob(250)) FROM generate_series(1, ${Math.round(rows / 8)});`),
      `UPDATE t SET b = 'x' WHERE a % 10 = 0;`,
      `.shell cp '${work}' '${db}' && cp '${work}-wal' '${db}-wal'`,
      '',
    ].join('\n'),
  );
  const walBytes = statSync(`${db}-wal`).size;
  console.log(`database file ${(statSync(db).size / 2 ** 20).toFixed(1)} MB, -wal ${(walBytes / 2 ** 20).toFixed(1)} MB, page size ${PAGE_SIZE}`);

  const vfs = new PlainFileVfs();
  const walFile = await vfs.xOpen(`${db}-wal`, OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_WAL);
  let frames = 0;
  let pages = 0;
  const indexMs = await best(async () => {
    const scan = await scanWal(walFile, 'wal');
    if (!scan.empty) {
      frames = scan.frames;
      pages = scan.pages.size;
    }
  });
  await walFile.xClose();
  console.log(`index     ${frames} frames, ${pages} distinct pages: ${indexMs.toFixed(0)} ms (${((walBytes / 2 ** 20) / (indexMs / 1000)).toFixed(0)} MB/s)`);

  const SQL = 'SELECT count(*) AS n, sum(length(b)) AS s FROM t';
  const query = async (path: string): Promise<unknown> => {
    const d = await Database.open(path);
    try {
      return await d.query(SQL);
    } finally {
      await d.close();
    }
  };
  const throughLog = await best(() => query(db));
  const expected = JSON.stringify(await query(db));
  /** The query again on an open database: the log's index is built already. */
  const again = async (path: string): Promise<number> => {
    const d = await Database.open(path);
    try {
      await d.query(SQL);
      return await best(() => d.query(SQL));
    } finally {
      await d.close();
    }
  };
  const throughLogOpen = await again(db);

  // A copy checkpointed by sqlite3, then by us.
  const theirs = join(dir, 'theirs.sqlite');
  copyFileSync(db, theirs);
  copyFileSync(`${db}-wal`, `${theirs}-wal`);
  let t0 = performance.now();
  sqlite3(theirs, 'PRAGMA wal_checkpoint(TRUNCATE);');
  const sqliteCheckpoint = ms(t0);
  const ours = join(dir, 'ours.sqlite');
  copyFileSync(db, ours);
  copyFileSync(`${db}-wal`, `${ours}-wal`);
  t0 = performance.now();
  const writer = await Database.open(ours, { readonly: false });
  const ourCheckpoint = ms(t0);
  await writer.close();
  const fromFile = await best(() => query(ours));
  if (JSON.stringify(await query(ours)) !== expected) throw new Error('checkpointed file reads differently');
  const fromFileOpen = await again(ours);
  console.log(`scan      ${SQL}, open included: through the log ${throughLog.toFixed(0)} ms, from the checkpointed file ${fromFile.toFixed(0)} ms (×${(throughLog / fromFile).toFixed(2)})`);
  console.log(`          on an open database: through the log ${throughLogOpen.toFixed(0)} ms, from the file ${fromFileOpen.toFixed(0)} ms (×${(throughLogOpen / fromFileOpen).toFixed(2)})`);
  console.log(`checkpt   s3lite writer open (journal + copy + remove log) ${ourCheckpoint}; sqlite3 process PRAGMA wal_checkpoint(TRUNCATE) ${sqliteCheckpoint}`);
  console.log(`          sqlite3 on our checkpointed file: ${sqlite3(ours, 'PRAGMA integrity_check;').trim()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
