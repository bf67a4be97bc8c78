import type { S3ObjectStoreOptions } from '../store/s3-store.js';

/** Options shared by everything that opens a database location. */
export interface StoreOptions {
  /** S3 endpoint URL (any S3-compatible server); default: the SDK's usual sources / AWS. */
  readonly endpoint?: string;
  /** S3 region; default: the SDK's usual sources, else us-east-1. */
  readonly region?: string;
  /**
   * S3 credentials; default: the SDK's credential chain (environment, profile, instance role, …).
   * In a browser, which has no such chain, pass them here.
   */
  readonly credentials?: S3ObjectStoreOptions['credentials'];
  /** Use path-style S3 URLs (default: true when an endpoint is given). */
  readonly forcePathStyle?: boolean;
  /** Bytes per block object for new databases (default 4096). */
  readonly blockSize?: number;
  /** Requests in flight at once (default 64). */
  readonly concurrency?: number;
  /**
   * A local directory that keeps the blocks read from S3, trusted while block 0 (the change
   * counter) is unchanged: inspecting an unchanged database again costs one GET. Node only.
   */
  readonly cacheDir?: string;
}
