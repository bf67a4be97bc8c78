/**
 * An `ObjectStore` that passes every call to another (the S3 store) after `guard()` — so that
 * cancelling the page's work stops the next request (work.ts) — and counts the bytes it got.
 */
import type { ObjectInfo, ObjectStore, RequestCounts, WriteConditions } from '../../src/index.js';

export class GuardedStore implements ObjectStore {
  bytesRead = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly guard: () => void,
  ) {}

  get url(): string {
    return this.inner.url;
  }

  get requests(): RequestCounts {
    return this.inner.requests;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.guard();
    const out = await this.inner.get(key);
    this.bytesRead += out?.length ?? 0;
    this.guard();
    return out;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.guard();
    return this.inner.head(key);
  }

  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.guard();
    return this.inner.put(key, data, conditions);
  }

  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.guard();
    return this.inner.delete(key, conditions);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    this.guard();
    return this.inner.deleteMany(keys);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    for await (const info of this.inner.list(prefix, startAfter)) {
      this.guard();
      yield info;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
