/**
 * The write-ahead log file format (https://www.sqlite.org/fileformat2.html#the_write_ahead_log):
 * the `-wal` file beside a database in WAL mode. Pure codecs; reading a whole log is
 * `vfs/wal-index.ts`.
 *
 * WAL header, 32 bytes, big-endian:
 *
 *   Offset Size  Field
 *   ------ ----  -----------------------------------------------------------------
 *     0     4    magic: 0x377f0682 (checksums over little-endian words) or 0x377f0683 (big-endian)
 *     4     4    file format version, 3007000
 *     8     4    database page size (512..65536, a power of two; 65536 is stored as is)
 *    12     4    checkpoint sequence number
 *    16     4    salt-1: incremented with every checkpoint that restarts the log
 *    20     4    salt-2: a fresh random number with every restart
 *    24     4    checksum-1 } over bytes 0..23 of this header
 *    28     4    checksum-2 }
 *
 * Then frames, each a 24-byte frame header followed by one page:
 *
 *     0     4    page number (never 0)
 *     4     4    commit frames: size of the database in pages after the commit; else 0
 *     8     4    salt-1 } copied from the WAL header: a frame whose salts differ belongs to an
 *    12     4    salt-2 } older generation of the log (left over after a restart)
 *    16     4    checksum-1 } cumulative: over the WAL header's 24 bytes, every earlier frame,
 *    20     4    checksum-2 } and this frame's first 8 header bytes and its page
 *
 * The checksum (`walChecksum`) runs over the input as 32-bit words in the byte order the magic
 * names, two at a time: s0 += x[i] + s1; s1 += x[i+1] + s0 (mod 2^32), starting from the
 * previous checksum (0, 0 for the header).
 *
 * What SQLite does with a log it recovers without a `-shm` (`walIndexRecover` in wal.c), and so
 * do we: a file no longer than the header, a bad magic, an invalid page size or a header checksum
 * that does not match make the whole log count as empty. A valid header whose format version is
 * not 3007000 is SQLITE_CANTOPEN. Frames are read in order while a whole frame is present; the
 * first frame with other salts, page number 0 or a checksum that does not match ends the log.
 * Only frames up to the last commit frame count.
 */

export const WAL_HEADER_SIZE = 32;
export const WAL_FRAME_HEADER_SIZE = 24;
/** Magic with checksums over little-endian words; `| 1` selects big-endian words. */
export const WAL_MAGIC = 0x377f0682;
/** The only WAL format version (SQLite 3.7.0). */
export const WAL_FORMAT_VERSION = 3007000;

export interface WalHeader {
  /** Checksums over big-endian words (magic 0x377f0683) rather than little-endian (0x377f0682). */
  readonly bigEndianChecksum: boolean;
  readonly formatVersion: number;
  readonly pageSize: number;
  readonly checkpointSequence: number;
  readonly salt1: number;
  readonly salt2: number;
  /** The header's checksum: the seed of the first frame's. */
  readonly checksum1: number;
  readonly checksum2: number;
}

export interface WalFrameHeader {
  readonly pgno: number;
  /** Non-zero on a commit frame: the database size in pages after the commit. */
  readonly dbPagesAfterCommit: number;
  readonly salt1: number;
  readonly salt2: number;
  readonly checksum1: number;
  readonly checksum2: number;
}

/** Why a log counts as empty (SQLite ignores it silently); see the top of this file. */
export type WalHeaderProblem = 'short' | 'magic' | 'page-size' | 'checksum';

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** Whether `n` is a page size a WAL header may name: a power of two, 512..65536. */
export function isValidWalPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * SQLite's `walChecksumBytes`: continues the checksum `[s0, s1]` over `data` (a multiple of 8
 * bytes) read as 32-bit words in the given byte order. Returns the new pair.
 */
export function walChecksum(bigEndian: boolean, data: Uint8Array, s0 = 0, s1 = 0): [number, number] {
  const n = data.length;
  if (n % 8 !== 0) throw new RangeError(`WAL checksum input must be a multiple of 8 bytes, got ${n}`);
  let a = s0 >>> 0;
  let b = s1 >>> 0;
  if (!bigEndian && LITTLE_ENDIAN_PLATFORM && data.byteOffset % 4 === 0) {
    // The common case (logs written on x86/ARM): the words in native order, read in place.
    const words = new Uint32Array(data.buffer, data.byteOffset, n / 4);
    for (let i = 0; i < words.length; i += 2) {
      a = (a + words[i]! + b) >>> 0;
      b = (b + words[i + 1]! + a) >>> 0;
    }
    return [a, b];
  }
  const view = new DataView(data.buffer, data.byteOffset, n);
  const little = !bigEndian;
  for (let i = 0; i < n; i += 8) {
    a = (a + view.getUint32(i, little) + b) >>> 0;
    b = (b + view.getUint32(i + 4, little) + a) >>> 0;
  }
  return [a, b];
}

