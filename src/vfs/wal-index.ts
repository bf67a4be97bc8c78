/**
 * Reading a `-wal` file the way SQLite recovers it when there is no usable `-shm`
 * (`walIndexRecover` in wal.c; format: `format/wal-format.ts`): the result is what a new
 * SQLite connection sees — the committed frames of the log's current generation.
 *
 * The log is read front to back through a window of about 1 MiB (at least one frame), so memory
 * does not grow with the log: what is kept is an index, page number → offset of the newest
 * committed frame of that page, one entry per distinct page. The frames of a transaction not
 * yet committed (after the last commit frame) are held apart and dropped at the end.
 */
import { CantOpenError } from '../errors.js';
import {
  WAL_FORMAT_VERSION,
  WAL_FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
  type WalHeader,
  type WalHeaderProblem,
  decodeWalFrameHeader,
  decodeWalHeader,
  frameChecksum,
} from '../format/wal-format.js';
import type { VfsFile } from './vfs.js';

/** The bytes a WAL window holds (rounded to whole frames, at least one). */
const WINDOW_BYTES = 1 << 20;

/** What the valid, committed part of a log holds. */
export interface WalIndex {
  readonly header: WalHeader;
  readonly pageSize: number;
  /** Frames up to and including the last commit frame (SQLite's mxFrame). */
  readonly frames: number;
  /** Commit frames among them (transactions). */
  readonly commits: number;
  /** The database size in pages after the last commit. */
  readonly dbPages: number;
  /** pgno → byte offset in the log of the page data (after the frame header) of its newest committed frame. */
  readonly pages: ReadonlyMap<number, number>;
  /** Why reading stopped where it did. */
  readonly end: WalEnd;
}

/** Why the valid log ends: the file ended (possibly mid-frame), or the frame there is not one of this log. */
export type WalEnd = 'eof' | 'torn-frame' | 'salt' | 'pgno-zero' | 'checksum';

/** A log SQLite would treat as holding nothing. */
export interface WalEmpty {
  readonly empty: true;
  /** 'short' | 'magic' | 'page-size' | 'checksum' (the header), or 'no-commit' (valid frames, none committed). */
  readonly reason: WalHeaderProblem | 'no-commit';
  /** Frames read as valid but after the last commit (a transaction the writer never finished). */
  readonly uncommittedFrames: number;
}

export type WalScan = (WalIndex & { readonly empty: false }) | WalEmpty;

/**
 * Reads the whole log `wal` (named `name` in messages) and indexes its committed frames.
 * CantOpenError for a valid header with an unknown format version (as SQLite); everything else
 * that is wrong with the bytes makes the log end early or count as empty, as in SQLite.
 */
export async function scanWal(wal: Pick<VfsFile, 'xRead' | 'xFileSize'>, name: string): Promise<WalScan> {
  const size = await wal.xFileSize();
  // SQLite looks at the header only when something follows it (`nSize>WAL_HDRSIZE`).
  if (size <= WAL_HEADER_SIZE) return { empty: true, reason: 'short', uncommittedFrames: 0 };
  const header = decodeWalHeader(await wal.xRead(WAL_HEADER_SIZE, 0));
  if (typeof header === 'string') return { empty: true, reason: header, uncommittedFrames: 0 };
  if (header.formatVersion !== WAL_FORMAT_VERSION) {
    throw new CantOpenError(`unable to open ${name}: unknown WAL format version ${header.formatVersion} (expected ${WAL_FORMAT_VERSION})`);
  }
  const { pageSize, bigEndianChecksum: bigEndian, salt1, salt2 } = header;
  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  const perWindow = Math.max(1, Math.floor(WINDOW_BYTES / frameSize));
  const wholeFrames = Math.floor((size - WAL_HEADER_SIZE) / frameSize);

  const pages = new Map<number, number>();
  /** Frames since the last commit frame: pgno → data offset (applied to `pages` at the next commit). */
  let pending = new Map<number, number>();
  let pendingFrames = 0;
  let checksum: [number, number] = [header.checksum1, header.checksum2];
  let frames = 0;
  let commits = 0;
  let dbPages = 0;
  let end: WalEnd = wholeFrames * frameSize + WAL_HEADER_SIZE < size ? 'torn-frame' : 'eof';

  scan: for (let first = 0; first < wholeFrames; first += perWindow) {
    const count = Math.min(perWindow, wholeFrames - first);
    const windowOffset = WAL_HEADER_SIZE + first * frameSize;
    const window = await wal.xRead(count * frameSize, windowOffset);
    for (let i = 0; i < count; i++) {
      const at = i * frameSize;
      const fh = decodeWalFrameHeader(window, at);
      if (fh.salt1 !== salt1 || fh.salt2 !== salt2) {
        end = 'salt';
        break scan;
      }
      if (fh.pgno === 0) {
        end = 'pgno-zero';
        break scan;
      }
      const next = frameChecksum(bigEndian, checksum, window.subarray(at, at + 8), window.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize));
      if (next[0] !== fh.checksum1 || next[1] !== fh.checksum2) {
        end = 'checksum';
        break scan;
      }
      checksum = next;
      pending.set(fh.pgno, windowOffset + at + WAL_FRAME_HEADER_SIZE);
      pendingFrames++;
      if (fh.dbPagesAfterCommit !== 0) {
        for (const [pgno, offset] of pending) pages.set(pgno, offset);
        pending = new Map();
        frames += pendingFrames;
        pendingFrames = 0;
        commits++;
        dbPages = fh.dbPagesAfterCommit;
      }
    }
  }
  if (commits === 0) return { empty: true, reason: 'no-commit', uncommittedFrames: pendingFrames };
  // Frames of pages past the final size (the database shrank) are not part of the database.
  for (const pgno of [...pages.keys()]) if (pgno > dbPages) pages.delete(pgno);
  return { empty: false, header, pageSize, frames, commits, dbPages, pages, end };
}
