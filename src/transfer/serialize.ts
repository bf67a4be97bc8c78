/**
 * Export: the bytes of a database, in order, exactly as the standard `.sqlite` file holds them
 * (sqlite-s3vfs calls this `serialize`).
 *
 * Reads go through the VFS in chunks aligned to the source's block size, so that each chunk of
 * a block file is one GET; up to `concurrency` chunks are in flight ahead of the consumer, so
 * memory stays bounded by `concurrency × chunkSize` however large the database is.
 */
import { CantOpenError, NotADatabaseError } from '../errors.js';
import { DATABASE_MAGIC } from '../format/db-header.js';
import type { VfsFile } from '../vfs/vfs.js';

/** What serializing reads: any file's size and bytes (a `VfsFile`, or the commit protocol's view of one). */
export type ReadableFile = Pick<VfsFile, 'xRead' | 'xFileSize'>;

export interface SerializeOptions {
  /** Bytes per read; defaults to the file's block size, else 1 MiB. */
  readonly chunkSize?: number;
  /** Reads in flight ahead of the consumer (default 64, as for import and commits). */
  readonly concurrency?: number;
  /** Called after each chunk is yielded, with bytes done and bytes in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

const DEFAULT_CONCURRENCY = 64;
const DEFAULT_PLAIN_CHUNK = 1 << 20;

/** Yields the whole file as consecutive chunks; throws `CantOpenError` when there is no file. */
export async function* serialize(file: ReadableFile, options: SerializeOptions = {}): AsyncGenerator<Uint8Array> {
  const total = await file.xFileSize();
  if (total === 0) throw new CantOpenError('there is no database here (no blocks / empty file)');
  const blockSize = (file as { blockSize?: unknown }).blockSize;
  const chunkSize = options.chunkSize ?? (typeof blockSize === 'number' && blockSize > 0 ? blockSize : DEFAULT_PLAIN_CHUNK);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);

  const inFlight: Promise<Uint8Array>[] = [];
  let nextOffset = 0;
  let done = 0;
  const launch = (): void => {
    while (inFlight.length < concurrency && nextOffset < total) {
      const amount = Math.min(chunkSize, total - nextOffset);
      const read = file.xRead(amount, nextOffset);
      // A rejection is observed when the chunk's turn comes; until then, keep Node from
      // reporting it as unhandled.
      read.catch(() => undefined);
      inFlight.push(read);
      nextOffset += amount;
    }
  };
  launch();
  while (inFlight.length > 0) {
    const chunk = await inFlight.shift()!;
    if (done === 0) assertDatabaseHeader(chunk, total);
    launch();
    done += chunk.length;
    yield chunk;
    options.onProgress?.(done, total);
  }
}

function assertDatabaseHeader(first: Uint8Array, total: number): void {
  const head = first.subarray(0, DATABASE_MAGIC.length);
  if (total < 100 || !DATABASE_MAGIC.every((b, i) => head[i] === b)) {
    throw new NotADatabaseError('the source does not start with a SQLite database header');
  }
}

/** Collects `serialize` into one array (for small databases and tests). */
export async function serializeToBytes(file: ReadableFile, options?: SerializeOptions): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of serialize(file, options)) {
    parts.push(chunk);
    size += chunk.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The same bytes as a web `ReadableStream` (browsers, edge workers, `Response` bodies). */
export function serializeToReadableStream(file: ReadableFile, options?: SerializeOptions): ReadableStream<Uint8Array> {
  const chunks = serialize(file, options);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
