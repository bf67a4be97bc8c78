/**
 * An `ObjectStore` held in memory: for tests, for scratch databases and for browsers.
 * It enforces conditional writes exactly as S3 documents them.
 */
import { PreconditionFailedError } from '../errors.js';
import {
  emptyRequestCounts,
  type ObjectInfo,
  type VersionedObject,
  type ObjectStore,
  type RequestCounts,
  type DeleteManyOptions,
  type WriteConditions,
} from './object-store.js';

interface Entry {
  readonly data: Uint8Array;
  readonly etag: string;
}

export class MemoryObjectStore implements ObjectStore {
  readonly url = 'memory:';
  readonly requests: RequestCounts = emptyRequestCounts();
  private readonly objects = new Map<string, Entry>();
  private version = 0;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.requests.get++;
    const entry = this.objects.get(key);
    return entry === undefined ? undefined : entry.data.slice();
  }

  async getVersioned(key: string): Promise<VersionedObject | undefined> {
    this.requests.get++;
    const entry = this.objects.get(key);
    return entry === undefined ? undefined : { data: entry.data.slice(), etag: entry.etag };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.requests.head++;
    const entry = this.objects.get(key);
    return entry === undefined ? undefined : { key, size: entry.data.length, etag: entry.etag };
  }

  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.requests.put++;
    this.check(key, conditions);
    const etag = `"m${++this.version}"`;
    this.objects.set(key, { data: data.slice(), etag });
    return { etag };
  }

  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.requests.delete++;
    this.check(key, conditions);
    this.objects.delete(key);
  }

  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    this.requests.delete++;
    options?.fence?.check(`deleting ${keys[0] ?? 'nothing'}`);
    for (const key of keys) this.objects.delete(key);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    this.requests.list++;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (startAfter === undefined || compareKeys(k, startAfter) > 0))
      .sort(compareKeys);
    for (const key of keys) {
      const entry = this.objects.get(key);
      if (entry !== undefined) yield { key, size: entry.data.length, etag: entry.etag };
    }
  }

  async close(): Promise<void> {}

  private check(key: string, conditions: WriteConditions | undefined): void {
    if (conditions === undefined) return;
    conditions.fence?.check(`writing ${key}`);
    const current = this.objects.get(key);
    if (conditions.ifNoneMatch === '*' && current !== undefined) throw new PreconditionFailedError(key);
    if (conditions.ifMatch !== undefined && current?.etag !== conditions.ifMatch) {
      throw new PreconditionFailedError(key);
    }
  }
}

/** S3 lists keys in UTF-8 binary order; for the ASCII keys we write this equals code-unit order. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
