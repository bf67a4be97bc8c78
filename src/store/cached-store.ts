/**
 * A persistent local cache of database blocks in front of a remote `ObjectStore` (S3), so that
 * inspecting an unchanged database again costs one request: the GET of block 0.
 *
 * What is trusted, and when
 * -------------------------
 * Every SQLite commit in rollback-journal mode increments the file change counter, the 4-byte
 * big-endian integer at offset 24 of the database header, which lives in block 0
 * (https://www.sqlite.org/fileformat2.html#file_change_counter). So the blocks of a database
 * are known unchanged for exactly as long as block 0 is:
 *
 *   1. A GET of block 0 (`P/0000000000`) goes to the remote store — it is how a reader opens a
 *      database (`BlockVfs.xOpen`) and how the pager refreshes its header. (One exception, see
 *      `block0MaxAgeMs`: a repeat within a second, while everything read since came from the cache.)
 *   2. If it begins with the SQLite magic, is not in WAL mode (header bytes 18/19 are 1: a WAL
 *      database changes without touching block 0), and is byte for byte the block 0 kept in
 *      the cache (which implies the same change counter), the prefix is *validated* for this
 *      session: GETs of its other blocks are served from the cache when present (else fetched
 *      and then kept), and HEADs of its blocks are answered from the cache, including "no such
 *      block" for blocks seen missing before.
 *   3. Otherwise every cached object of the prefix is dropped and the new block 0 kept: the
 *      cache starts over for the new state.
 *   4. Any write or delete through this store under a prefix (a commit) un-validates that
 *      prefix; the next GET of its block 0 decides again.
 *
 * Anything that is not a block of a database (journals: no SQLite magic in their block 0; the
 * lease object; listings) passes straight through. Bytes served from the cache are as
 * untrusted as the remote's: the pager and the b-tree validate everything they read.
 *
 * Cache layout: the remote's objects keep their keys under a namespace derived from the
 * remote's URL (bucket): `{namespace}/{P}/0000000042`, plus `{namespace}/{P}/0000000042.absent`
 * markers for blocks known not to exist and `….size` markers holding the size a HEAD returned
 * for a block whose bytes were never fetched. The cache itself is any `ObjectStore`: a
 * `DirectoryObjectStore` on a local directory (`cacheDir`) in Node, memory or IndexedDB elsewhere
 * — this file imports nothing from `node:*`.
 *
 * Concurrent GETs of the same key share one request (a read-ahead that asks for four pages of
 * one 64 KiB block costs one GET).
 */
import { parseBlockKey } from './block-key.js';
import type { DeleteManyOptions, ObjectInfo, ObjectStore, RequestCounts, WriteConditions } from './object-store.js';

export interface CachedObjectStoreOptions {
  /** Where cached blocks are kept (for `cacheDir`: a DirectoryObjectStore on that directory). */
  readonly cache: ObjectStore;
  /** Namespace of this remote inside the cache (default: derived from `remote.url`). */
  readonly namespace?: string;
  /**
   * A GET of block 0 repeated within this many milliseconds of the GET that validated the prefix
   * is answered from memory — but only while every block read since then came from the cache,
   * so that what the reader has seen is exactly the validated snapshot (default 1000; 0 turns
   * it off). Opening a database reads block 0 twice (header, then page 1): this makes a repeated
   * inspection of an unchanged database cost one request.
   */
  readonly block0MaxAgeMs?: number;
  /** Clock for block0MaxAgeMs (tests). */
  readonly now?: () => number;
}

/** What happened so far (for tests and benchmarks). */
export interface CacheCounts {
  /** GETs and HEADs answered from the cache. */
  hits: number;
  /** Block GETs that went to the remote store. */
  misses: number;
  /** Times a prefix's cached blocks were dropped because block 0 changed. */
  invalidations: number;
}

