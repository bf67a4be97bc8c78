/**
 * Turns a parsed `Location` into an open `VfsFile` (and the store behind it).
 *
 * `s3://bucket/k` (kind 's3'): blocks when `k/0000000000` exists, else the single object `k`,
 * else CantOpenError naming both keys (DESIGN.md, "Locations"). The look costs the block layout
 * nothing: opening blocks GETs block 0 anyway; only when that is missing is object `k` asked for
 * — by the ranged GET that opens it (src/vfs/range-file.ts), whose answer also gives its size.
 * A single object (S3 or an `https://` URL) opens as a read-only `RangeFile` inside a
 * `SingleFileVfs` (no journal, no lease: every write is ReadOnlyError).
 *
 * Node-only pieces (the directory store, the plain-file VFS) are loaded on demand (node-only.ts),
 * so this module — and `Database.open` with S3 or memory stores — still loads and bundles for a
 * browser or an edge worker.
 */
import { AccessDeniedError, CantOpenError, MisuseError } from '../errors.js';
import { fetchJournalHead } from '../pager/commit-protocol.js';
import type { ObjectStore } from '../store/object-store.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import type { LeaseOptions } from '../vfs/lease.js';
import { RangeFile, SingleFileVfs, type RangeCache, type RangeSource } from '../vfs/range-file.js';
import type { Vfs, VfsFile } from '../vfs/vfs.js';
import { OpenFlags } from '../vfs/vfs.js';
import { asBlocks, asObject, formatLocation, type Location } from './location.js';
import { loadDirectoryStore, loadPlainFileVfs } from './node-only.js';
import type { StoreOptions } from './store-options.js';
import { attachWal, attachWalFile, ignoredWalWarning, type WalSummary } from '../pager/wal-attach.js';

export interface OpenedLocation {
  readonly file: VfsFile;
  /** The VFS the file was opened through, and the file's name in it (its journal is `${name}-journal`). */
  readonly vfs: Vfs;
  readonly name: string;
  /** The object store holding the blocks, for block locations. */
  readonly objects: ObjectStore | undefined;
  /** Block size of a block location (of the existing blocks, or the one new blocks will get). */
  readonly blockSize: number | undefined;
  readonly url: string;
  /** With `peekJournal`: the journal's first block (undefined when there is none). */
  readonly journalHead?: Promise<Uint8Array | undefined>;
  /** The write-ahead log found beside a plain database, and what was done with it. */
  readonly wal?: WalSummary;
  close(): Promise<void>;
}

export interface OpenLocationOptions extends StoreOptions {
  /** Create the database file when it does not exist (default false: CantOpenError). */
  readonly create?: boolean;
  readonly readonly?: boolean;
  /** The writer's lease (block locations): timing and busy timeout. */
  readonly lease?: LeaseOptions;
  /**
   * Also fetch the first block of the database's journal, in parallel with the open (block
   * locations): the commit protocol's hot-journal check then costs no round trip of its own
   * (`OpenedLocation.journalHead`, for `prepareSafeFile`'s `journalHead`).
   */
  readonly peekJournal?: boolean;
  /**
   * Confirm a block database's size with two HEADs instead of trusting its header (BlockVfs
   * `verifySize`): export, which must copy exactly the file that is there.
   */
  readonly verifySize?: boolean;
  /** Where a single object's one-line warnings go (default: console.warn). */
  readonly warn?: (line: string) => void;
}

/** The object store and key prefix of a block location (`s3` locations are taken as blocks). */
export async function objectStoreFor(
  location: Location,
  options: StoreOptions,
): Promise<{ objects: ObjectStore; prefix: string }> {
  const where = asBlocks(location);
  switch (where.kind) {
    case 's3-blocks':
    case 's3-object': {
      const objects = await s3StoreFor(where.bucket, options);
      const prefix = where.kind === 's3-blocks' ? where.prefix : where.key;
      if (options.cacheDir === undefined || where.kind !== 's3-blocks') return { objects, prefix };
      const [{ CachedObjectStore }, { DirectoryObjectStore }] = await Promise.all([
        import('../store/cached-store.js'),
        loadDirectoryStore(),
      ]);
      const cache = new DirectoryObjectStore(options.cacheDir, { sync: false });
      return { objects: new CachedObjectStore(objects, { cache }), prefix };
    }
    case 'block-directory': {
      const { DirectoryObjectStore } = await loadDirectoryStore();
      const { root, name } = splitDirectory(where.path);
      return { objects: new DirectoryObjectStore(root), prefix: name };
    }
    default:
      throw new MisuseError(`${formatLocation(location)} is not a block location`);
  }
}

