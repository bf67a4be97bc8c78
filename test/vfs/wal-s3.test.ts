/**
 * A WAL-mode database stored as a single S3 object `k` with its log as the object `k-wal` (as a
 * sync tool uploads a database in use): read in place, the log applied, the same rows as sqlite3
 * on the same two files; `import` takes the frames; writes are SQLITE_READONLY (nothing to
 * checkpoint into). Against the tests' real S3 server.
 */
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { ReadOnlyError } from '../../src/errors.js';
import { newTestBucket, s3Endpoint } from '../support/s3.js';
import { tempDir } from '../support/sqlite3.js';
import { runCli } from '../cli/support.js';
import { dumpSql, makeWalDatabase, printRows, readBytes, sqlite3On, sqlite3View } from './wal-support.js';

const tmp = tempDir('s3lite-wal-s3');
afterAll(() => tmp.cleanup());

// The SDK's default credential chain reads these; the test server checks nothing.
process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';

const s3 = () => ({ endpoint: s3Endpoint(), forcePathStyle: true, region: 'us-east-1' });
const DUMP = dumpSql('t', ['a', 'b']);
const SCRIPT = {
  pageSize: 4096,
  base: `CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t(b) SELECT hex(randomblob(60)) FROM generate_series(1, 300);`,
  logged: [`INSERT INTO t(b) SELECT 'logged-' || value FROM generate_series(1, 50);`, `DELETE FROM t WHERE a % 4 = 0;`, `UPDATE t SET b = 'last' WHERE a = 2;`],
};

async function put(client: S3Client, bucket: string, key: string, body: Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

describe('a single S3 object with its -wal object', () => {
  it('reads as sqlite3 reads the two files; writes are SQLITE_READONLY', async () => {
    const path = makeWalDatabase(tmp.dir, 'obj.db', SCRIPT);
    const expected = sqlite3View(path, DUMP, tmp.dir);
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'dbs/app.sqlite', readBytes(path));
      await put(client, bucket, 'dbs/app.sqlite-wal', readBytes(`${path}-wal`));
      const db = await Database.open(`s3://${bucket}/dbs/app.sqlite`, s3());
      try {
        expect(await printRows(db, DUMP)).toBe(expected);
        expect(expected).toContain("'last'");
      } finally {
        await db.close();
      }
      const writer = await Database.open(`s3://${bucket}/dbs/app.sqlite`, { ...s3(), readonly: false });
      const err = await writer.exec('INSERT INTO t(b) VALUES (1)').catch((e: unknown) => e);
      await writer.close();
      expect(err).toBeInstanceOf(ReadOnlyError);
      expect(String((err as Error).message)).toMatch(/single object, read-only here: import it into blocks/);
      // Without the log object, the object alone.
      await put(client, bucket, 'alone.sqlite', readBytes(path));
      const alone = await Database.open(`s3://${bucket}/alone.sqlite`, s3());
      try {
        expect(await printRows(alone, DUMP)).not.toBe(expected);
      } finally {
        await alone.close();
      }
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('import s3://bucket/k takes the frames of k-wal', async () => {
    const path = makeWalDatabase(tmp.dir, 'imp.db', SCRIPT);
    const expected = sqlite3View(path, DUMP, tmp.dir);
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'app.sqlite', readBytes(path));
      await put(client, bucket, 'app.sqlite-wal', readBytes(`${path}-wal`));
      const env = { AWS_ENDPOINT_URL: s3Endpoint() };
      const blocks = join(tmp.dir, 'blocks/');
      const imported = runCli(['import', `s3://${bucket}/app.sqlite`, blocks], { env });
      expect(imported.stderr).toMatch(/applied \d+ frames \(3 transactions/);
      expect(imported.status).toBe(0);
      const out = join(tmp.dir, 'out.db');
      expect(runCli(['export', blocks, out], { env }).status).toBe(0);
      expect(sqlite3On(out, DUMP)).toBe(expected);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('export to s3://bucket/k removes a k-wal left by the database it replaces', async () => {
    const path = makeWalDatabase(tmp.dir, 'exp.db', SCRIPT);
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'k.sqlite', readBytes(path));
      await put(client, bucket, 'k.sqlite-wal', readBytes(`${path}-wal`));
      const fresh = join(tmp.dir, 'fresh.db');
      sqlite3On(fresh, "PRAGMA journal_mode=wal; CREATE TABLE fresh(x); INSERT INTO fresh VALUES ('new');");
      const env = { AWS_ENDPOINT_URL: s3Endpoint() };
      const blocks = join(tmp.dir, 'fresh-blocks/');
      expect(runCli(['import', '-q', fresh, blocks], { env }).status).toBe(0);
      const exported = runCli(['export', '-q', blocks, `s3://${bucket}/k.sqlite`], { env });
      expect(exported.stderr).toBe('');
      expect(await store.get('k.sqlite-wal')).toBeUndefined();
      const db = await Database.open(`s3://${bucket}/k.sqlite`, s3());
      try {
        expect(await printRows(db, 'SELECT x FROM fresh')).toBe('new\n');
      } finally {
        await db.close();
      }
    } finally {
      client.destroy();
      await store.close();
    }
  });
});
