/**
 * `s3lite shell` fed on standard input, as a user pipes a script into `sqlite3 FILE`: queries
 * print rows, changes are written (each statement commits; BEGIN … COMMIT groups them; a
 * transaction left open is rolled back), CREATE TRIGGER bodies with `;` inside run as one
 * statement, errors print sqlite3's `Parse error near line N: …` lines on standard error and the session goes on with exit status 1. sqlite3 is
 * the oracle for what the file then holds.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const { dir, cleanup } = tempDir('s3lite-shell-cli');
afterAll(cleanup);

const shell = (location: string, script: string) => runCli(['shell', location], { input: new TextEncoder().encode(script) });

describe('s3lite shell', () => {
  it('writes, reads its own writes, and leaves what sqlite3 would', () => {
    const path = join(dir, 'a.sqlite');
    sqlite3(path, 'CREATE TABLE log(x);');
    const script = [
      'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);',
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.b); INSERT INTO log VALUES (new.b || '!'); END;",
      "INSERT INTO t(b) VALUES ('x'),",
      "  ('y');",
      '.mode csv',
      '.headers on',
      'SELECT count(*) AS n FROM log;',
      "BEGIN; INSERT INTO t(b) VALUES ('in-tx'); SELECT b FROM t WHERE a = 3; COMMIT;",
      "INSERT INTO t(b) VALUES ('z') RETURNING a, b;",
      "BEGIN; DELETE FROM t;",
      '', // end of input with the transaction open: rolled back
    ].join('\n');
    const r = shell(path, script);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('n\r\n4\r\nb\r\nin-tx\r\na,b\r\n4,z\r\n'); // CSV lines end in CRLF, as sqlite3's
    const mine = sqlite3(path, 'SELECT a, b FROM t ORDER BY a; SELECT x FROM log ORDER BY rowid;');
    const ref = join(dir, 'ref.sqlite');
    sqlite3(ref, 'CREATE TABLE log(x);');
    sqlite3(ref, script); // the same script through sqlite3's own shell
    expect(mine).toBe(sqlite3(ref, 'SELECT a, b FROM t ORDER BY a; SELECT x FROM log ORDER BY rowid;'));
    expect(integrityCheck(path)).toBe('ok');
  }, 60_000);

  it('a file that does not exist yet becomes a new database, as with sqlite3', () => {
    const path = join(dir, 'brand-new.sqlite');
    const r = runCli(['shell', path], { input: new TextEncoder().encode('CREATE TABLE t(x);\nINSERT INTO t VALUES (42);\nSELECT x FROM t;\n') });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('42\n');
    expect(sqlite3(path, 'SELECT x FROM t;')).toBe('42\n');
    expect(integrityCheck(path)).toBe('ok');
  });

  it('an error prints one line, later statements still run, exit status 1', () => {
    const path = join(dir, 'b.sqlite');
    sqlite3(path, 'CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1);');
    const r = shell(path, 'INSERT INTO t VALUES (1);\nSELEC 1;\n.nope\nINSERT INTO t VALUES (2);\nSELECT a FROM t ORDER BY a;\n.mode table\nSELECT a FROM t ORDER BY a;\n');
    expect(r.status).toBe(1);
    expect(r.stdout.toString()).toBe('1\n2\n+---+\n| a |\n+---+\n| 1 |\n| 2 |\n+---+\n'); // list mode for a script, as sqlite3; then its table
    const out = r.stderr.split('\n');
    expect(out.slice(0, 4)).toEqual([
      'Runtime error near line 1: UNIQUE constraint failed: t.a (19)',
      'Parse error near line 2: near "SELEC": syntax error',
      '  SELEC 1;',
      '  ^--- error here',
    ]);
    expect(out[4]).toBe('Error: unknown command or invalid arguments:  "nope". Enter ".help" for help');
    expect(sqlite3(path, 'SELECT a FROM t ORDER BY a;')).toBe('1\n2\n');
  }, 60_000);

  it('.tables and .schema follow the changes made in the session', () => {
    const path = join(dir, 'c.sqlite');
    copyFileSync('fixtures/sample.sqlite', path);
    const r = shell(path, 'CREATE TABLE zz(a);\nCREATE INDEX zz_a ON zz(a);\n.tables\n.schema zz\nDROP TABLE orders;\n.tables\n');
    expect(r.status).toBe(0);
    const schema = sqlite3(path, '.schema zz');
    expect(r.stdout.toString()).toContain(`CREATE TABLE zz(a);\nCREATE INDEX zz_a ON zz(a);\n`);
    expect(schema).toBe('CREATE TABLE zz(a);\nCREATE INDEX zz_a ON zz(a);\n');
    const after = sqlite3(path, '.tables');
    expect(r.stdout.toString().endsWith(after)).toBe(true); // laid out in columns, as sqlite3's
    expect(after).not.toMatch(/\borders\b/);
  }, 60_000);
});
