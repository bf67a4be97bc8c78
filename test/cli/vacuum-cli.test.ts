/** `s3lite exec … VACUUM` and `VACUUM INTO`, run as the real CLI over a plain file and a block directory. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const { dir, cleanup } = tempDir('s3lite-vacuum-cli');
afterAll(cleanup);

describe('VACUUM from the command line', () => {
  it('shrinks a file in place and writes compact copies as a file and as blocks', () => {
    const path = join(dir, 'a.sqlite');
    sqlite3(path, "CREATE TABLE t(a, b); WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2000) INSERT INTO t SELECT i, printf('%0200d', i) FROM k; DELETE FROM t WHERE a > 100;");
    const before = statSync(path).size;
    const r = runCli(['exec', path, 'VACUUM']);
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(path).size).toBeLessThan(before / 5);
    expect(sqlite3(path, 'PRAGMA freelist_count; SELECT count(*) FROM t;')).toBe('0\n100\n');
    expect(integrityCheck(path)).toBe('ok');
    const copy = join(dir, 'copy.sqlite');
    expect(runCli(['exec', path, `VACUUM INTO '${copy}'`]).status).toBe(0);
    expect(sqlite3(copy, 'SELECT count(*), sum(a) FROM t;')).toBe('100|5050\n');
    // A second copy to the same file is refused; one to a block directory is made (one exec).
    const blocks = join(dir, 'blocks') + '/';
    const again = runCli(['exec', path, `VACUUM INTO '${blocks}'; VACUUM INTO '${copy}'`]);
    expect(again.status).toBe(1);
    expect(again.stderr.toString()).toBe('SQLITE_ERROR: output file already exists\n');
    const block0 = join(dir, 'blocks', '0000000000');
    expect(statSync(block0).size).toBe(4096);
    // Block 0 is page 1: its header's page count is the copy's.
    expect(String(readFileSync(block0).readUInt32BE(28))).toBe(sqlite3(copy, 'PRAGMA page_count;').trim());
  }, 60_000);
});
