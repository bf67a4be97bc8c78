/**
 * Uploads blocks with at most `concurrency` PUTs in flight, for import: a counter and one waiter,
 * so each block costs O(1) bookkeeping (no Promise.race over every upload in flight).
 *
 * After the first failed upload no new one starts; `drain()` waits for those in flight and
 * `failure` holds the first error. `beforeEach` runs before every PUT is sent (the writer lease's
 * `check()`: no block goes out once the lease is lost or past its deadline); a throw there counts
 * as that upload's failure.
 */
import type { BlockStore } from '../store/block-store.js';

export class BlockUploader {
  #inFlight = 0;
  #wake: (() => void) | undefined;
  /** The first upload error, if any. */
  failure: unknown;
  /** Whether an upload has failed (then `add` starts nothing more). */
  failed = false;

  constructor(
    readonly target: BlockStore,
    readonly concurrency: number,
    readonly onUploaded: (bytes: number) => void = () => {},
    readonly beforeEach: () => void = () => {},
  ) {}

  /** Starts uploading block `index` once a slot is free (resolves when it has started, not finished). */
  async add(index: number, data: Uint8Array): Promise<void> {
    while (this.#inFlight >= this.concurrency) await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.failed) return;
    try {
      this.beforeEach();
    } catch (err) {
      this.#fail(err);
      return;
    }
    this.#inFlight++;
    this.target.write(index, data).then(
      () => {
        this.onUploaded(data.length);
        this.#settled();
      },
      (err: unknown) => {
        this.#fail(err);
        this.#settled();
      },
    );
  }

  /** Waits until no upload is in flight. Never throws (see `failure`). */
  async drain(): Promise<void> {
    while (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** `drain()`, then throws the first failure, if any. */
  async finish(): Promise<void> {
    await this.drain();
    if (this.failed) throw this.failure;
  }

  #fail(err: unknown): void {
    if (!this.failed) {
      this.failed = true;
      this.failure = err;
    }
  }

  #settled(): void {
    this.#inFlight--;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
