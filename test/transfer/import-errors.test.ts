/**
 * Failures around an import, as a user meets them: credentials that expire mid-import (a server
 * that starts answering ExpiredToken, scripted: fauxqs never does), and a replace whose store
 * fails half way — undone at once when the store still answers, else left to the next opener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { WriteConditions } from '../../src/store/object-store.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/s3.js';
import { type ScriptedS3Server, s3ErrorXml, startScriptedS3Server } from '../support/scripted-s3-server.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';
import { exportFile, openSafe, sameBytes, uploadDatabase } from '../safety/harness.js';

const DB = makeDatabaseBytes(
  `PRAGMA page_size=1024; CREATE TABLE t(x); INSERT INTO t SELECT randomblob(900) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 40) SELECT i FROM s);`,
);
const OTHER = makeDatabaseBytes(
  `PRAGMA page_size=1024; CREATE TABLE u(y); INSERT INTO u SELECT randomblob(700) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 60) SELECT i FROM s);`,
);

describe('credentials that expire in the middle of an import (scripted S3)', () => {
  let server: ScriptedS3Server;
  beforeAll(async () => {
    server = await startScriptedS3Server(() => ({ status: 500, body: s3ErrorXml('InternalError', 'unscripted') }));
  });
  afterAll(() => server.close());

  it('fail with a one-line IoError saying the credentials expired', async () => {
    let blockPuts = 0;
    server.setScript((req) => {
      const path = req.url.split('?')[0]!;
      if (req.method === 'GET' && req.url.includes('list-type=2')) {
        return { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>' };
      }
      if (req.method === 'HEAD') return { status: 404 };
      if (req.method === 'PUT' && path === '/bkt/db-lock') return { status: 200, headers: { ETag: '"lease"' } };
      if (req.method === 'PUT' && path.startsWith('/bkt/db/') && ++blockPuts <= 5) return { status: 200, headers: { ETag: `"b${blockPuts}"` } };
      if (req.method === 'DELETE' && path === '/bkt/db-lock') return { status: 204 };
      return { status: 400, body: s3ErrorXml('ExpiredToken', 'The provided token has expired.') };
    });
    const store = new S3ObjectStore({ bucket: 'bkt', endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const err = await deserialize(new BlockStore(store, 'db'), [DB], { blockSize: 1024, concurrency: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IoError);
      const message = (err as IoError).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(/^the AWS credentials for s3:\/\/bkt have expired: renew them .* \(S3 PutObject s3:\/\/bkt\/db\/\d{10} at http:\/\/127\.0\.0\.1:\d+: ExpiredToken: /);
      // Block 0 (the header) was never written: there is no database at all.
      expect(server.requests.some((r) => r.method === 'PUT' && r.url.startsWith('/bkt/db/0000000000'))).toBe(false);
    } finally {
      await store.close();
    }
  });
});

/**
 * A memory store that fails the `failAt`-th write of a database block (counted from `arm`) with an
 * IoError — and, when `dies`, every request after it too (credentials gone for good).
 */
class ExpiringStore extends MemoryObjectStore {
  #blockPuts = 0;
  #failAt = 0;
  dead = false;
  dies = false;
  arm(failAt: number, dies: boolean): void {
    this.#blockPuts = 0;
    this.#failAt = failAt;
    this.dies = dies;
  }
  #check(key: string): void {
    if (this.dead) throw new IoError(`the AWS credentials have expired (${key})`);
  }
  override async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.#check(key);
    if (key.startsWith('db/') && ++this.#blockPuts === this.#failAt) {
      this.dead = this.dies;
      throw new IoError(`the AWS credentials have expired (${key})`);
    }
    return super.put(key, data, conditions);
  }
  override async get(key: string): Promise<Uint8Array | undefined> {
    this.#check(key);
    return super.get(key);
  }
  override async getVersioned(key: string) {
    this.#check(key);
    return super.getVersioned(key);
  }
  override async head(key: string) {
    this.#check(key);
    return super.head(key);
  }
  override async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.#check(key);
    return super.delete(key, conditions);
  }
  override async deleteMany(keys: readonly string[]): Promise<void> {
    this.#check(keys[0] ?? '');
    return super.deleteMany(keys);
  }
}

describe('a replace whose store fails half way', () => {
  it('is undone at once when the store still answers (only block writes fail)', async () => {
    const store = new ExpiringStore();
    await uploadDatabase(store, 'db', DB, 1024);
    store.arm(11, false);
    const err = await deserialize(new BlockStore(store, 'db'), [OTHER], { replace: true, concurrency: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toMatch(/credentials have expired.*; the database at memory:db was left as it was$/);
    expect(sameBytes(await exportFile(store, 'db'), DB)).toBe(true);
    expect(await exportFile(store, 'db-journal')).toBeUndefined();
    expect(await store.get('db-lock')).toBeUndefined();
  });

  it('is left to the next opener when nothing answers any more; it restores the old database', async () => {
    const store = new ExpiringStore();
    await uploadDatabase(store, 'db', DB, 1024);
    store.arm(11, true);
    const err = await deserialize(new BlockStore(store, 'db'), [OTHER], { replace: true, concurrency: 4 }).catch((e: unknown) => e);
    expect((err as IoError).message).toMatch(/; the old database is kept in the journal memory:db-journal and is restored when the database is next opened$/);
    store.dead = false; // new credentials
    store.arm(0, false);
    expect(sameBytes(await exportFile(store, 'db'), DB)).toBe(false);
    const pager = await openSafe(store, { clockAheadMs: 60_000 });
    pager.close();
    expect(sameBytes(await exportFile(store, 'db'), DB)).toBe(true);
    // And a second attempt, with fresh credentials, replaces it.
    await deserialize(new BlockStore(store, 'db'), [OTHER], { replace: true });
    expect(sameBytes(await exportFile(store, 'db'), restoredBySqlite(DB, OTHER))).toBe(true);
  });
});
