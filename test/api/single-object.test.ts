/**
 * A plain SQLite file stored as ONE S3 object, read in place (src/vfs/range-file.ts over
 * src/store/s3-object-ranges.ts) through `Database.open('s3://bucket/key')`: the probe (blocks
 * first, then the object), page-aligned ranged GETs pinned to the ETag, read-only, and the
 * answers compared with sqlite3's on the same file.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { openSingleObject } from '../../src/api/open-location.js';
import { BusyError, CantOpenError, NotADatabaseError, ReadOnlyError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { S3ObjectRanges } from '../../src/store/s3-object-ranges.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { RangeFile, type RangePin, type RangeSource } from '../../src/vfs/range-file.js';
import { Pager } from '../../src/pager/pager.js';
import { TEST_CREDENTIALS, newTestBucket, s3Endpoint } from '../support/s3.js';
import { makeDatabaseBytes, sqlite3, tempDir } from '../support/sqlite3.js';

const FIXTURE = 'fixtures/sample.sqlite';
const fixture = readFileSync(FIXTURE);
const { dir, cleanup } = tempDir('s3lite-single');
afterAll(cleanup);

// The SDK's default credential chain reads these; the test server checks nothing.
process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';

const s3 = () => ({ endpoint: s3Endpoint(), forcePathStyle: true, region: 'us-east-1' });
const sqlite3Json = (path: string, sql: string): unknown => JSON.parse(sqlite3(path, sql, ['-json']) || '[]');

async function put(client: S3Client, bucket: string, key: string, body: Uint8Array): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** The real S3 source, with every range it asked for recorded. */
class RecordingRanges implements RangeSource {
  readonly asked: { offset: number; length: number; pinned: boolean }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly inner: RangeSource) {}
  get url(): string {
    return this.inner.url;
  }
  get requests(): number {
    return this.inner.requests;
  }
  async fetchRange(offset: number, length: number, pin: RangePin | undefined) {
    this.asked.push({ offset, length, pinned: pin !== undefined });
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.inner.fetchRange(offset, length, pin);
    } finally {
      this.inFlight--;
    }
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function rangesOf(bucket: string, key: string): RecordingRanges {
  const store = new S3ObjectStore({ bucket, ...s3(), credentials: TEST_CREDENTIALS });
  return new RecordingRanges(new S3ObjectRanges(store, key));
}