/** "SQLite format 3\0" (fileformat2.html#the_database_header). */
const MAGIC = [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00];
const ABSENT_SUFFIX = '.absent';
/** A block whose size a HEAD told us (its bytes not fetched): the size in decimal. */
const SIZE_SUFFIX = '.size';

export class CachedObjectStore implements ObjectStore {
  readonly cache: ObjectStore;
  readonly namespace: string;
  readonly counts: CacheCounts = { hits: 0, misses: 0, invalidations: 0 };
  /** Prefixes validated in this session, each with the generation it was validated in. */
  private readonly validated = new Map<string, number>();
  /** Bumped whenever any prefix loses its validation: a fetch started before must not fill the cache. */
  private generation = 0;
  private readonly inflight = new Map<string, Promise<Uint8Array | undefined>>();
  /** Per validated prefix: block 0 as validated, when, and whether only cache hits followed. */
  private readonly fresh = new Map<string, { data: Uint8Array; at: number; gen: number }>();
  private readonly block0MaxAgeMs: number;
  private readonly now: () => number;

  constructor(
    readonly remote: ObjectStore,
    options: CachedObjectStoreOptions,
  ) {
    this.cache = options.cache;
    this.namespace = options.namespace ?? namespaceFor(remote.url);
    this.block0MaxAgeMs = options.block0MaxAgeMs ?? 1000;
    this.now = options.now ?? (() => Date.now());
  }

  get url(): string {
    return this.remote.url;
  }

