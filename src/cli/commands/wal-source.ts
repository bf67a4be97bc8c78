/**
 * `import`'s source when a plain database (a local file, a single S3 object) has a `-wal` beside it: the database as SQLite sees it,
 * the log's committed frames applied (pager/wal-attach.ts), rather than the file's raw bytes.
 * Header bytes 18–19 are kept as they are (2: the imported database stays in WAL mode for
 * sqlite3 once exported; s3lite writes it in rollback-journal mode).
 */
import { existsSync } from 'node:fs';
import type { Location } from '../../api/location.js';
import { openLocation } from '../../api/open-location.js';
import { serialize } from '../../transfer/serialize.js';
import { storeOptions, type GlobalOptions } from '../context.js';

export interface WalByteSource {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly size: number;
  /** The line to print: what was applied. */
  readonly note: string;
  close(): Promise<void>;
}

/**
 * The WAL view of a plain file or a single S3 object, or undefined when no log with committed
 * frames lies beside it (`X-wal`; for an object whose header says WAL mode, `k-wal`). For an S3
 * object this costs the open's one ranged GET before the import streams the object.
 */
export async function walByteSource(location: Location, options: GlobalOptions): Promise<WalByteSource | undefined> {
  if (location.kind === 'file' && !existsSync(`${location.path}-wal`)) return undefined;
  if (location.kind !== 'file' && location.kind !== 's3-object') return undefined;
  const concurrency = options.concurrency;
  const opened = await openLocation(location, { ...storeOptions(options), readonly: true });
  if (opened.wal?.state !== 'applied') {
    await opened.close();
    return undefined;
  }
  try {
    const size = await opened.file.xFileSize();
    const { frames, commits, pages, name } = opened.wal;
    return {
      chunks: serialize(opened.file, { ...(concurrency !== undefined && { concurrency }) }),
      size,
      note: `applied ${frames} frames (${commits} transactions, ${pages} pages) of ${name}`,
      close: () => opened.close(),
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}
