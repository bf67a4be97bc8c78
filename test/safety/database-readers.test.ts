/**
 * The reader half of the commit protocol, through the public API (`Database.open` read-only, the
 * inspection methods, prepared statements, the CLI): hot journals are rolled back by readers as
 * SQLite's readers do (or read through, when the reader may not write), reads a commit
 * overlapped are retried or refused, and what the checks cost in requests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { AccessDeniedError, BusyError, SqliteError } from '../../src/errors.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import type { ObjectInfo, ObjectStore, RequestCounts, WriteConditions, DeleteManyOptions } from '../../src/store/object-store.js';
import { runCli } from '../cli/support.js';
import { CountingStore } from '../perf/counting-store.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { FaultyStore, INITIAL_SQL, crashedStore, exportFile, sameBytes, uploadDatabase } from './harness.js';

const initial = makeDatabaseBytes(INITIAL_SQL);
const tmp = tempDir('s3lite-readers');
afterAll(() => tmp.cleanup());

async function freshStore(): Promise<MemoryObjectStore> {
  const s = new MemoryObjectStore();
  await uploadDatabase(s, 'db', initial, 1024);
  return s;
}

async function allObjects(store: ObjectStore): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const o of store.list('')) out.set(o.key, (await store.get(o.key))!);
  return out;
}

function sqliteCheck(bytes: Uint8Array, name: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  return integrityCheck(path);
}

/** A store whose credentials may read but not write (S3 answers AccessDenied, which S3ObjectStore throws as AccessDeniedError). */
class ReadOnlyCredentials implements ObjectStore {
  readonly url = 'readonly:';
  constructor(readonly inner: ObjectStore) {}
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  put(key: string, _data: Uint8Array, _conditions?: WriteConditions): Promise<{ etag: string }> {
    return Promise.reject(new AccessDeniedError(`access denied (PUT ${key})`));
  }
  delete(key: string): Promise<void> {
    return Promise.reject(new AccessDeniedError(`access denied (DELETE ${key})`));
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    return Promise.reject(new AccessDeniedError(`access denied (DELETE ${keys[0]})`));
  }
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }
  async close(): Promise<void> {}
}

describe('readers and hot journals', () => {
  it('a read-only Database that finds a hot journal rolls it back first, as SQLite readers do', async () => {
    const store = await crashedStore(initial);
    expect(await store.get('db-journal/0000000000')).toBeDefined();
    expect(sameBytes(await exportFile(store, 'db'), initial)).toBe(false); // torn on the store
    const db = await Database.open({ objects: store, prefix: 'db' });
    const rows = [];
    for await (const r of db.rows('t2')) rows.push(r);
    expect(rows.length).toBe(20);
    expect(await db.check()).toEqual([]);
    await db.close();
    expect(await store.get('db-journal/0000000000')).toBeUndefined();
    expect(await store.get('db-lock')).toBeUndefined(); // the lease taken for the rollback is released
    const after = (await exportFile(store, 'db'))!;
    expect(sameBytes(after, initial)).toBe(true);
    expect(sqliteCheck(after, 'rolled-back.db')).toBe('ok');
  });

  it('a reader that may not write reads the last committed state through the hot journal and changes nothing', async () => {
    const store = await crashedStore(initial);
    const before = await allObjects(store);
    const db = await Database.open({ objects: new ReadOnlyCredentials(store), prefix: 'db' });
    const rows = await db.query('SELECT count(*) AS n, max(id) AS top FROM t2');
    expect(rows).toEqual([{ n: 20, top: 20 }]);
    expect((await db.tables()).find((t) => t.name === 't2')?.rowCount).toBe(20);
    expect(await db.check()).toEqual([]);
    await db.close();
    const after = await allObjects(store);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [k, v] of before) expect(sameBytes(after.get(k), v)).toBe(true);
  });

  it('`s3lite rows` on a block directory with a hot journal shows the committed rows and leaves no journal', async () => {
    const crashed = await crashedStore(initial);
    const root = join(tmp.dir, 'cli-hot');
    const dir = new DirectoryObjectStore(root);
    for (const [key, data] of await allObjects(crashed)) await dir.put(key, data);
    const result = runCli(['rows', `${join(root, 'db')}/`, 't2', '--csv']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.toString().trim().split(/\r?\n/);
    expect(lines.length).toBe(21); // header + 20 rows
    expect(lines[1]).toBe('1,two 1');
    expect(await dir.get('db-journal/0000000000')).toBeUndefined();
    expect(sameBytes(await exportFile(dir, 'db'), initial)).toBe(true);
  });
});

