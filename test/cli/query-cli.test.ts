/**
 * `s3lite query`, `s3lite plan` and `s3lite shell` as a user runs them (the real CLI in a child
 * process) on a file the sqlite3 shell wrote, and on the same database imported into blocks.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

let dir: string;
let cleanup: () => void;
let file: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('s3lite-query-cli'));
  file = join(dir, 'db.sqlite');
  sqlite3(
    file,
    `CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
     CREATE INDEX t_name ON t(name);
     INSERT INTO t VALUES (1, 'ada', 2.0, x'0102'), (2, 'bob', NULL, NULL), (3, 'cy,"d"', 1.5, NULL), (4, 'big', 9007199254740993, NULL);
     CREATE VIEW v AS SELECT name, score * 2 AS doubled FROM t;`,
  );
});
afterAll(() => cleanup());

const out = (r: { stdout: Buffer }): string => r.stdout.toString();

describe('s3lite query / plan / shell', () => {
  it('prints rows as JSON Lines with exact types, and binds -p values in order', () => {
    const r = runCli(['query', file, 'SELECT id, name, score, data FROM t WHERE id >= ? AND name != ? ORDER BY id', '-p', '1', '-p', 'bob', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(out(r)).toBe('[1,"ada",2.0,{"blob":"0102"}]\n[3,"cy,\\"d\\"",1.5,null]\n[4,"big",9007199254740992.0,null]\n');
  });

  it('prints CSV with a header and a table by default, with SQLite column names', () => {
    const csv = runCli(['query', file, 'SELECT name, doubled, 1+1 FROM v WHERE doubled IS NOT NULL ORDER BY 2', '--csv']);
    expect(csv.status).toBe(0);
    expect(out(csv)).toBe('name,doubled,1+1\r\n"cy,""d""",3.0,2\r\nada,4.0,2\r\nbig,1.8014398509482e+16,2\r\n');
    const table = runCli(['query', file, 'SELECT count(*) AS n FROM t']);
    expect(table.status).toBe(0);
    expect(out(table)).toMatch(/│ n │\n.*\n│ 4 │/s);
  });

  it('answers queries that name the TEMP database as a new sqlite3 connection does (it is empty)', () => {
    for (const sql of ['SELECT count(*) FROM sqlite_temp_master', 'SELECT count(*) FROM temp.sqlite_schema', "SELECT (SELECT count(*) FROM sqlite_temp_schema) + (SELECT count(*) FROM main.sqlite_schema WHERE type = 'table')"]) {
      const r = runCli(['query', file, sql, '--csv']);
      expect(r.stderr, sql).toBe('');
      expect(out(r).split('\r\n')[1], sql).toBe(sqlite3(file, `${sql};`).trim());
    }
  });

  it('PRAGMA database_list names the file by its full path, as sqlite3 does', () => {
    const r = runCli(['query', 'fixtures/sample.sqlite', 'PRAGMA database_list', '--csv']);
    expect(out(r)).toBe(`seq,name,file\r\n0,main,${join(process.cwd(), 'fixtures', 'sample.sqlite')}\r\n`);
  });

  it('stops quietly when the reader of its output goes away (| head)', () => {
    // 200,000 rows: far more than a pipe holds, so the CLI is still writing when head exits.
    const sql = 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000) SELECT i, printf(\'%.50c\', \'x\') FROM c';
    const r = spawnSync('bash', ['-c', `set -o pipefail; "$0" --import tsx src/cli/run.ts query "$1" "$2" --csv | head -n 2`, process.execPath, file, sql], {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`i,"printf('%.50c', 'x')"\r\n1,${'x'.repeat(50)}\r\n`);
    expect(r.status).toBe(0); // pipefail: the CLI's own status, not only head's
  });

  it('prints the plan as SQLite draws it', () => {
    const r = runCli(['plan', file, "SELECT * FROM t WHERE name = 'ada' AND id IN (SELECT id FROM t WHERE score > 1) ORDER BY score"]);
    expect(r.status).toBe(0);
    expect(out(r)).toBe(
      'QUERY PLAN\n|--SEARCH t USING INDEX t_name (name=?)\n|--LIST SUBQUERY\n|  `--SCAN t\n`--USE TEMP B-TREE FOR ORDER BY\n',
    );
  });

  it('fails with the SQLite error and a non-zero status', () => {
    const r = runCli(['query', file, 'SELECT nope FROM t']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('SQLITE_ERROR: no such column: nope\n');
    const w = runCli(['query', file, 'DELETE FROM t']);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/^SQLITE_MISUSE: /);
  });

  it('runs the same query on blocks', () => {
    const blocks = join(dir, 'blocks') + '/';
    expect(runCli(['import', file, blocks, '-q']).status).toBe(0);
    const r = runCli(['query', blocks, 'SELECT name FROM t WHERE id = 2', '--json']);
    expect(r.stderr).toBe('');
    expect(out(r)).toBe('["bob"]\n');
  });

  it('shell: multi-line statements, dot-commands, errors that do not end the session', () => {
    const input = [
      '.tables',
      'SELECT id,',
      '  name FROM t',
      '  WHERE id < 3;',
      '.mode json',
      'SELECT nope FROM t;',
      "SELECT 'x;y' AS s; SELECT 2 AS two;",
      '.schema v',
      '.mode bogus',
      '.frob',
      '.quit',
      'SELECT 99;',
    ].join('\n');
    const r = runCli(['shell', file], { input: new TextEncoder().encode(`${input}\n`) });
    expect(r.status).toBe(1); // errors in a piped script: exit 1, as sqlite3's
    const text = out(r);
    expect(text).toContain('t  v\n'); // .tables in columns, as sqlite3's
    expect(text).toContain('1|ada\n2|bob\n'); // list mode for a script, as sqlite3's
    expect(r.stderr).toContain('Parse error near line 6: no such column: nope\n');
    expect(text).toContain('[{"s":"x;y"}]\n[{"two":2}]\n'); // sqlite3's json mode: an array per statement
    expect(text).toContain('CREATE VIEW v AS SELECT name, score * 2 AS doubled FROM t\n/* v(name,doubled) */;\n');
    expect(r.stderr).toContain('Error: mode should be one of: ');
    expect(r.stderr).toContain('Error: unknown command or invalid arguments:  "frob"');
    expect(text).not.toContain('99');
  });
});