  /** The remote store's requests: what the cache is there to save. */
  get requests(): RequestCounts {
    return this.remote.requests;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const block = splitBlockKey(key);
    if (block === undefined) return this.remoteGet(key);
    const { prefix, index } = block;
    if (index === 0) return this.getBlock0(key, prefix);
    const gen = this.validated.get(prefix);
    if (gen === undefined) return this.remoteGet(key);
    const cached = await this.cache.get(this.cacheKey(key));
    if (cached !== undefined && this.validated.get(prefix) === gen) {
      this.counts.hits++;
      return cached;
    }
    this.counts.misses++;
    this.fresh.delete(prefix);
    const data = await this.remoteGet(key);
    if (this.validated.get(prefix) === gen && gen === this.generation) {
      if (data === undefined) await this.cache.put(this.cacheKey(key) + ABSENT_SUFFIX, new Uint8Array(0));
      else await this.cache.put(this.cacheKey(key), data);
    }
    return data;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const block = splitBlockKey(key);
    const gen = block === undefined || block.index === 0 ? undefined : this.validated.get(block.prefix);
    if (block === undefined || gen === undefined) return this.remote.head(key);
    const cacheKey = this.cacheKey(key);
    const still = (): boolean => this.validated.get(block.prefix) === gen;
    const info = await this.cache.head(cacheKey);
    if (info !== undefined && still()) {
      this.counts.hits++;
      // The etag is the cache's, not the remote's: blocks are never written conditionally.
      return { key, size: info.size, etag: info.etag };
    }
    const sized = await this.cache.get(cacheKey + SIZE_SUFFIX);
    const size = sized === undefined ? NaN : Number(new TextDecoder().decode(sized));
    if (Number.isSafeInteger(size) && size >= 0 && still()) {
      this.counts.hits++;
      return { key, size, etag: '' };
    }
    if ((await this.cache.head(cacheKey + ABSENT_SUFFIX)) !== undefined && still()) {
      this.counts.hits++;
      return undefined;
    }
    this.fresh.delete(block.prefix);
    const remote = await this.remote.head(key);
    if (still() && gen === this.generation) {
      if (remote === undefined) await this.cache.put(cacheKey + ABSENT_SUFFIX, new Uint8Array(0));
      else await this.cache.put(cacheKey + SIZE_SUFFIX, new TextEncoder().encode(String(remote.size)));
    }
    return remote;
  }

  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.unvalidate(key);
    try {
      return await this.remote.put(key, data, conditions);
    } finally {
      this.unvalidate(key);
    }
  }

  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.unvalidate(key);
    try {
      await this.remote.delete(key, conditions);
    } finally {
      this.unvalidate(key);
    }
  }

  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    for (const key of keys) this.unvalidate(key);
    try {
      await this.remote.deleteMany(keys, options);
    } finally {
      for (const key of keys) this.unvalidate(key);
    }
  }

  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.remote.list(prefix, startAfter);
  }

  async close(): Promise<void> {
    await this.remote.close();
    await this.cache.close();
  }

  private cacheKey(key: string): string {
    return `${this.namespace}/${key}`;
  }

  /** One remote GET per key at a time: concurrent callers share it. */
  private remoteGet(key: string): Promise<Uint8Array | undefined> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return pending;
    const p = this.remote.get(key).finally(() => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    });
    this.inflight.set(key, p);
    return p;
  }

  private async getBlock0(key: string, prefix: string): Promise<Uint8Array | undefined> {
    const f = this.fresh.get(prefix);
    if (f !== undefined && f.gen === this.generation && this.validated.get(prefix) === f.gen && this.now() - f.at <= this.block0MaxAgeMs) {
      this.counts.hits++;
      return f.data.slice();
    }
    this.fresh.delete(prefix);
    const gen = this.generation;
    const started = this.now();
    const data = await this.remoteGet(key);
    if (data === undefined || !cacheable(data)) {
      // Not a database we can vouch for (e.g. a journal's first block, or none): nothing of this
      // prefix is trusted. Other prefixes are untouched — no write happened.
      this.validated.delete(prefix);
      this.fresh.delete(prefix);
      return data;
    }
    const cacheKey = this.cacheKey(key);
    const cached = await this.cache.get(cacheKey);
    if (gen !== this.generation) return data; // a write raced with us: decide on the next GET
    if (cached !== undefined && sameBytes(cached, data)) {
      this.validate(prefix, data, started);
      return data;
    }
    // A new state (or a first visit): drop every cached object of this prefix, keep block 0.
    this.validated.delete(prefix);
    if (cached !== undefined) this.counts.invalidations++;
    const stale: string[] = [];
    const dir = `${this.cacheKey(prefix)}/`;
    for await (const info of this.cache.list(dir)) {
      if (!info.key.slice(dir.length).includes('/')) stale.push(info.key);
    }
    if (stale.length > 0) await this.cache.deleteMany(stale);
    await this.cache.put(cacheKey, data);
    if (gen === this.generation) this.validate(prefix, data, started);
    return data;
  }

  private validate(prefix: string, data: Uint8Array, at: number): void {
    this.validated.set(prefix, this.generation);
    if (this.block0MaxAgeMs > 0) this.fresh.set(prefix, { data: data.slice(), at, gen: this.generation });
  }

  private unvalidate(key: string): void {
    const block = splitBlockKey(key);
    if (block === undefined) return;
    this.validated.delete(block.prefix);
    this.fresh.delete(block.prefix);
    this.generation++;
  }
}

function splitBlockKey(key: string): { prefix: string; index: number } | undefined {
  const slash = key.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const prefix = key.slice(0, slash);
  const index = parseBlockKey(prefix, key);
  return index === undefined ? undefined : { prefix, index };
}

/** A database block 0 whose state block 0 pins down: SQLite magic, rollback-journal mode (not WAL). */
function cacheable(block0: Uint8Array): boolean {
  if (block0.length < 100) return false;
  for (let i = 0; i < MAGIC.length; i++) if (block0[i] !== MAGIC[i]) return false;
  return block0[18] === 1 && block0[19] === 1;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `s3://my-bucket` → `s3_my-bucket-1f3a9c2e`: readable, and distinct for distinct URLs (FNV-1a). */
export function namespaceFor(url: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) {
    h ^= url.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const readable = url.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return `${readable || 'store'}-${h.toString(16).padStart(8, '0')}`;
}
