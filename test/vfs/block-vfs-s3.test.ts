/**
 * The block VFS over the S3 test server (real HTTP, the AWS SDK): a short model run, and the
 * 3-request open of a real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockStore } from '../../src/store/block-store.js';
import { emptyRequestCounts } from '../../src/store/object-store.js';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';
import { newTestBucket } from '../support/s3.js';
import { modelProperty } from './block-model.js';
import { equalBytes } from './model.js';

describe('BlockVfs over S3', () => {
  let store: S3ObjectStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const bucket = await newTestBucket();
    store = bucket.store;
    close = async () => {
      await bucket.store.close();
      bucket.client.destroy();
    };
  });
  afterAll(async () => {
    await close();
  });

  it('matches the byte-array model (block size 512)', async () => {
    await modelProperty(() => store, 512, 4);
  });

  it('opens a real database with GET block 0 (two HEADs more with verifySize)', async () => {
    const db = makeDatabaseBytes(`
      PRAGMA page_size = 1024;
      CREATE TABLE t(x TEXT);
      WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)
      INSERT INTO t SELECT printf('%0100d', i) FROM c;
    `);
    const blocks = new BlockStore(store, 'real/db');
    for (let i = 0; i * 1024 < db.length; i++) await blocks.write(i, db.subarray(i * 1024, (i + 1) * 1024));
    const before = { ...store.requests };
    const file = await new BlockVfs(store, { blockSize: 4096 }).xOpen('real/db', OpenFlags.SQLITE_OPEN_READONLY);
    const delta = {
      ...emptyRequestCounts(),
      get: store.requests.get - before.get,
      head: store.requests.head - before.head,
      list: store.requests.list - before.list,
    };
    expect(delta).toEqual({ ...emptyRequestCounts(), get: 1 });
    const heads = store.requests.head;
    const verified = await new BlockVfs(store, { blockSize: 4096, verifySize: true }).xOpen('real/db', OpenFlags.SQLITE_OPEN_READONLY);
    expect(store.requests.head - heads).toBe(2);
    expect(await verified.xFileSize()).toBe(db.length);
    await verified.xClose();
    expect(file.blockSize).toBe(1024);
    expect(await file.xFileSize()).toBe(db.length);
    expect(equalBytes(await file.xRead(db.length, 0), db)).toBe(true);
    await file.xClose();
  });
});
