/**
 * Crash-test machinery shared by the safety tests: a store that dies at its Nth request, store
 * cloning, database upload/export, and the transactions the crash tests run.
 */
import { IoError } from '../../src/errors.js';
import { createTable, deleteRow, dropTree, insertRow } from '../../src/btree/index.js';
import { type SafeOpenOptions, openSafePager } from '../../src/pager/commit-protocol.js';
import type { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { type ObjectInfo, type ObjectStore, type RequestCounts, type WriteConditions, type DeleteManyOptions, emptyRequestCounts } from '../../src/store/object-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { CantOpenError } from '../../src/errors.js';
import { OpenFlags } from '../../src/vfs/vfs.js';

export const RW = OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB;
export const RO = OpenFlags.SQLITE_OPEN_READONLY | OpenFlags.SQLITE_OPEN_MAIN_DB;

/**
 * An ObjectStore that crashes at its `failAt`-th request (1-based, counted from `arm()`): in mode
 * 'before' that request never reaches the store, in 'after' it does but its answer is lost; from
 * then on every request throws, as if the process had died. `pause` instead holds the request
 * until `resume()` (a commit frozen in flight).
 */
export class FaultyStore implements ObjectStore {
  readonly url = 'faulty:';
  readonly requests: RequestCounts = emptyRequestCounts();
  calls = 0;
  armed = false;
  crashed = false;
  failAt: number | undefined;
  mode: 'before' | 'after' = 'before';
  /** When set, the request for which this returns true waits for `resume()`. */
  pauseWhen: ((op: string, key: string) => boolean) | undefined;
  #resume: (() => void) | undefined;
  paused: Promise<void> | undefined;
  #signalPaused: (() => void) | undefined;

  constructor(readonly inner: ObjectStore) {}

  arm(failAt: number | undefined, mode: 'before' | 'after' = 'before'): void {
    this.armed = true;
    this.calls = 0;
    this.failAt = failAt;
    this.mode = mode;
  }

  /** Resolves when a request matching `pauseWhen` is held. */
  pauseOn(pred: (op: string, key: string) => boolean): Promise<void> {
    this.pauseWhen = pred;
    return new Promise((resolve) => (this.#signalPaused = resolve));
  }

  resume(): void {
    this.pauseWhen = undefined;
    this.#resume?.();
  }

  async #step<T>(op: string, key: string, run: () => Promise<T>): Promise<T> {
    if (this.crashed) throw new IoError(`crashed (${op} ${key})`);
    if (this.pauseWhen?.(op, key) === true) {
      this.pauseWhen = undefined;
      const held = new Promise<void>((r) => (this.#resume = r));
      this.#signalPaused?.();
      await held;
    }
    if (!this.armed) return run();
    this.calls++;
    if (this.failAt !== undefined && this.calls >= this.failAt) {
      this.crashed = true;
      if (this.mode === 'after') await run().catch(() => undefined);
      throw new IoError(`injected crash at request ${this.calls} (${op} ${key})`);
    }
    return run();
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.requests.get++;
    return this.#step('get', key, () => this.inner.get(key));
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    this.requests.head++;
    return this.#step('head', key, () => this.inner.head(key));
  }
  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.requests.put++;
    return this.#step('put', key, () => this.inner.put(key, data, conditions));
  }
  delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.requests.delete++;
    return this.#step('delete', key, () => this.inner.delete(key, conditions));
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    this.requests.delete++;
    return this.#step('deleteMany', keys[0] ?? '', () => this.inner.deleteMany(keys, options));
  }
  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    this.requests.list++;
    const items = await this.#step('list', prefix, async () => {
      const out: ObjectInfo[] = [];
      for await (const o of this.inner.list(prefix, startAfter)) out.push(o);
      return out;
    });
    yield* items;
  }
  async close(): Promise<void> {}
}

/** A deep copy of every object in `src`. */
export async function cloneStore(src: ObjectStore): Promise<MemoryObjectStore> {
  const out = new MemoryObjectStore();
  for await (const o of src.list('')) {
    const data = await src.get(o.key);
    if (data !== undefined) await out.put(o.key, data);
  }
  return out;
}

/** Uploads `bytes` as the blocks of `prefix` (block size = `blockSize`). */
export async function uploadDatabase(store: ObjectStore, prefix: string, bytes: Uint8Array, blockSize: number): Promise<void> {
  const blocks = new BlockStore(store, prefix);
  for (let i = 0; i * blockSize < bytes.length; i++) await blocks.write(i, bytes.subarray(i * blockSize, (i + 1) * blockSize));
}

