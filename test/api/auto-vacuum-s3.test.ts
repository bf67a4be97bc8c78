/**
 * An auto-vacuum database in S3 (the real test server): made by s3lite, put in FULL mode, filled
 * and emptied again. Each commit moves pages and shortens the database: the blocks past the new
 * end are deleted (the blocks listed under the prefix hold exactly page_count pages), and the blocks, read back as one
 * file, pass sqlite3's integrity_check with sqlite3's free-page count (0), root pages and rows for
 * the same statements.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { serializeToBytes } from '../../src/transfer/serialize.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { newTestBucket, s3Endpoint } from '../support/s3.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';

process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
const s3 = { endpoint: s3Endpoint(), forcePathStyle: true, region: 'us-east-1' };
const tmp = tempDir('s3lite-av-s3');
afterAll(() => tmp.cleanup());

const FILL = "INSERT INTO t SELECT value, printf('%.*c', 100 + value * 37 % 3000, 'v') FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c WHERE value < 150) SELECT value FROM c)";

describe('auto-vacuum database in S3', () => {
  it('FULL mode: commits shrink the blocks to page_count pages; sqlite3 agrees on the file', async () => {
    const { bucket, store } = await newTestBucket();
    // The test server accepts conditional writes without enforcing them: no lease (as other S3 tests here).
    const db = await Database.create(`s3://${bucket}/av`, { ...s3, pageSize: 1024, locking: 'none' });
    const ref = join(tmp.dir, 'ref.db');
    const steps = [
      'PRAGMA auto_vacuum = FULL',
      'CREATE TABLE u(x)',
      'CREATE TABLE t(a INTEGER PRIMARY KEY, b)',
      'CREATE INDEX tb ON t(b)',
      FILL,
      'INSERT INTO u SELECT b FROM t WHERE a % 3 = 0',
      'DELETE FROM t WHERE a % 2 = 0',
      'DROP INDEX tb',
      'DROP TABLE t',
    ];
    /** Bytes in the blocks listed under the prefix (blocks may hold several pages). */
    const blockBytes = async (): Promise<number> => {
      let n = 0;
      for await (const o of store.list('av/')) if (/^av\/\d{10}$/.test(o.key)) n += o.size;
      return n;
    };
    const sizes: number[] = [];
    try {
      // sqlite3 writes a new file only at its first change: the pragmas go with the first CREATE.
      let pending = 'PRAGMA page_size = 1024;';
      for (const q of steps) {
        await db.run(q);
        pending += `${q};`;
        if (q.startsWith('PRAGMA')) continue;
        sqlite3(ref, pending);
        pending = '';
        const file = await new BlockVfs(store).xOpen('av', OpenFlags.SQLITE_OPEN_READONLY);
        const bytes = await serializeToBytes(file);
        await file.xClose();
        const ours = join(tmp.dir, 'ours.db');
        writeFileSync(ours, bytes);
        expect(integrityCheck(ours), q).toBe('ok');
        // (page_count itself may differ by the odd page: the b-trees are not SQLite's page for page.)
        const counts = 'PRAGMA auto_vacuum; PRAGMA freelist_count; SELECT name, rootpage FROM sqlite_schema; SELECT count(*), sum(length(x)) FROM u;';
        expect(sqlite3(ours, counts), q).toBe(sqlite3(ref, counts));
        const pages = Number(sqlite3(ours, 'PRAGMA page_count;').trim());
        expect(await blockBytes(), q).toBe(pages * 1024);
        sizes.push(pages);
      }
    } finally {
      await db.close();
    }
    // It grew, then gave the pages back.
    expect(Math.max(...sizes)).toBeGreaterThan(100);
    expect(sizes.at(-1)).toBeLessThan(Math.max(...sizes) / 3);
  }, 120_000);
});
