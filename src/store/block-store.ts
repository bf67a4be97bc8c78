/**
 * A database's blocks inside an `ObjectStore`: block `i` is the object `P/{i:010d}` (see
 * `block-key.ts`). All blocks have the same size except possibly the last, which may be short;
 * concatenated in index order they are exactly the bytes of the `.sqlite` file.
 *
 * The block size is not recorded anywhere (sqlite-s3vfs does not record it either): for an
 * existing database it is the size of block 0 whenever there is more than one block.
 */
import { blockKey, normalizePrefix, parseBlockKey } from './block-key.js';
import type { ObjectStore, VersionedObject } from './object-store.js';
import type { WriteFence } from './write-fence.js';

export const DEFAULT_BLOCK_SIZE = 4096;

export interface BlockInfo {
  readonly index: number;
  readonly size: number;
}

export class BlockStore {
  readonly prefix: string;

  constructor(
    readonly objects: ObjectStore,
    prefix: string,
  ) {
    this.prefix = normalizePrefix(prefix);
  }

  /** `s3://bucket/prefix`, `/dir/prefix` or `memory:prefix`, for messages. */
  get url(): string {
    return this.objects.url.endsWith(':') ? `${this.objects.url}${this.prefix}` : `${this.objects.url}/${this.prefix}`;
  }

  key(index: number): string {
    return blockKey(this.prefix, index);
  }

  /** The block's bytes, or `undefined` when it does not exist. */
  read(index: number): Promise<Uint8Array | undefined> {
    return this.objects.get(this.key(index));
  }

  /**
   * The block's bytes with its etag, or `undefined` when it does not exist. The etag is `''` when
   * the store cannot tell one (no `getVersioned`): then a writer cannot guard its overwrite.
   */
  async readVersioned(index: number): Promise<VersionedObject | undefined> {
    const key = this.key(index);
    if (this.objects.getVersioned !== undefined) return this.objects.getVersioned(key);
    const data = await this.objects.get(key);
    return data === undefined ? undefined : { data, etag: '' };
  }

  async size(index: number): Promise<number | undefined> {
    return (await this.objects.head(this.key(index)))?.size;
  }

  /**
   * The write fence of the lease these blocks are written under (write-fence.ts), asked when a
   * batch of writes is queued: `undefined` when no lease is held (then writes are unfenced).
   */
  fenceSource: (() => WriteFence | undefined) | undefined;

  /** The fence to give the requests being queued now. */
  currentFence(): WriteFence | undefined {
    return this.fenceSource?.();
  }

  /**
   * Writes block `index`; `fence` (default: the current one) guards the request, `guard` makes it
   * conditional (If-Match / If-None-Match: PreconditionFailedError when refused). Returns the new
   * etag ('' when the store gives none).
   */
  async write(
    index: number,
    data: Uint8Array,
    fence: WriteFence | undefined = this.currentFence(),
    guard: { readonly ifMatch?: string; readonly ifNoneMatch?: '*' } = {},
  ): Promise<string> {
    const conditions = {
      ...(fence === undefined ? {} : { fence }),
      ...(guard.ifMatch === undefined ? {} : { ifMatch: guard.ifMatch }),
      ...(guard.ifNoneMatch === undefined ? {} : { ifNoneMatch: guard.ifNoneMatch }),
    };
    const { etag } = await this.objects.put(this.key(index), data, Object.keys(conditions).length === 0 ? undefined : conditions);
    return etag;
  }

  async deleteBlocks(indices: readonly number[], fence: WriteFence | undefined = this.currentFence()): Promise<void> {
    if (indices.length > 0) await this.objects.deleteMany(indices.map((i) => this.key(i)), fence === undefined ? undefined : { fence });
  }

  /**
   * Every block under the prefix, ascending; keys that are not exactly `P/{10 digits}` are ignored.
   * With `from`, only blocks with index >= `from`: block keys are fixed-width, so key order is
   * block order and the listing starts after the key of block `from - 1` (S3 `StartAfter`),
   * costing requests only for the keys past it.
   */
  async *list(from = 0): AsyncIterable<BlockInfo> {
    const startAfter = from > 0 ? this.key(from - 1) : undefined;
    for await (const info of this.objects.list(`${this.prefix}/`, startAfter)) {
      const index = parseBlockKey(this.prefix, info.key);
      // The filter stays: a wrapper store or an S3-compatible server may ignore StartAfter.
      if (index !== undefined && index >= from) yield { index, size: info.size };
    }
  }
}
