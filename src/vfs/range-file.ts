/**
 * A plain SQLite file that lives as ONE remote object (an S3 object, an `https://` URL), read in
 * place with ranged requests: a read-only `VfsFile` over a `RangeSource` (`fetchRange(offset,
 * length, pin)`; src/store/s3-object-ranges.ts and src/store/http-ranges.ts provide them).
 *
 * What it promises:
 * - Open is ONE request: the first `FIRST_BYTES` of the object, unpinned. Its answer gives the
 *   size (`Content-Range`, never a HEAD), the version to pin (ETag, version id or Last-Modified),
 *   and the header and first pages (page 1, the schema's root, is among them).
 * - Every later request is pinned to that version (`If-Match` / `VersionId` /
 *   `If-Unmodified-Since`): an object replaced since the open ends the read with `BusyError`
 *   ("… changed during the read; read again"), and the file stays in that state — a fresh open
 *   sees the new object. Never a mix of two objects.
 * - Reads are page-aligned (the unit is the page size from the header; 4096 when the bytes are
 *   not a database). Units asked for in the same turn of the event loop — the pager's
 *   `getPages`, a read-ahead window — are sent together: runs of adjacent units become one range
 *   (at most `maxRangeBytes`), the runs go out in parallel.
 * - Read-ahead: the file offers `blockSize` / `prefetchCapacity` / `prefetch` (the shape
 *   src/btree/read-ahead.ts looks for), with a virtual block of `READ_AHEAD_BLOCK` bytes, so a
 *   scan's window of blocks becomes a few ranges of ≥ 64 KiB each, many in flight; fetched units
 *   wait in a bounded LRU (`cacheBytes`) until the pager reads them.
 * - Sequential read-ahead for walkers without one of their own (`check`, `pages`): a demand miss
 *   just past the previous one's window (either direction) fetches a growing window along (4 …
 *   128 pages); a random miss (a point lookup) fetches only its own pages.
 * - A server that ignores Range (200 with the whole body) is read whole, once, with one warning.
 * - Read-only: every write is `ReadOnlyError` with the message given (telling to import it).
 *
 * Optionally a persistent `RangeCache` (`--cache-dir`) keeps units keyed by the pinned version:
 * a unit of the same version is never fetched twice, across processes.
 *
 * No `node:*` imports: runs in browsers and edge workers.
 */
import { BusyError, CantOpenError, IoError, MisuseError, ReadOnlyError, SqliteError } from '../errors.js';
import { DeviceCharacteristics, LockLevel, OpenFlags, type Vfs, type VfsFile, checkOffset, markShortRead } from './vfs.js';

/** The version every request after the first asks for (whichever the server gave). */
export interface RangePin {
  readonly etag?: string;
  readonly versionId?: string;
  readonly lastModified?: string;
}

export interface RangeResponse {
  /** Bytes from the requested offset (or, when `whole`, the whole object from offset 0). */
  readonly bytes: Uint8Array;
  /** The object's total size (from `Content-Range`, or the body's length when `whole`). */
  readonly size: number;
  /** What pins this version (empty when the server sent no validator). */
  readonly pin: RangePin;
  /** The server ignored the Range and sent the whole object. */
  readonly whole: boolean;
}

/**
 * A remote object read by ranges. `fetchRange` answers 'missing' for no such object (404) and
 * 'changed' when `pin` no longer matches (412); other failures throw a `SqliteError`.
 */
export interface RangeSource {
  /** The object as users may see it in messages (never credentials or a presigned query string). */
  readonly url: string;
  /** Requests sent so far (tests and benchmarks count these). */
  readonly requests: number;
  fetchRange(offset: number, length: number, pin: RangePin | undefined): Promise<RangeResponse | 'missing' | 'changed'>;
  close(): Promise<void>;
}

/** Units of one version kept across sessions (`--cache-dir`); keys come from `pinKey`. */
export interface RangeCache {
  get(version: string, unit: number, unitSize: number): Promise<Uint8Array | undefined>;
  put(version: string, unit: number, unitSize: number, bytes: Uint8Array): Promise<void>;
}

export interface RangeFileOptions {
  /** Bytes asked for by the open's request (default 64 KiB: the header, page 1 and a few more). */
  readonly firstBytes?: number;
  /** Memory for units fetched and not yet dropped (default 8 MiB); bounds the read-ahead too. */
  readonly cacheBytes?: number;
  /** Largest single range request (default 512 KiB). */
  readonly maxRangeBytes?: number;
  /** Message of every write's ReadOnlyError. */
  readonly readOnlyMessage?: string;
  /** Where one-line warnings go (default: nowhere). */
  readonly warn?: (line: string) => void;
  readonly cache?: RangeCache;
}

