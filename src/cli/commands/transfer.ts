/**
 * `s3lite import SOURCE DEST` and `s3lite export SOURCE DEST`: move the bytes of a database
 * between a plain SQLite file (local path, `-` for stdin/stdout, one S3 object, or an `https://`
 * URL to read from) and blocks (`s3://bucket/prefix` or a block directory), byte for byte.
 * The command decides what an `s3://bucket/k` DEST is, never its name: import writes blocks at
 * `k`, export the one object `k`. A SOURCE `s3://bucket/k` is blocks when `k/0000000000` exists,
 * else the object `k` (as for every reading command).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asBlocks, asObject, formatLocation, type Location } from '../../api/location.js';
import { objectStoreFor, openLocation } from '../../api/open-location.js';
import { AccessDeniedError, BusyError, CantOpenError, IoError, MisuseError, asSqliteError } from '../../errors.js';
import { prepareSafeFile } from '../../pager/commit-protocol.js';
import { BlockStore } from '../../store/block-store.js';
import type { S3ObjectStore } from '../../store/s3-store.js';
import { deserialize, type DeserializeResult } from '../../transfer/deserialize.js';
import { serialize } from '../../transfer/serialize.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';
import { startProgress } from '../progress.js';
import { openUrlSource, type ByteSource } from './url-source.js';
import { walByteSource } from './wal-source.js';

const isBlocks = (l: Location): boolean => l.kind === 's3-blocks' || l.kind === 'block-directory';

export interface ImportOptions extends GlobalOptions {
  /** Replace a database that exists at DEST (default: refuse). */
  readonly replace?: boolean;
}

export async function runImport(sourceSpec: string, destSpec: string, options: ImportOptions): Promise<void> {
  const source = resolveLocation(sourceSpec);
  const dest = asBlocks(resolveLocation(destSpec));
  if (!isBlocks(dest)) {
    throw new MisuseError(
      `import writes blocks: DEST must be s3://bucket/key or a block directory (ending in /), not ${formatLocation(dest)}`,
    );
  }
  if (formatLocation(source) === formatLocation(dest)) {
    throw new MisuseError(`import: SOURCE and DEST are the same database (${formatLocation(dest)})`);
  }
  const input = await openSource(source, options);
  const { objects, prefix } = await objectStoreFor(dest, storeOptions(options));
  const progress = startProgress('import', options.quiet === true);
  let result: DeserializeResult;
  try {
    result = await deserialize(new BlockStore(objects, prefix), input.chunks, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(input.size !== undefined && { sourceSize: input.size }),
      ...(options.replace === true && { replace: true }),
      ...(options.unsafeNoLock === true && { locking: 'none' as const }),
      ...(options.busyTimeout !== undefined && { busyTimeoutMs: options.busyTimeout }),
      lease: { host: hostname(), pid: process.pid },
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    await input.close();
    await objects.close();
  }
  if (options.quiet !== true) {
    const blocks = `${result.blocks} blocks of ${result.blockSize} bytes`;
    const stale = result.removedBlocks > 0 ? `, removed ${result.removedBlocks} stale blocks` : '';
    process.stderr.write(
      result.replaced
        ? `replaced the database at ${formatLocation(dest)} with ${result.bytes} bytes in ${blocks} ` +
            `(the old ${result.journaledBytes} bytes journaled first${stale})\n`
        : `imported ${result.bytes} bytes into ${blocks} at ${formatLocation(dest)}` +
            (stale === '' ? '' : ` (${stale.slice(2)})`) +
            '\n',
    );
  }
}

export async function runExport(sourceSpec: string, destSpec: string, options: GlobalOptions): Promise<void> {
  const source = resolveLocation(sourceSpec);
  const dest = asObject(resolveLocation(destSpec));
  if (source.kind === 'stdio') throw new MisuseError('export reads a database: SOURCE cannot be -');
  if (isBlocks(dest) || dest.kind === 'url') throw new MisuseError('export writes a plain SQLite file; to copy blocks to blocks use import');
  const input = await openSource(source, options);
  const progress = startProgress('export', options.quiet === true);
  let bytes = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of input.chunks) {
      bytes += chunk.length;
      progress.update(bytes, input.size ?? bytes);
      yield chunk;
    }
  };
  try {
    await writeDestination(dest, counted(), options);
  } finally {
    progress.stop();
    await input.close();
  }
  if (options.quiet !== true && dest.kind !== 'stdio') {
    process.stderr.write(`exported ${bytes} bytes to ${formatLocation(dest)}\n`);
  }
}

