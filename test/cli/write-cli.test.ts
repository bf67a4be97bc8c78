/** `s3lite create`, `s3lite exec` and `s3lite check`, run as the real CLI over files and block directories. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const { dir, cleanup } = tempDir('s3lite-write-cli');
afterAll(cleanup);

describe('write commands', () => {
  it('create, exec (argument and -f), check on a plain file', () => {
    const path = join(dir, 'a.sqlite');
    expect(runCli(['create', path, '--page-size', '1024']).status).toBe(0);
    expect(sqlite3(path, 'PRAGMA page_size;').trim()).toBe('1024');
    const exec = runCli(['exec', path, "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE); INSERT INTO t(b) VALUES ('x'), ('y')", '--changes']);
    expect(exec.stderr).toBe('');
    expect(exec.stdout.toString()).toBe('2\n');
    const file = join(dir, 'more.sql');
    writeFileSync(file, "BEGIN;\nINSERT INTO t(b) VALUES ('z');\nUPDATE t SET b = 'w' WHERE a = 1;\nCOMMIT;\n");
    expect(runCli(['exec', path, '-f', file]).status).toBe(0);
    expect(sqlite3(path, 'SELECT a, b FROM t ORDER BY a;')).toBe('1|w\n2|y\n3|z\n');
    expect(integrityCheck(path)).toBe('ok');
    const check = runCli(['check', path]);
    expect(check.status).toBe(0);
    expect(check.stdout.toString()).toBe('ok\n');
  }, 60_000);

  it('exec reports a failing statement with its SQLite code and exit 1, keeping earlier statements', () => {
    const path = join(dir, 'b.sqlite');
    sqlite3(path, 'CREATE TABLE t(a UNIQUE);');
    const r = runCli(['exec', path, 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('SQLITE_CONSTRAINT: UNIQUE constraint failed: t.a\n');
    expect(sqlite3(path, 'SELECT a FROM t;')).toBe('1\n');
  }, 60_000);

  it('create and exec on a block directory; create refuses an existing database', () => {
    const blocks = join(dir, 'blocks') + '/';
    expect(runCli(['create', blocks]).status).toBe(0);
    expect(runCli(['exec', blocks, 'CREATE TABLE t(x); INSERT INTO t VALUES (42)']).status).toBe(0);
    const exported = join(dir, 'exported.sqlite');
    expect(runCli(['export', blocks, exported]).status).toBe(0);
    expect(sqlite3(exported, 'SELECT x FROM t;')).toBe('42\n');
    const again = runCli(['create', blocks]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
  }, 60_000);

  it('exec prints the rows of RETURNING, SELECT and PRAGMA (csv, json, table); triggers run; the file stays sound', () => {
    const path = join(dir, 'rows.sqlite');
    sqlite3(path, "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT UNIQUE, n REAL); CREATE TABLE log(ev); CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || new.a); END;");
    const sql = "INSERT INTO t(a, n) VALUES ('x', 1), ('y', 2.5) RETURNING id, a, n; INSERT INTO t(a) VALUES ('x') ON CONFLICT(a) DO UPDATE SET n = n + 1 RETURNING *; PRAGMA user_version = 3; PRAGMA user_version; SELECT count(*) AS c FROM log";
    const csv = runCli(['exec', path, sql, '--csv']);
    expect(csv.stderr).toBe('');
    expect(csv.stdout.toString()).toBe('id,a,n\r\n1,x,1.0\r\n2,y,2.5\r\nid,a,n\r\n1,x,2.0\r\nuser_version\r\n3\r\nc\r\n2\r\n');
    const json = runCli(['exec', path, "DELETE FROM t WHERE a = 'y' RETURNING a, n", '--json']);
    expect(json.stdout.toString()).toBe('["y",2.5]\n');
    const table = runCli(['exec', path, 'SELECT a FROM t']);
    expect(table.stdout.toString()).toMatch(/a[\s\S]*x/);
    expect(runCli(['exec', path, 'UPDATE t SET n = 0', '--changes']).stdout.toString()).toBe('1\n');
    expect(sqlite3(path, 'SELECT ev FROM log ORDER BY rowid; PRAGMA user_version;')).toBe('ins x\nins y\n3\n');
    expect(integrityCheck(path)).toBe('ok');
  }, 60_000);

  it('check exits 1 and names the page when a b-tree is damaged', () => {
    const path = join(dir, 'c.sqlite');
    sqlite3(path, "PRAGMA page_size=512; CREATE TABLE t(a); WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM k WHERE i < 200) INSERT INTO t SELECT printf('%050d', i) FROM k;");
    // Orphan a page: point the header's freelist count off by one (the census sees it).
    const bytes = new Uint8Array(readFileSync(path));
    bytes[39] = (bytes[39]! + 1) & 0xff;
    writeFileSync(path, bytes);
    const r = runCli(['check', path]);
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).not.toBe('ok\n');
  }, 60_000);
});