export const FIRST_BYTES = 64 * 1024;
export const READ_AHEAD_BLOCK = 64 * 1024;
export const DEFAULT_RANGE_CACHE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_RANGE_BYTES = 512 * 1024;
/** Sequential read-ahead: the first window (pages), and how far past a window a miss still counts as sequential. */
const SEQUENTIAL_INITIAL = 4;
const SEQUENTIAL_SLACK = 8;
/** At most this many blocks of read-ahead at once (as BlockFile). */
const MAX_PREFETCH_BLOCKS = 63;

/** "SQLite format 3\0". */
const MAGIC = [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00];

/** Page size from a database header (offset 16, big-endian; 1 means 65536), or undefined when the bytes are not one. */
export function headerPageSize(head: Uint8Array): number | undefined {
  if (head.length < 18 || MAGIC.some((b, i) => head[i] !== b)) return undefined;
  const raw = (head[16]! << 8) | head[17]!;
  const size = raw === 1 ? 65536 : raw;
  return size >= 512 && size <= 32768 && (size & (size - 1)) === 0 ? size : size === 65536 ? size : undefined;
}

/** A pin as a string, for cache keys and comparisons ('' when the server sent no validator). */
export function pinKey(pin: RangePin): string {
  return pin.versionId !== undefined ? `v:${pin.versionId}` : pin.etag !== undefined ? `e:${pin.etag}` : pin.lastModified !== undefined ? `m:${pin.lastModified}` : '';
}

export class RangeFile implements VfsFile {
  /** Alignment of every request: the page size (4096 when the object is not a database). */
  readonly unit: number;
  /** The read-ahead's block (src/btree/read-ahead.ts `BlockPrefetcher`). */
  readonly blockSize: number;
  readonly prefetchCapacity: number;
  readonly pin: RangePin;
  readonly size: number;
  readonly #source: RangeSource;
  readonly #maxUnits: number;
  readonly #maxRangeUnits: number;
  readonly #readOnlyMessage: string;
  readonly #cache: RangeCache | undefined;
  readonly #version: string;
  /** The object's bytes, when the server sent it whole. */
  readonly #whole: Uint8Array | undefined;
  /** Unit 0 (the header) stays for the file's life: the commit protocol's checks read it often. */
  #head: Uint8Array | undefined;
  /** Fetched units, least recently used first. */
  readonly #units = new Map<number, Uint8Array>();
  /** Units requested and not yet arrived. */
  readonly #inflight = new Map<number, Promise<Uint8Array>>();
  /** Units waiting for this turn's flush, with how to settle them. */
  #queued = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }>();
  #flushScheduled = false;
  /** Set once the object was seen replaced: every read fails the same way from then on. */
  #changed: BusyError | undefined;
  /** Sequential read-ahead (`#readAheadSequential`): the last demand miss, the pages its window covered, the window. */
  #lastMiss = -1;
  #seqLow = -1;
  #seqHigh = -1;
  #seqWindow = 0;
  /** Flushes so far, and the flush the last miss went out with. */
  #batch = 0;
  #lastMissBatch = -1;
  /** `prefetch` was called since the last miss. */
  #hinted = false;
  /**
   * With a cache: whether a page someone read had to come from the remote. Until one did, the
   * cache answers every read and nothing is fetched ahead — read-ahead hides the network's
   * latency, and guessing past what the last reader needed would only add requests (an
   * unchanged object read again costs the open alone).
   */
  #remoteDemand = false;
  /** Units fetched ahead and not asked for yet. */
  readonly #speculative = new Set<number>();
  readonly #seqMax: number;
  #closed = false;
  /** Ranges sent by this file (the open's included). */
  ranges = 0;