/**
 * Decodes the 32-byte WAL header. Returns the problem instead when SQLite would treat the log
 * as empty. The format version is not checked here (a valid header with another version is
 * SQLITE_CANTOPEN, the caller's decision).
 */
export function decodeWalHeader(bytes: Uint8Array): WalHeader | WalHeaderProblem {
  if (bytes.length < WAL_HEADER_SIZE) return 'short';
  const magic = u32(bytes, 0);
  if ((magic & 0xfffffffe) !== WAL_MAGIC) return 'magic';
  const pageSize = u32(bytes, 8);
  if (!isValidWalPageSize(pageSize)) return 'page-size';
  const bigEndianChecksum = (magic & 1) === 1;
  const [c1, c2] = walChecksum(bigEndianChecksum, bytes.subarray(0, 24));
  if (c1 !== u32(bytes, 24) || c2 !== u32(bytes, 28)) return 'checksum';
  return {
    bigEndianChecksum,
    formatVersion: u32(bytes, 4),
    pageSize,
    checkpointSequence: u32(bytes, 12),
    salt1: u32(bytes, 16),
    salt2: u32(bytes, 20),
    checksum1: c1,
    checksum2: c2,
  };
}

/** Encodes a WAL header; its checksum is computed (the given one is ignored). */
export function encodeWalHeader(h: Omit<WalHeader, 'checksum1' | 'checksum2' | 'formatVersion'> & { readonly formatVersion?: number }): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_SIZE);
  putU32(out, 0, WAL_MAGIC | (h.bigEndianChecksum ? 1 : 0));
  putU32(out, 4, h.formatVersion ?? WAL_FORMAT_VERSION);
  putU32(out, 8, h.pageSize);
  putU32(out, 12, h.checkpointSequence);
  putU32(out, 16, h.salt1);
  putU32(out, 20, h.salt2);
  const [c1, c2] = walChecksum(h.bigEndianChecksum, out.subarray(0, 24));
  putU32(out, 24, c1);
  putU32(out, 28, c2);
  return out;
}

/** Decodes a 24-byte frame header (no validation: see `frameChecksum` and the salts). */
export function decodeWalFrameHeader(bytes: Uint8Array, offset = 0): WalFrameHeader {
  return {
    pgno: u32(bytes, offset),
    dbPagesAfterCommit: u32(bytes, offset + 4),
    salt1: u32(bytes, offset + 8),
    salt2: u32(bytes, offset + 12),
    checksum1: u32(bytes, offset + 16),
    checksum2: u32(bytes, offset + 20),
  };
}

/**
 * The cumulative checksum after a frame: `prev` continued over the frame header's first 8 bytes
 * and the page (`frameHeader` is at least those 8 bytes).
 */
export function frameChecksum(bigEndian: boolean, prev: readonly [number, number], frameHeader: Uint8Array, page: Uint8Array): [number, number] {
  const [a, b] = walChecksum(bigEndian, frameHeader.subarray(0, 8), prev[0], prev[1]);
  return walChecksum(bigEndian, page, a, b);
}

/**
 * Encodes one frame (header + page) continuing the checksum `prev`; returns the frame and the
 * new cumulative checksum. For tests and for building logs; `salts` are the WAL header's.
 */
export function encodeWalFrame(
  bigEndian: boolean,
  prev: readonly [number, number],
  salts: readonly [number, number],
  pgno: number,
  dbPagesAfterCommit: number,
  page: Uint8Array,
): { frame: Uint8Array; checksum: [number, number] } {
  const frame = new Uint8Array(WAL_FRAME_HEADER_SIZE + page.length);
  putU32(frame, 0, pgno);
  putU32(frame, 4, dbPagesAfterCommit);
  putU32(frame, 8, salts[0]);
  putU32(frame, 12, salts[1]);
  frame.set(page, WAL_FRAME_HEADER_SIZE);
  const checksum = frameChecksum(bigEndian, prev, frame, page);
  putU32(frame, 16, checksum[0]);
  putU32(frame, 20, checksum[1]);
  return { frame, checksum };
}
