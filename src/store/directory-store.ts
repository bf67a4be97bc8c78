/**
 * An `ObjectStore` in a local directory: the object `a/b/c` is the file `<root>/a/b/c`, so a
 * database at prefix `P` is the directory `<root>/P/` holding `0000000000`, `0000000001`, …
 * (the same names as the S3 keys; see `block-key.ts`).
 *
 * Writes are atomic: the bytes go to a temporary file `.tmp-<random>` in the target directory
 * (a name that can never look like a block key, and that `list()` skips), are flushed, and
 * the temporary file is then renamed over the final name. A reader therefore sees the old
 * object or the new one, never a torn one.
 *
 * ETags are `"<md5 hex of the content>"`, like S3's for single-part uploads; `head()` and
 * `put()` return them. `list()` returns `etag: ''` (hashing every file while listing a
 * database would read the whole database); call `head()` for a comparable etag.
 *
 * Conditional writes:
 * - `ifNoneMatch: '*'` is atomic: the temporary file is hard-linked to the final name, which
 *   fails with EEXIST when an object already exists (link never overwrites).
 * - `ifMatch` reads the current file's md5 and compares; the rename follows. Two writers that
 *   both pass the check within that small window both succeed (last rename wins). This store is
 *   for one machine and local tools; S3 and the memory store make the check atomically.
 *
 * A key cannot be both an object and a "directory" of other objects (`a` and `a/b`): the
 * file system refuses, and `put` fails with an `IoError`. The keys s3lite writes (`P/…`,
 * `P-journal/…`, `P-lock`) never collide this way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, promises as fs, readFileSync, renameSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { AccessDeniedError, IoError, MisuseError, PreconditionFailedError, SqliteError } from '../errors.js';
import { mapLimit } from './concurrency.js';
import {
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type RequestCounts,
  type VersionedObject,
  type DeleteManyOptions,
  type WriteConditions,
} from './object-store.js';

/** Temporary files start with this; it contains a dot, so no block key or key segment we write can match. */
const TEMP_PREFIX = '.tmp-';
/** Parallel unlinks in `deleteMany`. */
const DELETE_CONCURRENCY = 16;

export interface DirectoryObjectStoreOptions {
  /**
   * fsync each new file before renaming it into place, and its directory after (default true).
   * Without it a power loss may leave a renamed file empty on some file systems.
   */
  readonly sync?: boolean;
}

function errnoCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** "This path does not exist (as a file)": a missing object, not a failure. */
function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function md5Etag(data: Uint8Array): string {
  return `"${createHash('md5').update(data).digest('hex')}"`;
}