describe('export', () => {
  it('`s3lite export` of a crashed block directory rolls the journal back first: the file is the committed state', async () => {
    const crashed = await crashedStore(initial);
    const root = join(tmp.dir, 'cli-export');
    const dir = new DirectoryObjectStore(root);
    for (const [key, data] of await allObjects(crashed)) await dir.put(key, data);
    const out = join(tmp.dir, 'exported.sqlite');
    const result = runCli(['export', `${join(root, 'db')}/`, out, '-q']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(sameBytes(new Uint8Array(readFileSync(out)), initial)).toBe(true);
    expect(integrityCheck(out)).toBe('ok');
    expect(await dir.get('db-journal/0000000000')).toBeUndefined();
  });
});

describe('reads that a commit overlaps', () => {
  /** A reader whose 3rd block GET is held while `commit` runs (by another connection), then released. */
  async function overlapped(commitSql: string): Promise<{ reader: Database; counter: CountingStore; pausedKey: () => string; base: MemoryObjectStore; faulty: FaultyStore; commit: Promise<void> }> {
    const base = await freshStore();
    const faulty = new FaultyStore(base);
    const counter = new CountingStore(faulty);
    const reader = await Database.open({ objects: counter, prefix: 'db' });
    let seen = 0;
    let key = '';
    const paused = faulty.pauseOn((op, k) => {
      if (op !== 'get' || !k.startsWith('db/') || k === 'db/0000000000' || ++seen !== 3) return false;
      key = k;
      return true;
    });
    const commit = paused.then(async () => {
      const writer = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
      await writer.exec(commitSql);
      await writer.close();
      faulty.resume();
    });
    return { reader, counter, pausedKey: () => key, base, faulty, commit };
  }

  it('db.query retries a read that a commit overlapped and returns the state after it', async () => {
    const { reader, counter, pausedKey, commit } = await overlapped('DELETE FROM t3 WHERE id > 25');
    const rows = await reader.query('SELECT count(*) AS n, sum(length(v)) AS bytes FROM t3');
    await commit;
    expect(rows).toEqual([{ n: 25, bytes: 25 * 300 }]);
    // The block held during the commit was fetched again by the retry.
    expect(counter.getsByKey.get(pausedKey())).toBe(2);
    await reader.close();
  });

  it('a stream (rows) that a commit overlapped after its first row ends with BusyError', async () => {
    const base = await freshStore();
    const reader = await Database.open({ objects: base, prefix: 'db' });
    const writer = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    let n = 0;
    const run = async (): Promise<void> => {
      for await (const _ of reader.rows('t1')) {
        if (++n === 1) await writer.exec("UPDATE t1 SET v = 'moved' WHERE id = 50");
      }
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusyError);
    expect((err as SqliteError).code).toBe('SQLITE_BUSY');
    expect((err as Error).message).toMatch(/overlapped a read after \d+ rows?; read again/);
    // Read again: the committed state.
    const again = await reader.query('SELECT v FROM t1 WHERE id = 50');
    expect(again).toEqual([{ v: 'moved' }]);
    await writer.close();
    await reader.close();
  });

  it('a stream no commit overlapped completes, and a statement prepared before a schema change refuses to run', async () => {
    const base = await freshStore();
    const reader = await Database.open({ objects: base, prefix: 'db' });
    const stmt = await reader.prepare('SELECT id FROM t2 WHERE id <= ?');
    let n = 0;
    for await (const _ of stmt.iterate([5])) n++;
    expect(n).toBe(5);
    const writer = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    await writer.exec('CREATE TABLE t9(x); INSERT INTO t9 VALUES (42)');
    await writer.close();
    const err = await stmt.all([5]).catch((e: unknown) => e);
    expect((err as SqliteError).code).toBe('SQLITE_SCHEMA');
    // The connection itself sees the new schema on its next read.
    expect(await reader.query('SELECT x FROM t9')).toEqual([{ x: 42 }]);
    await expect((await reader.prepare('SELECT count(*) AS n FROM t2')).get()).resolves.toEqual({ n: 20 });
    await reader.close();
  });
});

describe('what the checks cost', () => {
  it('a read served from the cache costs the begin check only: 2 GETs (journal, block 0), no HEAD', async () => {
    const base = await freshStore();
    const db = await Database.open({ objects: base, prefix: 'db' });
    const sql = 'SELECT v FROM t1 WHERE id = 7';
    let before = { ...base.requests };
    expect(await db.query(sql)).toEqual([{ v: `row 7 ${'a'.repeat(40)}` }]);
    // First read after open: the open's check serves as its begin; the pages it fetched make the
    // end check run (one GET of block 0: writers put block 0 before any other page).
    const first = base.requests.get - before.get;
    before = { ...base.requests };
    expect(await db.query(sql)).toEqual([{ v: `row 7 ${'a'.repeat(40)}` }]);
    expect(base.requests.get - before.get).toBe(2);
    expect(base.requests.head - before.head).toBe(0);
    // After a commit by someone else: the begin check sees a new block 0, so it looks at the
    // journal once more AFTER block 0 (the first look went out alongside it), learns the size
    // from the new header (no HEAD) and the pager drops its cache.
    const writer = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    await writer.exec("UPDATE t1 SET v = 'seven' WHERE id = 7");
    await writer.close();
    before = { ...base.requests };
    expect(await db.query(sql)).toEqual([{ v: 'seven' }]);
    expect(base.requests.head - before.head).toBe(0);
    expect(base.requests.get - before.get).toBe(first + 3);
    await db.close();
  });
});

describe('plans of query()', () => {
  it('are reused only for the schema they were made for (this connection\'s DDL, even uncommitted, and others\')', async () => {
    const base = await freshStore();
    const db = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    const sql = 'SELECT count(*) AS n FROM t2';
    expect(await db.query(sql)).toEqual([{ n: 20 }]);
    await db.exec('BEGIN; DROP TABLE t2; CREATE TABLE t2(a, b, c); INSERT INTO t2 VALUES (1, 2, 3)');
    expect(await db.query(sql)).toEqual([{ n: 1 }]);
    await db.exec('ROLLBACK');
    expect(await db.query(sql)).toEqual([{ n: 20 }]);
    const other = await Database.open({ objects: base, prefix: 'db' }, { readonly: false });
    await other.exec('DROP TABLE t2; CREATE TABLE t2(x); INSERT INTO t2 VALUES (1), (2)');
    await other.close();
    expect(await db.query(sql)).toEqual([{ n: 2 }]);
    await db.close();
  });
});
