/**
 * The lowest layer: a flat namespace of small immutable objects addressed by string keys,
 * the common ground of S3, a local directory and memory.
 *
 * Database blocks (`P/0000000000`, …), the rollback journal (`P-journal/…`) and the writer's
 * lease (`P-lock`) are all objects in one `ObjectStore`; `block-store.ts` maps block indices
 * onto keys. Conditional writes (`ifNoneMatch: '*'`, `ifMatch: etag`) follow S3's documented
 * semantics: a failed condition throws `PreconditionFailedError`.
 */
import type { WriteFence } from './write-fence.js';

/** Facts about one stored object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /**
   * Opaque version tag: S3's ETag (quotes included), or an equivalent for other stores.
   * `list()` of the directory store returns `''` here (hashing every file while listing would
   * read the whole database); `head()` always returns a comparable etag.
   */
  readonly etag: string;
  /** When the object was last written, ms since the epoch on the STORE's clock (S3 Last-Modified: whole seconds, truncated), where reported. */
  readonly lastModified?: number;
  /** The store's clock when it answered (S3's `Date` header: whole seconds, truncated), where reported. */
  readonly serverNow?: number;
}

/** An object's bytes with the etag of that version (see `ObjectStore.getVersioned`). */
export interface VersionedObject {
  readonly data: Uint8Array;
  readonly etag: string;
}

/** Conditions for `put` and `delete`, as S3 defines them. */
export interface WriteConditions {
  /** `'*'`: write only when no object exists under the key (S3 `If-None-Match: *`). */
  readonly ifNoneMatch?: '*';
  /** Write/delete only when the current object's etag equals this (S3 `If-Match`). */
  readonly ifMatch?: string;
  /**
   * The writer's fence (write-fence.ts): checked right before the request is sent — for S3,
   * before every attempt of it — and the request is not sent once the fence is shut.
   */
  readonly fence?: WriteFence;
}

/** Options of `deleteMany`: only the fence (S3's DeleteObjects takes no conditions). */
export interface DeleteManyOptions {
  readonly fence?: WriteFence;
}

/** Requests made so far, by kind; benchmarks and tests read these to count round trips. */
export interface RequestCounts {
  get: number;
  head: number;
  put: number;
  delete: number;
  list: number;
}

export function emptyRequestCounts(): RequestCounts {
  return { get: 0, head: 0, put: 0, delete: 0, list: 0 };
}

export interface ObjectStore {
  /** Human-readable location, e.g. `s3://bucket`, `/path/to/dir`, `memory:`. */
  readonly url: string;
  /** Request counters (cumulative since creation). */
  readonly requests: RequestCounts;
  /** The whole object, or `undefined` when no object exists under `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * The whole object with its etag (S3: the GetObject's ETag header), or `undefined` when no
   * object exists under `key`. Optional: a writer that cannot learn which version of a block it
   * read writes that block without the If-Match guard (block-file.ts, "The second guard").
   */
  getVersioned?(key: string): Promise<VersionedObject | undefined>;
  /** Size and etag, or `undefined` when no object exists under `key`. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Stores `data` under `key`, replacing any object; returns the new etag. */
  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }>;
  /** Deletes one object; deleting a missing object is not an error (as in S3). */
  delete(key: string, conditions?: WriteConditions): Promise<void>;
  /** Deletes many objects (batched where the store allows). */
  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void>;
  /**
   * Every object whose key starts with `prefix`, in ascending key order (UTF-8 byte order).
   * With `startAfter`, only the keys that sort strictly after it (S3 ListObjectsV2 `StartAfter`):
   * a listing that resumes mid-prefix costs requests only for the keys it returns. Callers must
   * still tolerate keys at or before `startAfter` (a wrapper or an S3-compatible server may
   * ignore it); the stores of this package never return them.
   */
  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}