async function openSource(location: Location, options: GlobalOptions): Promise<ByteSource> {
  switch (location.kind) {
    case 'file': {
      // A `-wal` beside it: import what SQLite would see (its committed frames applied).
      const viaWal = await walByteSource(location, options);
      if (viaWal !== undefined) {
        if (options.quiet !== true) process.stderr.write(`${viaWal.note}\n`);
        return viaWal;
      }
      const info = await stat(location.path).catch((err: unknown) => {
        throw new IoError(`cannot read ${location.path}: ${(err as Error).message}`, { cause: err });
      });
      if (!info.isFile()) throw new MisuseError(`${location.path} is not a file`);
      const stream = createReadStream(location.path, { highWaterMark: 1 << 20 });
      return { chunks: stream, size: info.size, close: async () => void stream.destroy() };
    }
    case 'stdio':
      return { chunks: process.stdin, size: undefined, close: async () => {} };
    case 's3': {
      // Blocks when block 0 exists (the open reads it anyway), else the single object.
      let blocksError: unknown;
      try {
        return await openSource(asBlocks(location), options);
      } catch (err) {
        // A denied block 0 may be a missing one (S3 says 403 without s3:ListBucket): the object decides.
        if (!(err instanceof CantOpenError || err instanceof AccessDeniedError)) throw err;
        blocksError = err;
      }
      return openSource(asObject(location), options).catch((err: unknown) => {
        if (!(err instanceof CantOpenError)) throw err;
        if (blocksError instanceof AccessDeniedError) throw blocksError;
        throw new CantOpenError(
          `unable to open ${formatLocation(location)}: no database there (neither block 0 ${location.key}/0000000000 nor the object ${location.key} exists in bucket ${location.bucket})`,
        );
      });
    }
    case 's3-object': {
      // A WAL-mode object with `k-wal` beside it: import what SQLite would see.
      const viaWal = await walByteSource(location, options);
      if (viaWal !== undefined) {
        if (options.quiet !== true) process.stderr.write(`${viaWal.note}\n`);
        return viaWal;
      }
      const { objects } = await objectStoreFor(location, storeOptions(options));
      const store = objects as S3ObjectStore;
      try {
        // The SDK loads only here, for an S3 source (a local import never pays for it).
        const { GetObjectCommand } = await import('@aws-sdk/client-s3');
        const response = await store.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        const body = response.Body as AsyncIterable<Uint8Array> | undefined;
        if (body === undefined) throw new IoError(`empty response for ${formatLocation(location)}`);
        return { chunks: body, size: response.ContentLength, close: () => store.close() };
      } catch (err) {
        await store.close();
        if ((err as { name?: string }).name === 'NoSuchKey') {
          throw new CantOpenError(`unable to open ${formatLocation(location)}: no such object`);
        }
        throw asSqliteError(err, `cannot read ${formatLocation(location)}`);
      }
    }
    case 'url':
      return openUrlSource(location.url);
    case 's3-blocks':
    case 'block-directory': {
      const opened = await openLocation(location, { ...storeOptions(options), readonly: true, peekJournal: true, verifySize: true });
      try {
        // Through the commit protocol, as every reader: a dead writer's hot journal is rolled back
        // first; while a commit is in flight its journal supplies the pages it overwrites; and a
        // commit that lands during the export makes it fail (the destination is not kept).
        const protocol = await prepareSafeFile(opened.vfs, opened.name, opened.file, {
          readonly: true,
          recover: true,
          ...(opened.journalHead !== undefined && { journalHead: opened.journalHead }),
        });
        const token = await protocol.beginRead();
        const size = await protocol.file.xFileSize();
        const chunks = checkedAtEnd(
          serialize(protocol.file, {
            ...(opened.blockSize !== undefined && { chunkSize: opened.blockSize }),
            ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
          }),
          async () => {
            if (!(await protocol.endRead(token))) {
              throw new BusyError(`a commit to ${formatLocation(location)} landed during the export; export again`);
            }
          },
        );
        return { chunks, size, close: () => opened.close() };
      } catch (err) {
        await opened.close();
        throw err;
      }
    }
  }
}

/** The chunks of `source`, then `check()` before the stream ends (a throw fails the whole copy). */
async function* checkedAtEnd(source: AsyncIterable<Uint8Array>, check: () => Promise<void>): AsyncGenerator<Uint8Array> {
  yield* source;
  await check();
}

async function writeDestination(dest: Location, chunks: AsyncIterable<Uint8Array>, options: GlobalOptions): Promise<void> {
  switch (dest.kind) {
    case 'stdio':
      await pipeline(Readable.from(chunks), process.stdout, { end: false });
      return;
    case 'file': {
      // Write beside the target and rename at the end: never a half-written file under its name.
      const temp = `${dest.path}.s3lite-${process.pid}-${Date.now()}.tmp`;
      try {
        await pipeline(Readable.from(chunks), createWriteStream(temp));
        // A log beside the file being replaced belongs to the old database: sqlite3 would lay
        // its frames over the new one.
        await rm(`${dest.path}-wal`, { force: true });
        await rename(temp, dest.path);
      } catch (err) {
        await rm(temp, { force: true });
        throw asSqliteError(err, `cannot write ${dest.path}`);
      }
      return;
    }
    case 's3-object': {
      const { objects } = await objectStoreFor(dest, storeOptions(options));
      const store = objects as S3ObjectStore;
      try {
        const { Upload } = await import('@aws-sdk/lib-storage');
        const upload = new Upload({
          client: store.client,
          params: { Bucket: dest.bucket, Key: dest.key, Body: Readable.from(chunks) },
          queueSize: Math.min(options.concurrency ?? 4, 16),
          partSize: 8 * 2 ** 20,
        });
        await upload.done();
        // A `k-wal` object beside belongs to the old database (readers apply it): removed.
        await store.delete(`${dest.key}-wal`);
      } catch (err) {
        throw asSqliteError(err, `cannot upload ${formatLocation(dest)}`);
      } finally {
        await store.close();
      }
      return;
    }
    default:
      throw new MisuseError(`cannot export to ${formatLocation(dest)}`);
  }
}
