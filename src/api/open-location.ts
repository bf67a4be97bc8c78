/**
 * Turns a parsed `Location` into an open `VfsFile` (and the store behind it).
 *
 * Node-only pieces (the directory store, the plain-file VFS) are loaded on demand (node-only.ts),
 * so this module — and `Database.open` with S3 or memory stores — still loads and bundles for a
 * browser or an edge worker.
 */
import { MisuseError } from '../errors.js';
import { fetchJournalHead } from '../pager/commit-protocol.js';
import type { ObjectStore } from '../store/object-store.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import type { LeaseOptions } from '../vfs/lease.js';
import type { Vfs, VfsFile } from '../vfs/vfs.js';
import { OpenFlags } from '../vfs/vfs.js';
import { formatLocation, type Location } from './location.js';
import { loadDirectoryStore, loadPlainFileVfs } from './node-only.js';
import type { StoreOptions } from './store-options.js';
import { attachWal, type WalSummary } from '../pager/wal-attach.js';

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
}

/** The object store and key prefix of a block location. */
export async function objectStoreFor(
  location: Location,
  options: StoreOptions,
): Promise<{ objects: ObjectStore; prefix: string }> {
  switch (location.kind) {
    case 's3-blocks':
    case 's3-object': {
      const { S3ObjectStore } = await import('../store/s3-store.js');
      const objects = new S3ObjectStore({
        bucket: location.bucket,
        ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
        ...(options.region !== undefined && { region: options.region }),
        ...(options.forcePathStyle !== undefined && { forcePathStyle: options.forcePathStyle }),
        ...(options.concurrency !== undefined && { maxSockets: options.concurrency }),
      });
      const prefix = location.kind === 's3-blocks' ? location.prefix : location.key;
      if (options.cacheDir === undefined || location.kind !== 's3-blocks') return { objects, prefix };
      const [{ CachedObjectStore }, { DirectoryObjectStore }] = await Promise.all([
        import('../store/cached-store.js'),
        loadDirectoryStore(),
      ]);
      const cache = new DirectoryObjectStore(options.cacheDir, { sync: false });
      return { objects: new CachedObjectStore(objects, { cache }), prefix };
    }
    case 'block-directory': {
      const { DirectoryObjectStore } = await loadDirectoryStore();
      const { root, name } = splitDirectory(location.path);
      return { objects: new DirectoryObjectStore(root), prefix: name };
    }
    default:
      throw new MisuseError(`${formatLocation(location)} is not a block location`);
  }
}

export async function openLocation(location: Location, options: OpenLocationOptions = {}): Promise<OpenedLocation> {
  const flags =
    (options.readonly === true ? OpenFlags.SQLITE_OPEN_READONLY : OpenFlags.SQLITE_OPEN_READWRITE) |
    (options.create === true ? OpenFlags.SQLITE_OPEN_CREATE : 0) |
    OpenFlags.SQLITE_OPEN_MAIN_DB;
  const url = formatLocation(location);
  if (location.kind === 'file') {
    const { PlainFileVfs } = await loadPlainFileVfs();
    const vfs = new PlainFileVfs();
    const opened = await vfs.xOpen(location.path, flags);
    // A `-wal` beside it: read through it, or (a writer) checkpoint it first (pager/wal-attach.ts).
    const { file, wal } = await attachWalOrClose(vfs, location.path, opened, options.readonly === true);
    return { file, vfs, name: location.path, objects: undefined, blockSize: undefined, url, ...(wal !== undefined && { wal }), close: () => file.xClose() };
  }
  if (location.kind === 's3-blocks' || location.kind === 'block-directory') {
    // The persistent block cache serves readers only: a writer must see block 0 as it is now.
    const { cacheDir: _cacheDir, ...uncached } = options;
    const { objects, prefix } = await objectStoreFor(location, options.readonly === true ? options : uncached);
    try {
      const vfs = new BlockVfs(objects, {
        ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
        ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
        ...(options.lease !== undefined && { lease: options.lease }),
      });
      const journalHead = options.peekJournal === true ? fetchJournalHead(vfs, prefix) : undefined;
      const file = await vfs.xOpen(prefix, flags);
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
      await objects.close();
      throw err;
    }
  }
  throw new MisuseError(`${url} cannot be opened as a database here (it is ${describe(location)})`);
}

function describe(location: Location): string {
  return location.kind === 'stdio' ? 'standard input/output' : 'a single S3 object; import it into blocks first';
}

/** `/a/b/db` → root `/a/b`, name `db` (the blocks are `/a/b/db/0000000000`, the journal `/a/b/db-journal/…`). */
export function splitDirectory(path: string): { root: string; name: string } {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { root: '.', name: trimmed };
  return { root: slash === 0 ? '/' : trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
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
