/**
 * Writer A of the frozen-writer tests (freeze.test.ts), run as its own process with tsx.
 * Argument: JSON { store: { dir } | { endpoint, bucket }, prefix, freezeAt?: { op, key, nth } }.
 *
 * It opens the database through the public API (lease of 10 s) and runs one big transaction
 * (`UPDATE big SET n = n + 1, v = v || '.'`, every page of the table). When `freezeAt` is given,
 * the nth request of kind `op` ('put' | 'delete') whose key starts with `key` (after the
 * prefix) stops the whole process with SIGSTOP right before it is handed to the store — exactly
 * what a GC pause, a suspended VM or a debugger does to a writer mid-commit. The test thaws it
 * (SIGCONT) after another writer has taken the lease over. Prints `frozen` before stopping,
 * then `committed` or `failed <CODE> <message>` and exits 0 either way.
 */
import { Database } from '../../src/api/database.js';
import { SqliteError } from '../../src/errors.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import type { DeleteManyOptions, ObjectInfo, ObjectStore, RequestCounts, VersionedObject, WriteConditions } from '../../src/store/object-store.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';

interface Args {
  readonly store: { dir: string } | { endpoint: string; bucket: string };
  readonly prefix: string;
  readonly freezeAt?: { readonly op: 'put' | 'delete'; readonly key: string; readonly nth: number };
}

/**
 * A's lease: long enough that a busy machine's event-loop stalls (this test runs several writers at
 * once on two cores) do not lose it, short enough that B's wait stays a few seconds.
 */
const LEASE_MS = 10_000;

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const inner: ObjectStore =
  'dir' in args.store
    ? new DirectoryObjectStore(args.store.dir)
    : new S3ObjectStore({
        bucket: args.store.bucket,
        endpoint: args.store.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });

/** Forwards everything; stops this process at the configured request (before forwarding it). */
class FreezingStore implements ObjectStore {
  #seen = 0;
  #frozen = false;
  constructor(readonly inner: ObjectStore) {}
  get url(): string {
    return this.inner.url;
  }
  get requests(): RequestCounts {
    return this.inner.requests;
  }
  #maybeFreeze(op: 'put' | 'delete', key: string): void {
    const at = args.freezeAt;
    if (at === undefined || this.#frozen || op !== at.op || !key.startsWith(`${args.prefix}${at.key}`)) return;
    if (++this.#seen < at.nth) return;
    this.#frozen = true;
    process.stdout.write(`frozen ${op} ${key}\n`); // a pipe: written synchronously on Linux
    process.kill(process.pid, "SIGSTOP");
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  getVersioned(key: string): Promise<VersionedObject | undefined> {
    return this.inner.getVersioned!(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.#maybeFreeze('put', key);
    return this.inner.put(key, data, conditions);
  }
  delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.#maybeFreeze('delete', key);
    return this.inner.delete(key, conditions);
  }
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    for (const key of keys) this.#maybeFreeze('delete', key);
    return this.inner.deleteMany(keys, options);
  }
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const db = await Database.open({ objects: new FreezingStore(inner), prefix: args.prefix }, { readonly: false, leaseDuration: LEASE_MS });
try {
  await db.exec("BEGIN; UPDATE big SET n = n + 1, v = v || '.'; COMMIT;");
  process.stdout.write('committed\n');
} catch (err) {
  const e = err instanceof SqliteError ? err : undefined;
  process.stdout.write(`failed ${e?.code ?? 'UNKNOWN'} ${err instanceof Error ? err.message : String(err)}\n`);
}
await db.close().catch(() => undefined);
await inner.close();
