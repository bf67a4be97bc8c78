/**
 * The block file's read economy: the opener's GET of block 0 also serves the header read and
 * page 1; blocks that hold several pages are fetched once while block 0 is unchanged; and a
 * commit by someone else (a new block 0) empties that cache. Beside the blocks, a reader pays
 * for its safety checks (src/pager/consistent-read.ts): one GET of the journal's first block at
 * open, and — only when a read fetched something — the journal and block 0 again at its end.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { deserialize } from '../../src/transfer/deserialize.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';

const SQL = `PRAGMA page_size=4096; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<4000) INSERT INTO t SELECT i, printf('%0100d', i) FROM s;`;

describe('block reads', () => {
  it('opening and reading the schema cost one GET of block 0 and one of the journal, nothing more', async () => {
    const objects = new MemoryObjectStore();
    await deserialize(new BlockStore(objects, 'db'), [makeDatabaseBytes(SQL)], { blockSize: 4096 });
    const before = { ...objects.requests };
    const db = await Database.open({ objects, prefix: 'db' });
    expect(await db.columns('t')).toEqual(['id', 'v']);
    // Block 0 (header and page 1, the schema) and `db-journal/0000000000` (absent: no hot journal).
    // The schema read fetched nothing more, so its end check is free.
    expect(objects.requests.get - before.get).toBe(2);
    expect(objects.requests.head - before.head).toBe(0); // the header vouches for the size
    await db.close();
  });

  it('a scan with 64 KiB blocks fetches each block once', async () => {
    const objects = new MemoryObjectStore();
    const bytes = makeDatabaseBytes(SQL);
    await deserialize(new BlockStore(objects, 'db'), [bytes], { blockSize: 65536 });
    const blocks = Math.ceil(bytes.length / 65536);
    const before = objects.requests.get;
    const db = await Database.open({ objects, prefix: 'db' });
    let n = 0;
    for await (const _ of db.rows('t')) n++;
    expect(n).toBe(4000);
    // Each block once (block 0 included), plus the journal check at open and the end check
    // (journal, then block 0 again).
    expect(objects.requests.get - before).toBeLessThanOrEqual(blocks + 3);
    await db.close();
  });

  it('a new block 0 (another writer committed) empties the cache of clean blocks', async () => {
    const objects = new MemoryObjectStore();
    const v1 = makeDatabaseBytes(SQL);
    const v2 = makeDatabaseBytes(`${SQL} UPDATE t SET v = 'changed' WHERE id = 3000;`);
    expect(v2.length).toBe(v1.length);
    await deserialize(new BlockStore(objects, 'db'), [v1], { blockSize: 65536 });
    const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
    const readAll = async (): Promise<Uint8Array> => {
      await file.xRead(100, 0); // the header, as a reader checking the change counter does
      return file.xRead(v1.length - 65536, 65536);
    };
    await readAll();
    await readAll(); // now served from the clean cache
    // Another writer replaces the database under the same prefix (change counter moves).
    await deserialize(new BlockStore(objects, 'db'), [v2], { blockSize: 65536, replace: true });
    const seen = await readAll();
    expect(Buffer.compare(seen, v2.subarray(65536))).toBe(0);
    await file.xClose();
  });
});
