/**
 * Opening and creating a database's pager for `Database.open` / `Database.create` (database.ts):
 * where the source lies, the commit protocol around a writer, read-only recovery for a reader.
 */
import { MisuseError } from '../errors.js';
import { prepareSafeFile, safeProtocol } from '../pager/commit-protocol.js';
import { Pager } from '../pager/pager.js';
import { requireSafeWrites } from '../store/capability-probe.js';
import { BlockStore } from '../store/block-store.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import { SingleFileVfs } from '../vfs/range-file.js';
import type { CreateDatabaseOptions, DatabaseSource, OpenOptions } from './database-types.js';
import { leaseSettings, openSource } from './open-source.js';
import { openWritablePager } from './writable-pager.js';

/** An open pager, what closes it (and its protocol and source), and the location as users write it. */
export interface OpenedPager {
  readonly pager: Pager;
  readonly release: () => Promise<void>;
  readonly url: string;
}

/** See `Database.open`. */
export async function openPager(source: DatabaseSource, options: OpenOptions): Promise<OpenedPager> {
  const { file, url, close, vfs, name, journalHead } = await openSource(source, options);
  try {
    const cache = { ...(options.cacheBytes !== undefined && { cacheBytes: options.cacheBytes }) };
    let pager: Pager;
    if (vfs === undefined || name === undefined) {
      // A bare VfsFile: no VFS to find the journal or lease through.
      pager = options.readonly === false ? await openWritablePager(file, cache) : await Pager.open(file, { ...cache, readonly: true });
    } else if (options.readonly === false) {
      // The commit protocol (commit-protocol.ts): hot-journal recovery now, and the lease and
      // the rollback journal around every commit through the pager's hooks.
      const lease = leaseSettings(options);
      const protocol = await prepareSafeFile(vfs, name, file, {
        ...(options.locking !== undefined && { locking: options.locking }),
        ...(lease !== undefined && { lease }),
        ...(journalHead !== undefined && { journalHead }),
      });
      // A single object or URL (read by ranges) cannot be written: say so at the first write.
      const hooks = vfs instanceof SingleFileVfs ? { ...protocol.hooks, beforeBegin: () => Promise.reject(vfs.readOnlyError()) } : protocol.hooks;
      pager = await openWritablePager(protocol.file, { ...cache, hooks });
    } else {
      // Read-only, through the same protocol: a hot journal left by a dead writer is rolled
      // back (as SQLite's readers do; or, when that is not possible — no write permission, a
      // live writer mid-commit — read through), and every read checks for overlapping commits.
      const protocol = await prepareSafeFile(vfs, name, file, {
        readonly: true,
        recover: true,
        ...(options.locking !== undefined && { locking: options.locking }),
        ...(journalHead !== undefined && { journalHead }),
      });
      pager = await Pager.open(protocol.file, { ...cache, readonly: true });
    }
    const release = async (): Promise<void> => {
      try {
        await safeProtocol(pager)?.close();
      } finally {
        await close();
      }
    };
    return { pager, release, url };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Writes a new database's page 1 (see `Database.create`). A bare VfsFile stays open: its pager
 * is returned; anything else is closed again (undefined: the caller opens it as any writer).
 */
export async function createPager(source: DatabaseSource, options: CreateDatabaseOptions): Promise<OpenedPager | undefined> {
  const { file, url, close, vfs, name } = await openSource(source, { ...options, readonly: false }, true);
  try {
    if ((await file.xFileSize()) !== 0) throw new MisuseError(`${url}: a database already exists there`);
    // Page 1 is written before any lease exists: refuse a store that could not hold one.
    if (vfs instanceof BlockVfs && name !== undefined) await requireSafeWrites(vfs.objects, name, options.locking ?? 'lease');
    const pager = await openWritablePager(file, {
      ...(options.cacheBytes !== undefined && { cacheBytes: options.cacheBytes }),
      create: { ...(options.pageSize !== undefined && { pageSize: options.pageSize }) },
    });
    const isBareFile = typeof source !== 'string' && !('kind' in source) && !(source instanceof BlockStore) && !('objects' in source);
    if (isBareFile) return { pager, release: close, url };
    await close();
    return undefined;
  } catch (err) {
    await close();
    throw err;
  }
}
