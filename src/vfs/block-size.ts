/**
 * Finding a block file's size once, at open or refresh (block-vfs.ts, "The size of a file, found
 * once"): from the header when it vouches for the size (the GET of block 0 alone; two HEADs more
 * to verify it, for export), else from one listing of the prefix; plus the small block
 * arithmetic both files share.
 */
import { CorruptError, asSqliteError } from '../errors.js';
import type { BlockStore } from '../store/block-store.js';
import { BLOCK_INDEX_DIGITS } from '../store/block-key.js';

/** Largest block index a key can spell (`{i:010d}`). */
/** Memory for clean blocks of a block file by default (block-vfs.ts, `blockCacheBytes`). */
export const DEFAULT_BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
/** Keys per `deleteBlocks` call when deleting a range of blocks (S3's DeleteObjects limit). */
export const DELETE_CHUNK = 1000;

export const MAX_BLOCK_INDEX = 10 ** BLOCK_INDEX_DIGITS - 1;

/** "SQLite format 3\0", the first 16 bytes of every database (fileformat2.html#the_database_header). */
const SQLITE_MAGIC = new Uint8Array([
  0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00,
]);

// ── Finding the size at open ───────────────────────────────────────────────────────────

export interface FoundSize {
  readonly blockSize: number;
  readonly size: number;
  readonly storedBlocks: number;
  /** The database header in block 0 vouches for the size (the probe path, not a listing). */
  readonly vouched?: boolean;
}

/**
 * Whether `block0` is a SQLite header that vouches for a file of `size` bytes: its in-header
 * page count × page size is the size, and valid (version-valid-for = change counter). Then, as
 * every SQLite commit rewrites the change counter, an unchanged block 0 means an unchanged size.
 */
export function headerVouchesFor(block0: Uint8Array, size: number): boolean {
  if (block0.length < 100) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (block0[i] !== SQLITE_MAGIC[i]) return false;
  const view = new DataView(block0.buffer, block0.byteOffset, block0.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  return view.getUint32(92) === view.getUint32(24) && view.getUint32(28) * pageSize === size && size > 0;
}

/**
 * The database-header path (see block-vfs.ts, "The size of a file, found once"): the size is
 * pageCount·pageSize from block 0 when the header vouches for it — without a request (a
 * reader's open is one GET) unless `verify` asks for two HEADs to confirm it (the block holding
 * the last byte has exactly the right size, the block after it does not exist): export, which
 * must copy exactly the file that is there. `undefined` when anything disagrees; the caller then
 * lists.
 *
 * Header fields used (https://www.sqlite.org/fileformat2.html#the_database_header), big-endian:
 *   0..15   "SQLite format 3\0"
 *   16..17  page size; 1 means 65536
 *   24..27  file change counter
 *   28..31  database size in pages ("in-header database size")
 *   92..95  version-valid-for: the change counter when the size above was last written
 */
export async function probeDatabaseSize(
  store: BlockStore,
  block0: Uint8Array,
  configured: number,
  verify = false,
): Promise<FoundSize | undefined> {
  if (block0.length < 100) return undefined;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (block0[i] !== SQLITE_MAGIC[i]) return undefined;
  const view = new DataView(block0.buffer, block0.byteOffset, block0.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const changeCounter = view.getUint32(24);
  const pageCount = view.getUint32(28);
  if (pageCount === 0 || view.getUint32(92) !== changeCounter) return undefined;
  const expected = pageCount * pageSize;

  if (block0.length === expected) {
    // One block holds the whole file; confirm nothing follows it.
    if (verify && (await io(store, 1, 'checking', () => store.size(1))) !== undefined) return undefined;
    return { blockSize: singleBlockSize(configured, expected), size: expected, storedBlocks: 1, vouched: true };
  }
  if (block0.length > expected) return undefined;
  // More than one block: block 0 is full, so its length is the block size.
  const bs = block0.length;
  const last = Math.floor((expected - 1) / bs);
  if (last + 1 > MAX_BLOCK_INDEX) return undefined;
  if (verify) {
    const [lastSize, nextSize] = await Promise.all([
      io(store, last, 'checking', () => store.size(last)),
      io(store, last + 1, 'checking', () => store.size(last + 1)),
    ]);
    if (lastSize !== expected - last * bs || nextSize !== undefined) return undefined;
  }
  return { blockSize: bs, size: expected, storedBlocks: last + 1, vouched: true };
}

/** The listing path: one LIST of the prefix; size = lastIndex·B + size of the last block. */
export async function listSize(store: BlockStore, block0: Uint8Array, configured: number): Promise<FoundSize> {
  let size0 = block0.length;
  let lastIndex = 0;
  let lastSize = block0.length;
  try {
    for await (const block of store.list()) {
      if (block.index === 0) size0 = block.size;
      lastIndex = block.index;
      lastSize = block.size;
    }
  } catch (err) {
    throw asSqliteError(err, `listing ${store.url}/`);
  }
  if (lastIndex === 0) {
    return { blockSize: singleBlockSize(configured, lastSize), size: lastSize, storedBlocks: 1 };
  }
  if (size0 === 0) throw new CorruptError(`${store.url}: block 0 is empty but block ${lastIndex} exists`);
  if (lastSize > size0) {
    throw new CorruptError(`${store.url}: last block ${lastIndex} (${lastSize} bytes) is longer than block 0 (${size0})`);
  }
  const size = lastIndex * size0 + lastSize;
  if (!Number.isSafeInteger(size)) throw new CorruptError(`${store.url}: file size out of range`);
  return { blockSize: size0, size, storedBlocks: lastIndex + 1 };
}

/** A single block longer than the configured size sets the block size, so it still holds the whole file. */
export function singleBlockSize(configured: number, length: number): number {
  return length > configured ? length : configured;
}

export function blockCount(size: number, bs: number): number {
  return Math.ceil(size / bs);
}


/** Runs a store call, turning anything that is not a SqliteError into an IoError naming the block's URL. */
export async function io<T>(store: BlockStore, index: number, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asSqliteError(err, `${what} ${store.url}/${String(index).padStart(BLOCK_INDEX_DIGITS, '0')}`);
  }
}
