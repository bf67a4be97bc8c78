/**
 * `--cache-dir` for single objects (src/vfs/range-file.ts `RangeCache`): the pages of one VERSION
 * of a remote object, kept in any `ObjectStore` (a directory in Node). A version is what the
 * object was pinned to at open (its ETag, version id or Last-Modified, plus its size), so pages
 * kept for it are exactly that version's bytes: they are trusted for as long as the object's
 * open answers with the same version, and never served for another one.
 *
 * Layout in the cache store: `ranges/{namespace}/{version}/{unit:010d}` where namespace is derived
 * from the object's URL (namespaceFor, as cached-store.ts) and version is a filesystem-safe hash.
 * Pages of older versions are dropped the first time a newer version of the object is read.
 * Bytes read from the cache are as untrusted as the remote's: the pager validates every page.
 */
import { namespaceFor } from './cached-store.js';
import type { ObjectStore } from './object-store.js';
import type { RangeCache } from '../vfs/range-file.js';

export class ObjectStoreRangeCache implements RangeCache {
  readonly #root: string;
  #cleaned: string | undefined;

  constructor(
    readonly store: ObjectStore,
    /** The object's URL (redacted: no credentials), which names its place in the cache. */
    url: string,
  ) {
    this.#root = `ranges/${namespaceFor(url)}/`;
  }

  #key(version: string, unit: number, unitSize: number): string {
    return `${this.#root}${namespaceFor(version)}/${unitSize}-${String(unit).padStart(10, '0')}`;
  }

  async get(version: string, unit: number, unitSize: number): Promise<Uint8Array | undefined> {
    this.#dropOthers(version);
    return this.store.get(this.#key(version, unit, unitSize));
  }

  async put(version: string, unit: number, unitSize: number, bytes: Uint8Array): Promise<void> {
    this.#dropOthers(version);
    await this.store.put(this.#key(version, unit, unitSize), bytes);
  }

  /** Once per version seen: delete the pages kept for any other version of this object (in the background). */
  #dropOthers(version: string): void {
    if (this.#cleaned === version) return;
    this.#cleaned = version;
    const keep = `${this.#root}${namespaceFor(version)}/`;
    void (async () => {
      const stale: string[] = [];
      for await (const info of this.store.list(this.#root)) if (!info.key.startsWith(keep)) stale.push(info.key);
      if (stale.length > 0) await this.store.deleteMany(stale);
    })().catch(() => undefined);
  }
}
