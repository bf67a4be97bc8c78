/**
 * `import`'s source when a plain database has a `-wal` beside it: the database as SQLite sees it,
 * the log's committed frames applied (pager/wal-attach.ts), rather than the file's raw bytes.
 * Header bytes 18–19 are kept as they are (2: the imported database stays in WAL mode for
 * sqlite3 once exported; s3lite writes it in rollback-journal mode).
 */
import { existsSync } from 'node:fs';
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

/** The WAL view of the plain file `path`, or undefined when no log with committed frames lies beside it. */
export async function walByteSource(path: string, options: GlobalOptions): Promise<WalByteSource | undefined> {
  if (!existsSync(`${path}-wal`)) return undefined;
  const concurrency = options.concurrency;
  const opened = await openLocation({ kind: 'file', path }, { ...storeOptions(options), readonly: true });
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