  private constructor(source: RangeSource, first: RangeResponse, options: RangeFileOptions) {
    this.#source = source;
    this.pin = first.pin;
    this.size = first.size;
    this.#version = `${pinKey(first.pin)}#${first.size}`;
    this.#readOnlyMessage = options.readOnlyMessage ?? `${source.url} is read-only here`;
    this.#cache = pinKey(first.pin) === '' ? undefined : options.cache;
    const pageSize = headerPageSize(first.bytes);
    this.unit = pageSize ?? 4096;
    this.blockSize = Math.max(READ_AHEAD_BLOCK, 2 * this.unit);
    const cacheBytes = Math.max(options.cacheBytes ?? DEFAULT_RANGE_CACHE_BYTES, 4 * this.blockSize);
    this.#maxUnits = Math.floor(cacheBytes / this.unit);
    this.prefetchCapacity = Math.max(1, Math.min(MAX_PREFETCH_BLOCKS, Math.floor(cacheBytes / this.blockSize / 2)));
    this.#maxRangeUnits = Math.max(1, Math.floor((options.maxRangeBytes ?? DEFAULT_MAX_RANGE_BYTES) / this.unit));
    this.#seqMax = Math.max(1, Math.min(this.#maxRangeUnits, Math.floor(this.#maxUnits / 4)));
    if (first.whole) {
      this.#whole = first.bytes;
      options.warn?.(`${source.url}: the server ignores Range requests; read the whole object (${first.size} bytes) once`);
    } else {
      this.#keep(0, first.bytes);
      if (pinKey(first.pin) === '' && first.size > 0) {
        options.warn?.(`${source.url}: the server sends no ETag or Last-Modified; a change during the read cannot be detected`);
      }
    }
  }

  /**
   * Opens the object: one request for its first bytes. `undefined` when there is no such object;
   * other failures (access denied, no network) throw.
   */
  static async open(source: RangeSource, options: RangeFileOptions = {}): Promise<RangeFile | undefined> {
    const first = await source.fetchRange(0, options.firstBytes ?? FIRST_BYTES, undefined);
    if (first === 'missing') return undefined;
    if (first === 'changed') throw new BusyError(`${source.url} changed while it was being opened; open it again`);
    return new RangeFile(source, first, options);
  }

  get url(): string {
    return this.#source.url;
  }

  /** Requests the source sent (the open's included). */
  get requests(): number {
    return this.#source.requests;
  }

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    checkOffset('xRead amount', amount);
    checkOffset('xRead offset', offset);
    this.#checkOpen();
    const out = new Uint8Array(amount);
    const end = Math.min(offset + amount, this.size);
    if (this.#whole !== undefined) {
      if (end > offset) out.set(this.#whole.subarray(offset, end));
    } else if (end > offset) {
      const u0 = Math.floor(offset / this.unit);
      const u1 = Math.floor((end - 1) / this.unit);
      const miss = u0 !== 0 && !this.#units.has(u0) && !this.#inflight.has(u0);
      const parts: (Uint8Array | Promise<Uint8Array>)[] = [];
      for (let u = u0; u <= u1; u++) parts.push(this.#unit(u));
      if (miss) this.#readAheadSequential(u0, u1);
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        const bytes = part instanceof Uint8Array ? part : await part;
        const at = (u0 + i) * this.unit;
        const from = Math.max(offset, at);
        const to = Math.min(end, at + bytes.length);
        if (to > from) out.set(bytes.subarray(from - at, to - at), from - offset);
      }
    }
    return offset + amount > this.size ? markShortRead(out) : out;
  }

