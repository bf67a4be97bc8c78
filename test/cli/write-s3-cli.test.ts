/**
 * Writing to S3 from the command line: the test server ignores conditional writes, so a write
 * is refused with a clear message unless --unsafe-no-lock is given; then create, exec, query and
 * export work, and sqlite3 accepts the result.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newTestBucket, s3Endpoint } from '../support/s3.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const { dir, cleanup } = tempDir('s3lite-write-s3');
afterAll(cleanup);

describe('writing to S3 through the CLI', () => {
  it('refuses a store that ignores conditional writes, and writes with --unsafe-no-lock', async () => {
    const { bucket, client } = await newTestBucket();
    try {
      const at = `s3://${bucket}/shop`;
      const endpoint = ['--endpoint', s3Endpoint()];
      const refused = runCli(['create', at, ...endpoint]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^SQLITE_ERROR: .*ignores conditional writes.*--unsafe-no-lock/);
      const flags = [...endpoint, '--unsafe-no-lock'];
      expect(runCli(['create', at, ...flags]).status).toBe(0);
      const exec = runCli(['exec', at, "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT UNIQUE); INSERT INTO items(name) VALUES ('pen'), ('ink');", ...flags]);
      expect(exec.stderr).toBe('');
      expect(exec.status).toBe(0);
      const query = runCli(['query', at, 'SELECT id, name FROM items ORDER BY name', '--json', ...endpoint]);
      expect(query.status).toBe(0);
      expect(query.stdout.toString()).toBe('[2,"ink"]\n[1,"pen"]\n');
      const out = join(dir, 'shop.sqlite');
      expect(runCli(['export', at, out, ...endpoint]).status).toBe(0);
      expect(integrityCheck(out)).toBe('ok');
      expect(sqlite3(out, 'SELECT name FROM items ORDER BY id;')).toBe('pen\nink\n');
    } finally {
      client.destroy();
    }
  });
});