/** An S3ObjectStore for `bucket` with the options' endpoint, region and sockets. */
export async function s3StoreFor(bucket: string, options: StoreOptions): Promise<import('../store/s3-store.js').S3ObjectStore> {
  const { S3ObjectStore } = await import('../store/s3-store.js');
  return new S3ObjectStore({
    bucket,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.region !== undefined && { region: options.region }),
    ...(options.forcePathStyle !== undefined && { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    ...(options.concurrency !== undefined && { maxSockets: options.concurrency }),
  });
}

export async function openLocation(location: Location, options: OpenLocationOptions = {}): Promise<OpenedLocation> {
  const flags = openFlags(options);
  const url = formatLocation(location);
  if (location.kind === 'file') {
    const { PlainFileVfs } = await loadPlainFileVfs();
    const vfs = new PlainFileVfs();
    const opened = await vfs.xOpen(location.path, flags);
    // A `-wal` beside it: read through it, or (a writer) checkpoint it first (pager/wal-attach.ts).
    const { file, wal } = await attachWalOrClose(vfs, location.path, opened, options.readonly === true);
    const warning = wal === undefined ? undefined : ignoredWalWarning(wal);
    if (warning !== undefined) (options.warn ?? ((line) => globalThis.console?.warn(line)))(`warning: ${warning}`);
    return { file, vfs, name: location.path, objects: undefined, blockSize: undefined, url, ...(wal !== undefined && { wal }), close: () => file.xClose() };
  }
  if (location.kind === 's3-object' || location.kind === 'url') {
    const single = await openSingleObject(location, options);
    if (single === undefined) throw new CantOpenError(`unable to open ${url}: no such ${location.kind === 'url' ? 'URL (HTTP 404)' : 'object'}`);
    return single;
  }
  if (location.kind === 's3' || location.kind === 's3-blocks' || location.kind === 'block-directory') {
    let blocksError: unknown;
    try {
      return await openBlocks(location, options, url);
    } catch (err) {
      // `s3://bucket/k` without block 0: the single object `k`, if there is one. S3 answers 403
      // rather than 404 for a missing key to a caller without s3:ListBucket, so a denied block 0
      // may just be a missing one: the object decides.
      if (location.kind !== 's3' || options.create === true || !(err instanceof CantOpenError || err instanceof AccessDeniedError)) throw err;
      blocksError = err;
    }
    const single = await openSingleObject(asObject(location), options);
    if (single === undefined) {
      if (blocksError instanceof AccessDeniedError) throw blocksError;
      throw new CantOpenError(
        `unable to open ${url}: no database there (neither block 0 ${location.key}/0000000000 nor the object ${location.key} exists in bucket ${location.bucket})`,
      );
    }
    return single;
  }
  throw new MisuseError(`${url} cannot be opened as a database here (it is standard input/output)`);
}

async function openBlocks(location: Location, options: OpenLocationOptions, url: string): Promise<OpenedLocation> {
  // The persistent block cache serves readers only: a writer must see block 0 as it is now.
  const { cacheDir: _cacheDir, ...uncached } = options;
  const { objects, prefix } = await objectStoreFor(location, options.readonly === true ? options : uncached);
  let journalHead: Promise<Uint8Array | undefined> | undefined;
  try {
    const vfs = new BlockVfs(objects, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
      ...(options.lease !== undefined && { lease: options.lease }),
      ...(options.verifySize === true && { verifySize: true }),
    });
    // The journal is looked at once block 0 has been read (never before: commit-protocol.ts,
    // "Readers"), alongside the size probe.
    const file = await vfs.xOpen(prefix, openFlags(options), () => {
      if (options.peekJournal === true) journalHead = fetchJournalHead(vfs, prefix);
    });
    return {
      file,
      vfs,
      name: prefix,
      ...(journalHead !== undefined && { journalHead }),
      objects,
      blockSize: file.blockSize,
      url,
      close: async () => {
        try {
          await file.xClose();
        } finally {
          await objects.close();
        }
      },
    };
  } catch (err) {
    // Let the journal look finish first: a request cut off by closing the client is sent again
    // by the SDK's retry (a wasted request on the probe's path to a single object).
    await journalHead?.catch(() => undefined);
    await objects.close();
    throw err;
  }
}

/**
 * A single object (S3) or URL, opened read-only by ranges: one request, or `undefined` when it
 * does not exist.
 */
