/**
 * The second guard on block writes, for one writable block file (block-file.ts).
 *
 * A writer under a lease sends every block write through its write fence
 * (store/write-fence.ts): nothing is SENT once a taker may have the lease. A request already on
 * its way when the writer froze can still ARRIVE late, though; so the writable handle also
 * remembers the etag of each block as it last read or wrote it, and overwrites carry
 * `If-Match: <that etag>` — blocks it knows to be absent, `If-None-Match: *`. A write that lands
 * after another writer changed that block is refused by the store (412) and changes nothing.
 * Etags are content hashes on S3 and the directory store: a block that another writer's
 * rollback restored has its old etag again, so the guard cannot replace the fence — it catches
 * the late write only where the other writer's change stands (DESIGN's fence comes first).
 * A refusal is judged by the fence when it comes back: shut — the lease may be another's, the
 * commit fails with BusyError and nothing was written; still open — no one else can have
 * written, so what we knew was stale (a block left behind by an interrupted shrink, our own
 * write that a retry repeated): the block's etag is looked up (HEAD) and the write made against
 * it once more. Blocks whose etag is unknown (never read by this handle, or read through a
 * store that cannot tell, like the disk cache) are overwritten unguarded. Requests: none extra
 * (the etags come with the GETs and PUTs a commit makes anyway), a HEAD per refusal.
 */
import { BusyError, PreconditionFailedError } from '../errors.js';
import type { BlockStore } from '../store/block-store.js';
import type { VersionedObject } from '../store/object-store.js';
import type { WriteFence } from '../store/write-fence.js';

export class BlockVersions {
  /** The etag of each block as the file last read or wrote it (writable files only). */
  readonly #etags = new Map<number, string>();

  constructor(
    private readonly store: BlockStore,
    private readonly readOnly: boolean,
  ) {}

  /** A GET of block `index`: with its etag for a writable file, without (no hashing) for a reader. */
  read(index: number): Promise<VersionedObject | undefined> {
    if (!this.readOnly) return this.store.readVersioned(index);
    return this.store.read(index).then((data) => (data === undefined ? undefined : { data, etag: '' }));
  }

  /** Records the version of block `index` the store holds now; an unknown one (`undefined`, '') is forgotten. */
  learn(index: number, etag: string | undefined): void {
    if (this.readOnly) return;
    if (etag === undefined || etag === '') this.#etags.delete(index);
    else this.#etags.set(index, etag);
  }

  /** Another writer committed: every version known is stale. */
  clear(): void {
    this.#etags.clear();
  }

  /**
   * Writes block `i` under the guard: If-Match its known etag, If-None-Match for a block known
   * absent (`i >= stored`), else unconditional; then learns the new etag. Unfenced writes (no
   * lease) and read-only files write plainly.
   */
  async write(i: number, data: Uint8Array, fence: WriteFence | undefined, stored: number): Promise<void> {
    if (fence === undefined || this.readOnly) {
      await this.store.write(i, data, fence);
      return;
    }
    this.learn(i, await this.#guarded(i, data, fence, stored));
  }

  async #guarded(i: number, data: Uint8Array, fence: WriteFence, stored: number): Promise<string> {
    const known = this.#etags.get(i);
    const guard = known !== undefined ? { ifMatch: known } : i >= stored ? { ifNoneMatch: '*' as const } : {};
    try {
      return await this.store.write(i, data, fence, guard);
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      // Shut: the lease may be someone else's by now — refused, and rightly so (BusyError).
      fence.check(`writing ${this.store.key(i)}`);
    }
    // Open: nobody else can have written; what we knew was stale. Write over what is there.
    const info = await this.store.objects.head(this.store.key(i));
    try {
      return await this.store.write(i, data, fence, info === undefined ? { ifNoneMatch: '*' } : { ifMatch: info.etag });
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      fence.check(`writing ${this.store.key(i)}`);
      throw new BusyError(`${this.store.url}: block ${i} changed under the write lease (another writer?); the transaction cannot commit`, { cause: err });
    }
  }
}