  /**
   * Starts fetching the units of [offset, offset + amount) that are neither kept nor on their way
   * (read-ahead; never waits, never throws). Returns 1 when it asked for anything, else 0.
   */
  prefetch(amount: number, offset: number): number {
    if (this.#closed || this.#whole !== undefined || this.#changed !== undefined) return 0;
    this.#hinted = true;
    const end = Math.min(offset + amount, this.size);
    if (end <= offset) return 0;
    let asked = 0;
    for (let u = Math.floor(offset / this.unit), last = Math.floor((end - 1) / this.unit); u <= last; u++) {
      if (u === 0 || this.#units.has(u) || this.#inflight.has(u)) continue;
      if (this.#speculate(u)) asked = 1;
    }
    return asked;
  }

  /** Fetches unit `u` ahead of a read (see #remoteDemand); whether it did. */
  #speculate(u: number): boolean {
    if (this.#cache !== undefined && !this.#remoteDemand) return false;
    this.#speculative.add(u);
    this.#enqueue(u).catch(() => undefined);
    return true;
  }

  /**
   * Sequential read-ahead, for readers that walk pages in ascending order one await at a time
   * (`check`, `pages`, a b-tree written in order): a miss just past the previous miss's window
   * doubles the window (4, 8, … 128 pages, within the cache's budget) and fetches it along,
   * in the same range. Any other miss (a point lookup) resets it: random reads fetch nothing extra.
   */
  #readAheadSequential(first: number, last: number): void {
    // Misses of one turn are a batch someone asked for at once (getPages), not a walk.
    if (this.#lastMissBatch === this.#batch) {
      this.#seqLow = Math.min(this.#seqLow, first);
      this.#seqHigh = Math.max(this.#seqHigh, last);
      return;
    }
    this.#lastMissBatch = this.#batch;
    // The tree-aware read-ahead is at work (a scan): it knows better than a guess.
    if (this.#hinted) {
      this.#hinted = false;
      this.#seqWindow = 0;
      this.#lastMiss = -1;
      return;
    }
    const forward = this.#lastMiss >= 0 && first > this.#lastMiss && first <= this.#seqHigh + SEQUENTIAL_SLACK;
    // Walks that push children on a stack visit them last first: descending page numbers.
    const backward = this.#lastMiss >= 0 && last < this.#lastMiss && last >= this.#seqLow - SEQUENTIAL_SLACK;
    this.#seqWindow = forward || backward ? Math.min(Math.max(SEQUENTIAL_INITIAL, 2 * this.#seqWindow), this.#seqMax) : 0;
    this.#lastMiss = first;
    const lastUnit = Math.ceil(this.size / this.unit) - 1;
    const from = backward ? Math.max(1, first - this.#seqWindow) : last + 1;
    const to = backward ? first - 1 : Math.min(last + this.#seqWindow, lastUnit);
    for (let u = from; u <= to; u++) {
      if (!this.#units.has(u) && !this.#inflight.has(u)) this.#speculate(u);
    }
    this.#seqLow = Math.min(first, from);
    this.#seqHigh = Math.max(last, to);
  }

  /** A kept unit (touched as recently used), or the promise of it. */
  #unit(u: number): Uint8Array | Promise<Uint8Array> {
    if (u === 0 && this.#head !== undefined) return this.#head;
    const kept = this.#units.get(u);
    if (kept !== undefined) {
      this.#units.delete(u);
      this.#units.set(u, kept);
      return kept;
    }
    if (this.#changed !== undefined) return Promise.reject(this.#changed);
    this.#speculative.delete(u);
    return this.#inflight.get(u) ?? this.#enqueue(u);
  }

  #enqueue(u: number): Promise<Uint8Array> {
    const promise = new Promise<Uint8Array>((resolve, reject) => this.#queued.set(u, { resolve, reject }));
    this.#inflight.set(u, promise);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // Everything asked for in this turn goes out together, adjacent units as one range.
      queueMicrotask(() => void this.#flush());
    }
    return promise;
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    this.#batch++;
    const queued = this.#queued;
    this.#queued = new Map();
    let wanted = [...queued.keys()].sort((a, b) => a - b);
    const cache = this.#cache;
    if (cache !== undefined) {
      const found = await Promise.all(wanted.map((u) => cache.get(this.#version, u, this.unit).catch(() => undefined)));
      wanted = wanted.filter((u, i) => {
        const bytes = found[i];
        if (bytes === undefined || bytes.length !== this.#unitLength(u)) return true;
        this.#arrive(u, bytes, queued.get(u)!);
        return false;
      });
      if (wanted.some((u) => !this.#speculative.has(u))) this.#remoteDemand = true;
    }
    for (const u of queued.keys()) this.#speculative.delete(u);
    for (let i = 0; i < wanted.length; ) {
      let j = i + 1;
      while (j < wanted.length && wanted[j] === wanted[j - 1]! + 1 && j - i < this.#maxRangeUnits) j++;
      const run = wanted.slice(i, j);
      i = j;
      void this.#fetchRun(run, queued);
    }
  }

  async #fetchRun(run: readonly number[], queued: Map<number, { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }>): Promise<void> {
    const first = run[0]!;
    const offset = first * this.unit;
    const length = Math.min(run.length * this.unit, this.size - offset);
    try {
      if (this.#changed !== undefined) throw this.#changed;
      this.ranges++;
      const got = await this.#source.fetchRange(offset, length, this.pin);
      if (got === 'missing' || got === 'changed' || got.size !== this.size || (pinKey(got.pin) !== '' && pinKey(got.pin) !== pinKey(this.pin))) {
        this.#changed ??= new BusyError(`${this.#source.url} changed during the read; read again`);
        throw this.#changed;
      }
      const bytes = got.whole ? got.bytes.subarray(offset, offset + length) : got.bytes;
      if (bytes.length < length) throw new IoError(`${this.#source.url}: ${bytes.length} bytes came back for a range of ${length} at ${offset}`);
      for (const u of run) {
        const at = (u - first) * this.unit;
        const unitBytes = bytes.subarray(at, at + this.#unitLength(u));
        this.#arrive(u, unitBytes, queued.get(u)!);
        this.#remember(this.#cache?.put(this.#version, u, this.unit, unitBytes));
      }
    } catch (err) {
      const error = err instanceof SqliteError ? err : new IoError(`reading ${this.#source.url}: ${String(err)}`, { cause: err });
      for (const u of run) {
        this.#inflight.delete(u);
        queued.get(u)!.reject(error);
      }
    }
  }

  #arrive(u: number, bytes: Uint8Array, waiter: { resolve: (b: Uint8Array) => void }): void {
    this.#inflight.delete(u);
    if (!this.#closed) this.#keep(u, bytes);
    waiter.resolve(bytes);
  }

  /** Bytes in unit `u` (the last one may be short). */
  #unitLength(u: number): number {
    return Math.min(this.unit, this.size - u * this.unit);
  }

  /** Keeps whole units of `bytes` (which start at unit `first`), evicting the least recently used. */
  #keep(first: number, bytes: Uint8Array): void {
    for (let u = first, at = 0; at < bytes.length; u++, at += this.unit) {
      // A copy, not a view: a kept page must not hold a whole 512 KiB response alive (the LRU
      // counts pages, and a few pages touched late would otherwise pin many responses).
      const view = bytes.subarray(at, at + this.unit);
      const piece = view.buffer.byteLength > view.byteLength ? view.slice() : view;
      if (piece.length < this.#unitLength(u)) break; // a partial unit at the end of the open's bytes
      if (u === 0) {
        this.#head = piece;
        continue;
      }
      this.#units.delete(u);
      this.#units.set(u, piece);
    }
    while (this.#units.size > this.#maxUnits) this.#units.delete(this.#units.keys().next().value!);
  }

  #checkOpen(): void {
    if (this.#closed) throw new MisuseError(`${this.#source.url} is closed`);
  }

  async xWrite(_data: Uint8Array, _offset: number): Promise<void> {
    throw new ReadOnlyError(this.#readOnlyMessage);
  }

  async xTruncate(_size: number): Promise<void> {
    throw new ReadOnlyError(this.#readOnlyMessage);
  }

  async xSync(): Promise<void> {
    // Nothing is ever written, so nothing is ever unsynced.
  }

  async xFileSize(): Promise<number> {
    this.#checkOpen();
    return this.size;
  }

  async xLock(level: LockLevel): Promise<void> {
    if (level > LockLevel.SHARED) throw new ReadOnlyError(this.#readOnlyMessage);
  }

  async xUnlock(): Promise<void> {}

  async xCheckReservedLock(): Promise<boolean> {
    return false;
  }

  xSectorSize(): number {
    return 4096;
  }

  xDeviceCharacteristics(): number {
    return DeviceCharacteristics.SQLITE_IOCAP_POWERSAFE_OVERWRITE;
  }

  /** Cache writes under way: a failed one costs only a later fetch; close waits for them all. */
  readonly #cacheWrites = new Set<Promise<void>>();

  #remember(write: Promise<void> | undefined): void {
    if (write === undefined) return;
    const settled = write.catch(() => undefined).finally(() => this.#cacheWrites.delete(settled));
    this.#cacheWrites.add(settled);
  }

  async xClose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#units.clear();
    // The cache is for the next reader (often the next process): its writes finish before close returns.
    await Promise.all(this.#cacheWrites);
    await this.#source.close();
  }
}

/**
 * The VFS of one read-only file: the commit protocol (src/pager/commit-protocol.ts) asks it for
 * a journal — there is none, and none can be made — and every write is `ReadOnlyError`.
 */
export class SingleFileVfs implements Vfs {
  constructor(
    readonly name: string,
    readonly file: VfsFile,
    private readonly readOnlyMessage: string,
  ) {}

  async xOpen(name: string, flags: OpenFlags): Promise<VfsFile> {
    if (name === this.name) return this.file;
    if ((flags & OpenFlags.SQLITE_OPEN_CREATE) !== 0) throw new ReadOnlyError(this.readOnlyMessage);
    throw new CantOpenError(`unable to open ${name}: no such file beside ${this.name}`);
  }

  async xDelete(): Promise<void> {
    throw this.readOnlyError();
  }

  /** What every write to this file meets. */
  readOnlyError(): ReadOnlyError {
    return new ReadOnlyError(this.readOnlyMessage);
  }

  async xAccess(name: string): Promise<boolean> {
    return name === this.name;
  }

  xFullPathname(name: string): string {
    return name;
  }
}
