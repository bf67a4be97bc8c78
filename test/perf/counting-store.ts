/**
 * An ObjectStore wrapper for tests: counts GETs (in all and per key), delays each by `delayMs`
 * (so that requests issued together overlap) and records the most GETs in flight at once.
 */
import type { ObjectInfo, ObjectStore, RequestCounts, WriteConditions, DeleteManyOptions } from '../../src/store/object-store.js';

export class CountingStore implements ObjectStore {
  gets = 0;
  readonly getsByKey = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly inner: ObjectStore,
    private readonly delayMs = 0,
  ) {}

  get url(): string {
    return this.inner.url;
  }

  get requests(): RequestCounts {
    return this.inner.requests;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets++;
    this.getsByKey.set(key, (this.getsByKey.get(key) ?? 0) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return await this.inner.get(key);
    } finally {
      this.inFlight--;
    }
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    return this.inner.put(key, data, conditions);
  }

  delete(key: string, conditions?: WriteConditions): Promise<void> {
    return this.inner.delete(key, conditions);
  }

  deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    return this.inner.deleteMany(keys, options);
  }

  list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, startAfter);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