export async function openSingleObject(location: Location, options: OpenLocationOptions = {}): Promise<OpenedLocation | undefined> {
  const url = formatLocation(location);
  let source: RangeSource;
  let name: string;
  if (location.kind === 's3-object') {
    const { S3ObjectRanges } = await import('../store/s3-object-ranges.js');
    source = new S3ObjectRanges(await s3StoreFor(location.bucket, options), location.key);
    name = location.key;
  } else if (location.kind === 'url') {
    const { HttpRanges } = await import('../store/http-ranges.js');
    source = new HttpRanges(location.url);
    name = url;
  } else {
    throw new MisuseError(`${url} is not a single object`);
  }
  const readOnlyMessage = `${url} is a single ${location.kind === 'url' ? 'file at a URL' : 'object'}, read-only here: import it into blocks to change it (s3lite import ${url} s3://bucket/prefix)`;
  let cache: { range: RangeCache; close: () => Promise<void> } | undefined;
  try {
    if (options.cacheDir !== undefined) {
      const [{ ObjectStoreRangeCache }, { DirectoryObjectStore }] = await Promise.all([
        import('../store/range-cache.js'),
        loadDirectoryStore(),
      ]);
      const store = new DirectoryObjectStore(options.cacheDir, { sync: false });
      cache = { range: new ObjectStoreRangeCache(store, url), close: () => store.close() };
    }
    const file = await RangeFile.open(source, {
      readOnlyMessage,
      warn: options.warn ?? ((line) => globalThis.console?.warn(line)),
      ...(cache !== undefined && { cache: cache.range }),
    });
    if (file === undefined) {
      await source.close();
      await cache?.close();
      return undefined;
    }
    // A WAL-mode object with `k-wal` beside it: read through the log (pager/wal-attach.ts).
    const { file: viewed, wal } =
      location.kind === 's3-object' ? await attachObjectWal(file, location, options, readOnlyMessage) : { file, wal: undefined };
    return {
      file: viewed,
      vfs: new SingleFileVfs(name, viewed, readOnlyMessage),
      name,
      objects: undefined,
      blockSize: undefined,
      url,
      ...(wal !== undefined && { wal }),
      close: async () => {
        try {
          await viewed.xClose();
        } finally {
          await cache?.close();
        }
      },
    };
  } catch (err) {
    await source.close();
    await cache?.close();
    throw err;
  }
}

function openFlags(options: OpenLocationOptions): number {
  return (
    (options.readonly === true ? OpenFlags.SQLITE_OPEN_READONLY : OpenFlags.SQLITE_OPEN_READWRITE) |
    (options.create === true ? OpenFlags.SQLITE_OPEN_CREATE : 0) |
    OpenFlags.SQLITE_OPEN_MAIN_DB
  );
}

/** `/a/b/db` → root `/a/b`, name `db` (the blocks are `/a/b/db/0000000000`, the journal `/a/b/db-journal/…`). */
export function splitDirectory(path: string): { root: string; name: string } {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { root: '.', name: trimmed };
  return { root: slash === 0 ? '/' : trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}

/**
 * The `k-wal` object beside a single object `k` whose header says WAL mode (bytes 18–19 = 2),
 * read by ranges pinned like `k`'s, applied as SQLite applies it. A database whose header says
 * rollback mode is not looked for a log (SQLite would apply one, but such a pair only comes from a
 * crash while switching modes): the lookup costs one request, which only WAL-mode objects pay.
 * Closes `file` when it fails.
 */
async function attachObjectWal(
  file: VfsFile,
  location: { readonly bucket: string; readonly key: string },
  options: OpenLocationOptions,
  readOnlyMessage: string,
): ReturnType<typeof attachWal> {
  try {
    const head = await file.xRead(20, 0);
    if (head[18] !== 2 && head[19] !== 2) return { file, wal: undefined };
    const { S3ObjectRanges } = await import('../store/s3-object-ranges.js');
    const walKey = `${location.key}-wal`;
    const source = new S3ObjectRanges(await s3StoreFor(location.bucket, options), walKey);
    let walFile: VfsFile | undefined;
    try {
      walFile = await RangeFile.open(source, { readOnlyMessage, warn: options.warn ?? ((line) => globalThis.console?.warn(line)) });
    } catch (err) {
      await source.close();
      throw err;
    }
    if (walFile === undefined) {
      await source.close();
      return { file, wal: undefined };
    }
    const attached = await attachWalFile(file, walFile, {
      wal: `s3://${location.bucket}/${walKey}`,
      db: `s3://${location.bucket}/${location.key}`,
      readOnlyMessage,
    });
    const warning = attached.wal === undefined ? undefined : ignoredWalWarning(attached.wal);
    if (warning !== undefined) (options.warn ?? ((line) => globalThis.console?.warn(line)))(`warning: ${warning}`);
    return attached;
  } catch (err) {
    await file.xClose().catch(() => undefined);
    throw err;
  }
}

/** `attachWal`, closing `file` when it fails. */
async function attachWalOrClose(vfs: Vfs, name: string, file: VfsFile, readonly: boolean): ReturnType<typeof attachWal> {
  try {
    return await attachWal(vfs, name, file, { readonly });
  } catch (err) {
    await file.xClose().catch(() => undefined);
    throw err;
  }
}
