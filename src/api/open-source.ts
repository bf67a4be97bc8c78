/**
 * Turning what `Database.open` accepts (a location string, a parsed Location, a BlockStore,
 * `{ objects, prefix }`, a bare VfsFile) into an opened file, and the open options into lease settings.
 */
import { MisuseError } from '../errors.js';
import { fetchJournalHead } from '../pager/commit-protocol.js';
import { BlockStore } from '../store/block-store.js';
import { BlockVfs } from '../vfs/block-vfs.js';
import type { LeaseOptions } from '../vfs/lease.js';
import { OpenFlags, type Vfs, type VfsFile } from '../vfs/vfs.js';
import type { DatabaseSource, OpenOptions } from './database.js';
import { parseLocation, type Location } from './location.js';
import { loadDirectoryProbe } from './node-only.js';
import { openLocation } from './open-location.js';

/** The lease settings of open options, for the commit protocol. */
export function leaseSettings(options: OpenOptions): LeaseOptions | undefined {
  const lease: { -readonly [K in keyof LeaseOptions]: LeaseOptions[K] } = {};
  if (options.busyTimeout !== undefined) lease.busyTimeoutMs = options.busyTimeout;
  if (options.leaseDuration !== undefined) {
    lease.durationMs = options.leaseDuration;
    lease.renewEveryMs = Math.max(1, Math.floor(options.leaseDuration / 3));
  }
  if (options.leaseMargin !== undefined) lease.fenceMarginMs = options.leaseMargin;
  return Object.keys(lease).length === 0 ? undefined : lease;
}

export async function openSource(
  source: DatabaseSource,
  options: OpenOptions,
  create = false,
): Promise<{ file: VfsFile; url: string; close: () => Promise<void>; vfs?: Vfs; name?: string; journalHead?: Promise<Uint8Array | undefined> }> {
  const flags =
    (options.readonly === false ? OpenFlags.SQLITE_OPEN_READWRITE : OpenFlags.SQLITE_OPEN_READONLY) |
    (create ? OpenFlags.SQLITE_OPEN_CREATE : 0);
  if (typeof source === 'string' || 'kind' in source) {
    const location = typeof source === 'string' ? await parseLocationString(source) : source;
    const opened = await openLocation(location, { ...options, readonly: options.readonly !== false, create, peekJournal: !create });
    return {
      file: opened.file,
      url: opened.url,
      close: () => opened.close(),
      vfs: opened.vfs,
      name: opened.name,
      ...(opened.journalHead !== undefined && { journalHead: opened.journalHead }),
    };
  }
  if (source instanceof BlockStore || ('objects' in source && 'prefix' in source)) {
    const vfs = new BlockVfs(source.objects, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
      ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    });
    // The journal is looked at once block 0 has been read (never before: commit-protocol.ts, "Readers").
    let journalHead: Promise<Uint8Array | undefined> | undefined;
    const file = await vfs.xOpen(source.prefix, flags, () => {
      if (!create) journalHead = fetchJournalHead(vfs, source.prefix);
    });
    const url = source instanceof BlockStore ? source.url : new BlockStore(source.objects, source.prefix).url;
    return { file, url, close: () => file.xClose(), vfs, name: source.prefix, ...(journalHead !== undefined && { journalHead }) };
  }
  if (typeof (source as VfsFile).xRead === 'function') {
    return { file: source as VfsFile, url: 'vfs:', close: async () => {} };
  }
  throw new MisuseError('Database.open expects a location string, a BlockStore, { objects, prefix } or a VfsFile');
}

/** Local paths need a `stat` to tell a block directory from a file; only then load Node's fs. */
async function parseLocationString(spec: string): Promise<Location> {
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && spec !== '-' && !spec.endsWith('/');
  let isDirectory = false;
  if (local) {
    const { isExistingDirectory } = await loadDirectoryProbe();
    isDirectory = await isExistingDirectory(spec);
  }
  return parseLocation(spec, () => isDirectory);
}