/** The whole file `name` as stored (blocks concatenated), or undefined when it does not exist. */
export async function exportFile(store: ObjectStore, name: string): Promise<Uint8Array | undefined> {
  let file;
  try {
    file = await new BlockVfs(store).xOpen(name, OpenFlags.SQLITE_OPEN_READONLY);
  } catch (err) {
    if (err instanceof CantOpenError) return undefined;
    throw err;
  }
  const size = await file.xFileSize();
  const bytes = await file.xRead(size, 0);
  await file.xClose();
  return bytes;
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Opens `db` in `store` with the commit protocol; `clockAheadMs` makes every lease look that much older. */
export async function openSafe(store: ObjectStore, options: SafeOpenOptions & { clockAheadMs?: number; prefix?: string } = {}): Promise<Pager> {
  const ahead = options.clockAheadMs ?? 0;
  const prefix = options.prefix ?? 'db';
  const vfs = new BlockVfs(store);
  const file = await vfs.xOpen(prefix, options.readonly === true ? RO : RW);
  return openSafePager(vfs, prefix, file, {
    ...options,
    lease: { durationMs: 2000, renewEveryMs: 500, ...options.lease, ...(ahead === 0 ? {} : { now: () => Date.now() + ahead }) },
  });
}

/**
 * A store holding `initial` (1024-byte blocks under `db`) and a crashed commit of the large
 * insert: journal hot, some blocks overwritten, and no lease (it "expired" and vanished).
 */
export async function crashedStore(initial: Uint8Array): Promise<MemoryObjectStore> {
  const base = new MemoryObjectStore();
  await uploadDatabase(base, 'db', initial, 1024);
  const faulty = new FaultyStore(base);
  const pager = await openSafe(faulty, { lease: { durationMs: 2000, renewEveryMs: 500 } });
  await pager.beginWrite();
  await TRANSACTIONS['large insert that grows the file']!(pager, { t1: 2, t2: 3, t3: 4, t3SchemaRowid: 3, schemaRows: 3 });
  let dbPuts = 0;
  faulty.arm(undefined);
  const paused = faulty.pauseOn((op, key) => op === 'put' && key.startsWith('db/') && ++dbPuts === 20);
  void pager.commit().catch(() => undefined);
  await paused;
  faulty.crashed = true;
  faulty.resume();
  await base.delete('db-lock');
  return base;
}

/** Root pages and schema rowids of the test database (from sqlite3). */
export interface Layout {
  readonly t1: number;
  readonly t2: number;
  readonly t3: number;
  readonly t3SchemaRowid: number;
  readonly schemaRows: number;
}

export const INITIAL_SQL = `
  PRAGMA page_size = 1024;
  CREATE TABLE t1(id INTEGER PRIMARY KEY, v TEXT);
  CREATE TABLE t2(id INTEGER PRIMARY KEY, v TEXT);
  CREATE TABLE t3(id INTEGER PRIMARY KEY, v BLOB);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)
  INSERT INTO t1 SELECT i, printf('row %d %.40c', i, 'a') FROM c;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20)
  INSERT INTO t2 SELECT i, printf('two %d', i) FROM c;
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 30)
  INSERT INTO t3 SELECT i, randomblob(300) FROM c;
`;

const text = (s: string): Uint8Array => encodeRecord([null, s], 1);

/** The transactions the crash tests run, each between beginWrite and commit. */
export const TRANSACTIONS: Record<string, (pager: Pager, layout: Layout) => Promise<void>> = {
  'small update': async (pager, l) => {
    await insertRow(pager, l.t1, 7, text('changed in place'));
  },
  'large insert that grows the file': async (pager, l) => {
    for (let i = 21; i <= 140; i++) await insertRow(pager, l.t2, i, text(`grown ${i} ${'x'.repeat(120)}`));
    await insertRow(pager, l.t2, 1000, text('y'.repeat(5000))); // overflow chain
  },
  'DROP TABLE that frees pages': async (pager, l) => {
    await dropTree(pager, l.t3);
    await deleteRow(pager, 1, l.t3SchemaRowid);
    pager.markSchemaChanged();
  },
  'schema change (CREATE TABLE)': async (pager, l) => {
    const root = await createTable(pager, 'table');
    await insertRow(pager, 1, l.schemaRows + 1, encodeRecord(['table', 't9', 't9', BigInt(root), 'CREATE TABLE t9(x)'], 1));
    pager.markSchemaChanged();
  },
};

/** Transactions on the same database in auto_vacuum = FULL mode: commits that move pages and shorten the file. */
export const AUTO_VACUUM_TRANSACTIONS: Record<string, (pager: Pager, layout: Layout) => Promise<void>> = {
  'DROP TABLE t1: the last root moves into its place, the file shrinks': async (pager, l) => {
    const moved = await dropTree(pager, l.t1);
    if (moved !== l.t3) throw new Error(`expected root ${l.t3} to move, not ${moved}`);
    await deleteRow(pager, 1, 1); // t1's row
    await insertRow(pager, 1, l.t3SchemaRowid, encodeRecord(['table', 't3', 't3', BigInt(l.t1), 'CREATE TABLE t3(id INTEGER PRIMARY KEY, v BLOB)'], 1));
    pager.markSchemaChanged();
  },
  'DELETE of most of t3: pages past the new end move into the freed ones': async (pager, l) => {
    for (let i = 1; i <= 25; i++) await deleteRow(pager, l.t3, i);
  },
  'large insert that grows the file': async (pager, l) => TRANSACTIONS['large insert that grows the file']!(pager, l),
};