describe('a single S3 object, read in place', () => {
  it('opens s3://bucket/key as the object when no blocks are there, and answers as sqlite3 does', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'my/path/app.sqlite', fixture);
      const db = await Database.open(`s3://${bucket}/my/path/app.sqlite`, s3());
      const names = (await db.tables()).map((t) => t.name);
      const expected = sqlite3Json(FIXTURE, 'SELECT name FROM sqlite_schema ORDER BY rowid') as { name: string }[];
      expect(names).toEqual(expected.map((r) => r.name));
      for (const sql of [
        'SELECT * FROM sqlite_schema ORDER BY rowid',
        'SELECT count(*) AS n, sum(length(body)) AS bytes FROM documents',
        'SELECT * FROM orders WHERE id = 1234',
        'SELECT * FROM customers ORDER BY id LIMIT 10',
        'SELECT * FROM big_spenders',
      ]) {
        expect(await db.query(sql), sql).toEqual(sqlite3Json(FIXTURE, sql));
      }
      expect(await db.check()).toEqual([]);
      await db.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('prefers blocks at k/0000000000 over an object k, and names both keys when neither exists', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      // Blocks of the sample under `db.sqlite/…`, and an unrelated database as the object `db.sqlite`.
      await deserialize(new BlockStore(store, 'db.sqlite'), [fixture]);
      await put(client, bucket, 'db.sqlite', makeDatabaseBytes('CREATE TABLE other(x); INSERT INTO other VALUES (1);'));
      const db = await Database.open(`s3://${bucket}/db.sqlite`, s3());
      expect((await db.tables()).map((t) => t.name)).toContain('customers');
      await db.close();
      // Forced either way by a parsed location.
      const obj = await Database.open({ kind: 's3-object', bucket, key: 'db.sqlite' }, s3());
      expect((await obj.tables()).map((t) => t.name)).toEqual(['other']);
      await obj.close();

      const missing = Database.open(`s3://${bucket}/nothing/here`, s3());
      await expect(missing).rejects.toThrow(CantOpenError);
      await expect(missing).rejects.toThrow(/nothing\/here\/0000000000.*nothing\/here\b/);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('reads databases of the smallest and largest page sizes as sqlite3 does', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      for (const pageSize of [512, 65536]) {
        const bytes = makeDatabaseBytes(
          `PRAGMA page_size=${pageSize}; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);` +
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000) INSERT INTO t SELECT i, printf('%050d', i * 7919 % 5000) FROM c;",
        );
        const path = join(dir, `ps-${pageSize}.sqlite`);
        writeFileSync(path, bytes);
        await put(client, bucket, `ps-${pageSize}.sqlite`, bytes);
        const db = await Database.open(`s3://${bucket}/ps-${pageSize}.sqlite`, s3());
        for (const sql of ['SELECT count(*) AS n, sum(id) AS s FROM t', "SELECT id FROM t WHERE v = printf('%050d', 1234)", 'SELECT * FROM t ORDER BY v LIMIT 3']) {
          expect(await db.query(sql), `${pageSize}: ${sql}`).toEqual(sqlite3Json(path, sql));
        }
        expect(await db.check()).toEqual([]);
        await db.close();
      }
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('creates blocks at s3://bucket/k whatever its name', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      const db = await Database.create(`s3://${bucket}/made/new.sqlite`, { ...s3(), locking: 'none' });
      await db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (42);');
      await db.close();
      expect((await store.get('made/new.sqlite/0000000000'))?.length).toBe(4096);
      expect(await store.get('made/new.sqlite')).toBeUndefined();
      const again = await Database.open(`s3://${bucket}/made/new.sqlite`, s3());
      expect(await again.query('SELECT x FROM t')).toEqual([{ x: 42 }]);
      await again.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('refuses every write with SQLITE_READONLY that says to import it', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'app.db', fixture);
      const db = await Database.open(`s3://${bucket}/app.db`, { ...s3(), readonly: false });
      expect(await db.query('SELECT count(*) AS n FROM tags')).toEqual(sqlite3Json(FIXTURE, 'SELECT count(*) AS n FROM tags'));
      const write = db.exec("INSERT INTO numbers(n) VALUES (1)");
      await expect(write).rejects.toThrow(ReadOnlyError);
      await expect(write).rejects.toThrow(/import it into blocks/);
      await db.close();
      // Nothing was written beside it (no journal, no lease).
      const keys: string[] = [];
      for await (const info of store.list('')) keys.push(info.key);
      expect(keys).toEqual(['app.db']);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('costs one request to open, then page-aligned ranges pinned to the ETag; adjacent pages come as one range', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'x.sqlite', fixture);
      const source = rangesOf(bucket, 'x.sqlite');
      const file = await RangeFile.open(source);
      expect(file).toBeDefined();
      expect(source.asked).toEqual([{ offset: 0, length: 65536, pinned: false }]);
      expect(file!.size).toBe(fixture.length);
      expect(file!.unit).toBe(4096);
      const pager = await Pager.open(file!, { readonly: true });
      // Pages 1..16 came with the open: no request.
      await pager.getPage(3);
      expect(source.asked).toHaveLength(1);
      // Four adjacent pages and one apart, asked for together: two ranges, each page-aligned.
      const pages = await pager.getPages([40, 41, 42, 43, 100]);
      expect(source.asked.slice(1)).toEqual([
        { offset: 39 * 4096, length: 4 * 4096, pinned: true },
        { offset: 99 * 4096, length: 4096, pinned: true },
      ]);
      for (const [i, p] of [40, 41, 42, 43, 100].entries()) {
        expect(Buffer.compare(pages[i]!, fixture.subarray((p - 1) * 4096, p * 4096))).toBe(0);
      }
      pager.close();
      await file!.xClose();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('a full scan moves the file in ranges of at least 64 KiB, several in flight', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      // ~6 MB: 1500 pages, rows spread over many leaves.
      const big = makeDatabaseBytes(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40000) INSERT INTO t SELECT i, printf('%0150d', i) FROM c;",
      );
      await put(client, bucket, 'big.sqlite', big);
      const source = rangesOf(bucket, 'big.sqlite');
      const file = (await RangeFile.open(source))!;
      const db = await Database.open(file);
      expect(await db.query('SELECT count(*) AS n, sum(length(v)) AS s FROM t')).toEqual([{ n: 40000, s: 40000 * 150 }]);
      await db.close();
      const pages = Math.ceil(big.length / 4096);
      const fetched = source.asked.reduce((n, r) => n + r.length, 0);
      // Every page once at most (nothing fetched twice), in few, large ranges.
      expect(fetched).toBeLessThanOrEqual(big.length);
      expect(source.asked.length).toBeLessThan(pages / 8);
      const large = source.asked.filter((r) => r.length >= 65536);
      expect(large.reduce((n, r) => n + r.length, 0)).toBeGreaterThan(0.8 * big.length);
      expect(source.maxInFlight).toBeGreaterThanOrEqual(4);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('ends a read with SQLITE_BUSY when the object is replaced, and a fresh open sees the new one', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'moving.sqlite', fixture);
      const db = await Database.open(`s3://${bucket}/moving.sqlite`, s3());
      expect(await db.query('SELECT count(*) AS n FROM tags')).toEqual(sqlite3Json(FIXTURE, 'SELECT count(*) AS n FROM tags'));
      const replacement = makeDatabaseBytes(
        "CREATE TABLE fresh(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000) INSERT INTO fresh SELECT printf('%0200d', i) FROM c;",
      );
      await put(client, bucket, 'moving.sqlite', replacement);
      // Pages beyond the open's first 64 KiB, not read yet: they must come from the old object.
      const read = db.query('SELECT count(*) AS n, sum(amount_cents) AS t FROM orders');
      await expect(read).rejects.toThrow(BusyError);
      await expect(read).rejects.toThrow(/moving\.sqlite changed during the read; read again/);
      await db.close();
      const again = await Database.open(`s3://${bucket}/moving.sqlite`, s3());
      expect(await again.query('SELECT count(*) AS n FROM fresh')).toEqual([{ n: 3000 }]);
      await again.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('notices a replacement of the same size (If-Match on the ETag, not the size)', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'same.sqlite', fixture);
      const db = await Database.open(`s3://${bucket}/same.sqlite`, s3());
      expect(await db.query('SELECT count(*) AS n FROM tags')).toEqual(sqlite3Json(FIXTURE, 'SELECT count(*) AS n FROM tags'));
      const altered = Buffer.from(fixture);
      altered[fixture.length - 1] = altered[fixture.length - 1]! ^ 0xff;
      await put(client, bucket, 'same.sqlite', altered);
      await expect(db.query('SELECT count(*) AS n, sum(amount_cents) AS t FROM orders')).rejects.toThrow(/changed during the read; read again/);
      await db.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('says clearly when the object is not a database, and when it is empty', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'junk.sqlite', new TextEncoder().encode('not a database at all '.repeat(300)));
      await expect(Database.open(`s3://${bucket}/junk.sqlite`, s3())).rejects.toThrow(NotADatabaseError);
      await put(client, bucket, 'empty.sqlite', new Uint8Array(0));
      const empty = await openSingleObject({ kind: 's3-object', bucket, key: 'empty.sqlite' }, s3());
      expect(await empty!.file.xFileSize()).toBe(0);
      await empty!.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('with a cache directory, a second reader of the same version fetches only the open', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      await put(client, bucket, 'cached.sqlite', fixture);
      const cacheDir = join(dir, 'cache');
      mkdirSync(cacheDir, { recursive: true });
      const sql = 'SELECT count(*) AS n, max(length(body)) AS m FROM documents';
      const counts: number[] = [];
      for (let round = 0; round < 2; round++) {
        const opened = (await openSingleObject({ kind: 's3-object', bucket, key: 'cached.sqlite' }, { ...s3(), cacheDir }))!;
        const db = await Database.open(opened.file);
        expect(await db.query(sql)).toEqual(sqlite3Json(FIXTURE, sql));
        counts.push((opened.file as RangeFile).requests);
        await db.close();
        await opened.close();
      }
      expect(counts[0]).toBeGreaterThan(1);
      expect(counts[1]).toBe(1);
      expect(readdirSync(cacheDir)).not.toHaveLength(0);
      // A new version is never served from the old one's pages.
      const other = makeDatabaseBytes('CREATE TABLE documents(body); INSERT INTO documents VALUES (zeroblob(9000));');
      await put(client, bucket, 'cached.sqlite', other);
      const opened = (await openSingleObject({ kind: 's3-object', bucket, key: 'cached.sqlite' }, { ...s3(), cacheDir }))!;
      const db = await Database.open(opened.file);
      expect(await db.query(sql)).toEqual([{ n: 1, m: 9000 }]);
      await db.close();
      await opened.close();
    } finally {
      client.destroy();
      await store.close();
    }
  });
});

