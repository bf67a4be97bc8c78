/**
 * The one place a pager is opened for writing. Crash safety (the writer's lease and the
 * rollback journal around `Pager.commit`, via `CommitHooks`) is wired here, so every writer —
 * `Database.open(…, { readonly: false })`, `Database.create`, the CLI — gets it.
 */
import { MisuseError } from '../errors.js';
import { Pager, type CommitHooks } from '../pager/pager.js';
import { isWritablePageFile, type PageFile } from '../pager/page-file.js';

export interface WritablePagerOptions {
  readonly cacheBytes?: number;
  /** Create a new, empty database in the (empty) file with this page size. */
  readonly create?: { readonly pageSize?: number; readonly reservedBytes?: number };
  /** Journal hooks on the commit path (the lease + journal layer plugs in here). */
  readonly hooks?: CommitHooks;
}

export async function openWritablePager(file: PageFile, options: WritablePagerOptions = {}): Promise<Pager> {
  const base = {
    ...(options.cacheBytes !== undefined && { cacheBytes: options.cacheBytes }),
    ...(options.hooks !== undefined && { hooks: options.hooks }),
  };
  if (options.create !== undefined) {
    if (!isWritablePageFile(file)) throw new MisuseError('cannot create a database in a read-only file');
    return Pager.create(file, {
      ...base,
      ...(options.create.pageSize !== undefined && { pageSize: options.create.pageSize }),
      ...(options.create.reservedBytes !== undefined && { reservedBytes: options.create.reservedBytes }),
    });
  }
  return Pager.open(file, base);
}