/**
 * S3 orders keys by their UTF-8 bytes. Within one directory, the keys below a subdirectory `d`
 * all start with `d/`, so sorting entries by `name` (files) and `name + '/'` (directories)
 * and recursing in place yields keys in global order: `a-x` ('-' is 0x2d) before `a/b` ('/' is 0x2f).
 */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class DirectoryObjectStore implements ObjectStore {
  readonly url: string;
  readonly requests: RequestCounts = emptyRequestCounts();
  private readonly root: string;
  private readonly sync: boolean;

  constructor(rootDir: string, options: DirectoryObjectStoreOptions = {}) {
    this.root = path.resolve(rootDir);
    this.url = this.root;
    this.sync = options.sync ?? true;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.requests.get++;
    const file = this.pathOf(key);
    return this.readIfFile(file);
  }

  /** The bytes and their md5 etag (the same one `head` and `put` give). */
  async getVersioned(key: string): Promise<VersionedObject | undefined> {
    this.requests.get++;
    const data = await this.readIfFile(this.pathOf(key));
    return data === undefined ? undefined : { data, etag: md5Etag(data) };
  }

  /** Reads the whole file to hash it: cheap for blocks (a page each), and always exact. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    this.requests.head++;
    const file = this.pathOf(key);
    const data = await this.readIfFile(file);
    if (data === undefined) return undefined;
    // The file's mtime and this machine's clock are the store's clock (a lease judges expiry by them).
    const mtime = await fs.stat(file).then((st) => st.mtimeMs, () => undefined);
    return { key, size: data.length, etag: md5Etag(data), ...(mtime === undefined ? {} : { lastModified: mtime, serverNow: Date.now() }) };
  }

  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.requests.put++;
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(`cannot create directory ${dir}`, err);
    }
    const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await this.writeTemp(temp, data);
      if (conditions?.ifMatch !== undefined) await this.checkEtag(key, file, conditions.ifMatch);
      // The link/rename is what changes the store. The fence is asked right before it, and the
      // call is SYNCHRONOUS on purpose: an async fs call waits in libuv's thread-pool queue
      // (behind other uploads' writes and fsyncs), and a process frozen while it waits would
      // make the change after waking — past the fence, after another writer took the lease
      // over. Synchronously nothing can come between the check and the change but a few
      // instructions.
      conditions?.fence?.check(`writing ${key}`);
      if (conditions?.ifNoneMatch === '*') {
        // link() never replaces an existing name: the create-if-absent is atomic.
        try {
          linkSync(temp, file);
        } catch (err) {
          if (errnoCode(err) === 'EEXIST') throw new PreconditionFailedError(key);
          throw err;
        }
        await fs.unlink(temp);
      } else {
        renameSync(temp, file);
      }
      if (this.sync) await this.syncDir(dir);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (err instanceof SqliteError) throw err; // a refused condition, our own IoError, the fence's BusyError
      throw ioError(`cannot write ${file}`, err);
    }
    return { etag: md5Etag(data) };
  }

  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.requests.delete++;
    const file = this.pathOf(key);
    if (conditions?.ifNoneMatch === '*' && (await this.readIfFile(file)) !== undefined) {
      throw new PreconditionFailedError(key);
    }
    if (conditions?.ifMatch !== undefined) await this.checkEtag(key, file, conditions.ifMatch);
    conditions?.fence?.check(`deleting ${key}`);
    await this.unlinkNow(file); // synchronous right after the fence, as in put()
  }

  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    this.requests.delete++;
    const files = keys.map((key) => this.pathOf(key));
    const fence = options?.fence;
    // Fenced: one synchronous unlink right after each check (see put()).
    if (fence !== undefined) {
      for (const file of files) {
        fence.check(`deleting ${file}`);
        await this.unlinkNow(file);
      }
      return;
    }
    await mapLimit(files, DELETE_CONCURRENCY, (file) => this.unlink(file));
  }

  /**
   * Objects whose key starts with `prefix`, ascending. Only directories the prefix can match are
   * read: for `P/` that is `<root>/P` and below; for `P-j` it is the entries of `<root>` whose
   * names start with `P-j`. Sizes come from `stat`; etags are `''` (see the file comment).
   */
  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    this.requests.list++;
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const namePrefix = prefix.slice(slash + 1);
    // `/x`, `a//`, `../`: no valid key starts like that, so nothing can match.
    if (slash >= 0 && !isValidKey(dirKey)) return;
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    yield* this.walk(dir, dirKey === '' ? '' : `${dirKey}/`, namePrefix, new Set(), startAfter);
  }

  async close(): Promise<void> {}

  // ── internals ──────────────────────────────────────────────────────────────────────────

  /** The file for `key`; keys must be relative `/`-separated names without empty, `.`, `..` or temp segments. */
  private pathOf(key: string): string {
    const known = this.paths.get(key);
    if (known !== undefined) return known;
    if (!isValidKey(key)) throw new MisuseError(`invalid object key for a directory store: ${JSON.stringify(key)}`);
    const file = path.join(this.root, ...key.split('/'));
    // Every read asks for block 0 and the journal's first block again: remember a few paths.
    if (this.paths.size >= 1024) this.paths.clear();
    this.paths.set(key, file);
    return file;
  }

  /** Keys already checked and turned into paths (pathOf). */
  private readonly paths = new Map<string, string>();

  private async readIfFile(file: string): Promise<Uint8Array | undefined> {
    // Synchronous, as the plain-file VFS reads (plain-file-vfs.ts): a block of a local file comes
    // from the OS page cache in microseconds, and fs.promises.readFile would make four trips
    // through libuv's thread pool (open, fstat, read, close) for it. A missing file — every
    // read's look at the journal — is answered by one existsSync, without an exception.
    try {
      if (!existsSync(file)) return undefined;
      const buf = readFileSync(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      // A directory where an object was asked for is "no such object", as in S3 (`a` vs `a/b`).
      if (isMissing(err) || errnoCode(err) === 'EISDIR') return undefined;
      throw new IoError(`cannot read ${file}: ${String(err)}`, { cause: err });
    }
  }

  private async writeTemp(temp: string, data: Uint8Array): Promise<void> {
    // 'wx': the random name must not exist; never write through someone else's file.
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      if (this.sync) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async syncDir(dir: string): Promise<void> {
    let handle;
    try {
      handle = await fs.open(dir, 'r');
      await handle.sync();
    } catch (err) {
      // Some platforms/file systems refuse to fsync a directory (EISDIR, EINVAL, EPERM); the
      // rename is then as durable as the OS makes it.
      const code = errnoCode(err);
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') {
        throw new IoError(`cannot sync directory ${dir}: ${String(err)}`, { cause: err });
      }
    } finally {
      await handle?.close();
    }
  }

  /** Throws PreconditionFailedError unless the object exists with etag `expected`. Not atomic with the write that follows. */
  private async checkEtag(key: string, file: string, expected: string): Promise<void> {
    const current = await this.readIfFile(file);
    if (current === undefined || md5Etag(current) !== expected) throw new PreconditionFailedError(key);
  }

  private async unlink(file: string): Promise<void> {
    try {
      await fs.unlink(file);
    } catch (err) {
      if (!(await isNoObject(file, err))) throw ioError(`cannot delete ${file}`, err);
    }
  }

  /** `unlink`, synchronously: for fenced deletes (see put()). */
  private unlinkNow(file: string): Promise<void> {
    try {
      unlinkSync(file);
      return Promise.resolve();
    } catch (err) {
      return isNoObject(file, err).then((none) => {
        if (!none) throw ioError(`cannot delete ${file}`, err);
      });
    }
  }

  /**
   * Yields the objects in `dir` (whose key prefix is `keyPrefix`) with names starting with
   * `namePrefix`, recursing into matching subdirectories in key order. `visited` holds
   * directories already entered (device:inode) so a symlink cycle cannot loop forever.
   * With `startAfter`, files whose keys sort at or before it are skipped without a `stat`, and
   * subdirectories whose every key would sort before it are not entered.
   */
  private async *walk(
    dir: string,
    keyPrefix: string,
    namePrefix: string,
    visited: Set<string>,
    startAfter?: string,
  ): AsyncGenerator<ObjectInfo> {
    // Entries are read through `opendir` (a few dozen at a time), and only those that can be
    // listed are kept, as {name, isDir}: a directory of a 1 GiB database holds 262,144 block
    // files, and a listing that resumes near its end (`startAfter`) must not hold them all.
    const matching: { name: string; sortKey: string; isDir: boolean }[] = [];
    try {
      const stat = await fs.stat(dir);
      if (!stat.isDirectory()) return;
      const id = `${stat.dev}:${stat.ino}`;
      if (visited.has(id)) return;
      visited.add(id);
      for await (const entry of await fs.opendir(dir)) {
        const name = entry.name;
        if (!name.startsWith(namePrefix) || name.startsWith(TEMP_PREFIX)) continue;
        if (startAfter !== undefined) {
          const key = `${keyPrefix}${name}`;
          // Neither this key nor any below `key/` can sort after `startAfter` (key < key + '/').
          if (compareNames(`${key}/`, startAfter) <= 0 && !startAfter.startsWith(`${key}/`)) continue;
          if (entry.isFile() && compareNames(key, startAfter) <= 0) continue;
        }
        let isDir = entry.isDirectory();
        if (entry.isSymbolicLink()) {
          const target = await fs.stat(path.join(dir, name)).catch(() => undefined);
          if (target === undefined) continue; // dangling link: no object
          isDir = target.isDirectory();
        } else if (!isDir && !entry.isFile()) {
          continue; // sockets, fifos, devices are not objects
        }
        matching.push({ name, sortKey: isDir ? `${name}/` : name, isDir });
      }
    } catch (err) {
      if (isMissing(err)) return; // no root yet, or nothing under this prefix: an empty listing
      throw new IoError(`cannot list ${dir}: ${String(err)}`, { cause: err });
    }
    matching.sort((a, b) => compareNames(a.sortKey, b.sortKey));
    for (const item of matching) {
      const key = `${keyPrefix}${item.name}`;
      const full = path.join(dir, item.name);
      if (item.isDir) {
        const sub = `${key}/`;
        // Every key below starts with `sub`: all of them sort after `startAfter` when `sub` does,
        // all of them before it when `sub` sorts before it without being its prefix.
        if (startAfter !== undefined && compareNames(sub, startAfter) <= 0 && !startAfter.startsWith(sub)) continue;
        const bound = startAfter !== undefined && compareNames(sub, startAfter) <= 0 ? startAfter : undefined;
        yield* this.walk(full, sub, '', visited, bound);
        continue;
      }
      if (startAfter !== undefined && compareNames(key, startAfter) <= 0) continue;
      let size: number;
      try {
        size = (await fs.stat(full)).size;
      } catch (err) {
        if (isMissing(err)) continue; // deleted while we listed
        throw new IoError(`cannot stat ${full}: ${String(err)}`, { cause: err });
      }
      yield { key, size, etag: '' };
    }
  }
}

/**
 * Whether an unlink failure means "there was no object": a missing file (deleting a missing
 * object is not an error, as in S3), or a directory (Linux says EISDIR, macOS EPERM).
 */
async function isNoObject(file: string, err: unknown): Promise<boolean> {
  if (isMissing(err)) return true;
  if (errnoCode(err) !== 'EISDIR' && errnoCode(err) !== 'EPERM') return false;
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isDirectory() === true;
}

/** Relative, `/`-separated, no empty/`.`/`..` segments, no temp-file names, no NUL or backslash. */
function isValidKey(key: string): boolean {
  if (key === '' || key.includes('\0') || key.includes('\\')) return false;
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || segment.startsWith(TEMP_PREFIX)) return false;
  }
  return true;
}

/** The file system's error as an IoError — an AccessDeniedError when it is about permission. */
function ioError(what: string, err: unknown): IoError {
  const code = errnoCode(err);
  const Type = code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? AccessDeniedError : IoError;
  return new Type(`${what}: ${String(err)}`, { cause: err });
}
