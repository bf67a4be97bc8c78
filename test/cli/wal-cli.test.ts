/**
 * WAL-mode plain files through the CLI, as a user runs it: `info` says what the log holds,
 * `query` reads through it, `import` takes what SQLite would see, `exec` checkpoints it first —
 * each checked against sqlite3 on the same files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck, tempDir } from '../support/sqlite3.js';
import { dumpSql, makeWalDatabase, readBytes, sqlite3On, sqlite3View, writeBytes } from '../vfs/wal-support.js';
import { runCli } from './support.js';

const tmp = tempDir('s3lite-wal-cli');
afterAll(() => tmp.cleanup());

const DUMP = dumpSql('t', ['a', 'b']);
const SCRIPT = {
  pageSize: 4096,
  base: `CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t(b) SELECT hex(randomblob(60)) FROM generate_series(1, 100);`,
  logged: [`INSERT INTO t(b) SELECT 'logged-' || value FROM generate_series(1, 30);`, `DELETE FROM t WHERE a % 3 = 0;`],
};

describe('s3lite on a database with a -wal', () => {
  it('info names the log; query reads through it; import takes the frames; the log is left in place', () => {
    const path = makeWalDatabase(tmp.dir, 'cli.db', SCRIPT);
    const expected = sqlite3View(path, DUMP, tmp.dir);

    const info = runCli(['info', path]);
    expect(info.status).toBe(0);
    expect(info.stdout.toString()).toMatch(/write-ahead log\s+\S+cli\.db-wal: \d+ frames applied \(2 transactions, \d+ pages\)/);

    const query = runCli(['query', path, 'SELECT count(*) FROM t']);
    expect(query.stdout.toString()).toContain(sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir).trim());

    const blocks = join(tmp.dir, 'blocks/');
    const imported = runCli(['import', path, blocks]);
    expect(imported.status).toBe(0);
    expect(imported.stderr).toMatch(/applied \d+ frames \(2 transactions/);
    const exported = join(tmp.dir, 'exported.db');
    expect(runCli(['export', blocks, exported]).status).toBe(0);
    expect(sqlite3On(exported, DUMP)).toBe(expected);
    expect(integrityCheck(exported)).toBe('ok');
    expect([readBytes(exported)[18], readBytes(exported)[19]]).toEqual([2, 2]);
    expect(existsSync(`${path}-wal`)).toBe(true);
  });

  it('exec checkpoints the log, writes, and sqlite3 sees the result', () => {
    const path = makeWalDatabase(tmp.dir, 'exec.db', SCRIPT);
    const before = sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir).trim();
    const exec = runCli(['exec', path, "INSERT INTO t(b) VALUES ('cli')"]);
    expect(exec.stderr).toBe('');
    expect(exec.status).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(sqlite3On(path, 'SELECT count(*) FROM t; PRAGMA journal_mode; PRAGMA integrity_check;')).toBe(`${Number(before) + 1}\nwal\nok\n`);
  });

  it('a log SQLite ignores: one warning line, the rows of the file alone, nothing written', () => {
    const path = makeWalDatabase(tmp.dir, 'garbage.db', SCRIPT);
    const garbage = Uint8Array.from({ length: 9000 }, (_, i) => (i * 131) & 0xff);
    writeBytes(`${path}-wal`, garbage);
    const query = runCli(['query', path, 'SELECT count(*) FROM t']);
    expect(query.status).toBe(0);
    expect(query.stderr).toMatch(/^warning: \S+garbage\.db-wal ignored: not a valid write-ahead log \(bad magic\), as SQLite ignores it\n$/);
    expect(query.stdout.toString()).toContain(sqlite3View(path, 'SELECT count(*) FROM t;', tmp.dir).trim());
    expect(runCli(['info', path]).stdout.toString()).toMatch(/write-ahead log\s+\S+: ignored \(invalid header: magic\)/);
    expect(readBytes(`${path}-wal`)).toEqual(garbage);
  });

  it('export over a WAL database removes its log: sqlite3 sees the exported database, not a mix', () => {
    const path = makeWalDatabase(tmp.dir, 'target.db', SCRIPT);
    const other = join(tmp.dir, 'other.db');
    sqlite3On(other, "CREATE TABLE other(y); INSERT INTO other VALUES ('fresh export');");
    const blocks = join(tmp.dir, 'other-blocks/');
    expect(runCli(['import', '-q', other, blocks]).status).toBe(0);
    expect(runCli(['export', '-q', blocks, path]).status).toBe(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(sqlite3On(path, 'SELECT y FROM other; PRAGMA integrity_check;')).toBe('fresh export\nok\n');
  });
});