describe('a bucket that says 403 for keys that do not exist (a reader without s3:ListBucket)', () => {
  it('still finds the single object, and reports access denied when there is none', async () => {
    const denied = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push(`${req.method} ${path}`);
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (path !== '/bkt/shared/app.sqlite' || m === null) {
        res.writeHead(403, { 'content-type': 'application/xml' }).end(denied);
        return;
      }
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), fixture.length - 1);
      res
        .writeHead(206, { etag: '"abc"', 'content-range': `bytes ${start}-${end}/${fixture.length}`, 'content-length': String(end - start + 1) })
        .end(fixture.subarray(start, end + 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const options = { endpoint, forcePathStyle: true, region: 'us-east-1' };
      const db = await Database.open('s3://bkt/shared/app.sqlite', options);
      expect(await db.query('SELECT count(*) AS n FROM orders')).toEqual(sqlite3Json(FIXTURE, 'SELECT count(*) AS n FROM orders'));
      await db.close();
      // Block 0 first (denied: no such block), then the object; the journal is looked at only
      // once a block 0 has been read, so a single object costs no journal look.
      expect(seen.slice(0, 2)).toEqual(['GET /bkt/shared/app.sqlite/0000000000', 'GET /bkt/shared/app.sqlite']);
      expect(seen.filter((r) => r.includes('-journal'))).toEqual([]);
      const none = Database.open('s3://bkt/shared/other.sqlite', options);
      // As SQLite for a file it may not read: SQLITE_CANTOPEN, saying why.
      await expect(none).rejects.toThrow(CantOpenError);
      await expect(none).rejects.toThrow(/unable to open s3:\/\/bkt\/shared\/other\.sqlite: access denied \(HTTP 403\)/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
