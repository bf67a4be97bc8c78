/**
 * SQLite's rollback journal, byte for byte (https://www.sqlite.org/fileformat2.html#the_rollback_journal,
 * and the comments of `pager.c`): pure, synchronous codecs. The I/O lives in `journal-writer.ts`
 * (writing, deleting) and `hot-journal.ts` (reading, rolling back).
 *
 * A journal is one or more *segments*, each a header followed by page records; a super-journal
 * name may end the file. All integers are big-endian u32.
 *
 * Segment header (it occupies a whole sector: `sectorSize` bytes, zero after byte 28):
 *
 *   offset size  field
 *        0    8  magic d9 d5 05 f9 20 a1 63 d7
 *        8    4  record count in this segment; 0xffffffff = "as many as fit in the file"
 *                (written by SQLite in no-sync mode and on SAFE_APPEND devices)
 *       12    4  nonce: the initial value of every record checksum in this segment
 *       16    4  size of the database in pages when the transaction started
 *       20    4  sector size: header length, and the alignment of every later header
 *       24    4  page size (0 in journals written before SQLite 3.5.8: "the database's")
 *
 * Page record (`4 + pageSize + 4` bytes, right after the header or the previous record):
 *
 *        0    4  pgno
 *        4    P  the page's content before the transaction
 *      4+P    4  checksum = nonce + data[P-200] + data[P-400] + … (each byte unsigned,
 *                every 200th byte counted from the end, index > 0; sum mod 2^32)
 *
 * A later segment header (SQLite starts one whenever it syncs the journal in the middle of a
 * transaction, e.g. when the page cache spills) sits at the first multiple of the sector size
 * at or after the end of the previous segment's records. Its sector and page size fields are
 * ignored: the first header's values hold for the whole file.
 *
 * Super-journal name (multi-database transactions only; we never write one), the last bytes:
 *
 *        0    4  pgno of the lock-byte page (so a record walker stops on it)
 *        4    N  the super-journal's file name, UTF-8, no terminator
 *      4+N    4  N
 *      8+N    4  checksum: the sum of the name's bytes, each read as a *signed* 8-bit integer
 *     12+N    8  magic
 *
 * Nothing here throws on bad bytes: a journal that stops making sense simply ends there, exactly
 * as SQLite reads it (a torn write or a crash before the header was synced looks like that).
 */
import { readU32, writeU32 } from '../format/bytes.js';
import { lockBytePgno } from '../format/lock-byte.js';
import { MisuseError } from '../errors.js';

/** The 8 bytes every segment header and the super-journal trailer start/end with. */
export const JOURNAL_MAGIC: Uint8Array = Uint8Array.of(0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7);

/** Bytes of a header that carry fields; the rest of the sector is zero. */
export const JOURNAL_HEADER_FIELDS = 28;

/** Record count meaning "every whole record up to the end of the file". */
export const RECORD_COUNT_TO_EOF = 0xffff_ffff;

/** SQLite's bounds on the header's sector size (MAX_SECTOR_SIZE in pager.c) and page size. */
export const MIN_SECTOR_SIZE = 32;
export const MAX_SECTOR_SIZE = 0x1_0000;
export const MIN_PAGE_SIZE = 512;
export const MAX_PAGE_SIZE = 0x1_0000;

/** One decoded segment header. */
export interface JournalHeader {
  /** Records in the segment, or `RECORD_COUNT_TO_EOF`. */
  readonly recordCount: number;
  /** Checksum initialiser for the segment's records (u32). */
  readonly nonce: number;
  /** Database size in pages before the transaction: rollback truncates to it. */
  readonly originalPageCount: number;
  /** As stored; only the first header's value is used. */
  readonly sectorSize: number;
  /** As stored (may be 0 in very old journals); only the first header's value is used. */
  readonly pageSize: number;
}

/** A page record as stored. */
export interface JournalRecord {
  readonly pgno: number;
  readonly data: Uint8Array;
  readonly checksum: number;
}

function isPowerOfTwoIn(value: number, min: number, max: number): boolean {
  return value >= min && value <= max && (value & (value - 1)) === 0;
}

export function isValidJournalPageSize(pageSize: number): boolean {
  return isPowerOfTwoIn(pageSize, MIN_PAGE_SIZE, MAX_PAGE_SIZE);
}

export function isValidJournalSectorSize(sectorSize: number): boolean {
  return isPowerOfTwoIn(sectorSize, MIN_SECTOR_SIZE, MAX_SECTOR_SIZE);
}

function startsWithMagic(bytes: Uint8Array, at: number): boolean {
  if (at < 0 || at + JOURNAL_MAGIC.length > bytes.length) return false;
  for (let i = 0; i < JOURNAL_MAGIC.length; i++) if (bytes[at + i] !== JOURNAL_MAGIC[i]) return false;
  return true;
}

/**
 * The header as one sector: fields, then zeros. Throws MisuseError for sizes SQLite would
 * reject (our own invariant: the writer never produces a journal SQLite cannot read).
 */
export function encodeJournalHeader(header: JournalHeader): Uint8Array {
  if (!isValidJournalSectorSize(header.sectorSize)) {
    throw new MisuseError(`journal sector size must be a power of two in 32..65536, got ${header.sectorSize}`);
  }
  if (!isValidJournalPageSize(header.pageSize)) {
    throw new MisuseError(`journal page size must be a power of two in 512..65536, got ${header.pageSize}`);
  }
  for (const [name, v] of [
    ['recordCount', header.recordCount],
    ['nonce', header.nonce],
    ['originalPageCount', header.originalPageCount],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new MisuseError(`journal ${name} must be a u32, got ${v}`);
  }
  const out = new Uint8Array(header.sectorSize);
  out.set(JOURNAL_MAGIC, 0);
  writeU32(out, 8, header.recordCount);
  writeU32(out, 12, header.nonce);
  writeU32(out, 16, header.originalPageCount);
  writeU32(out, 20, header.sectorSize);
  writeU32(out, 24, header.pageSize);
  return out;
}

/**
 * Decodes a header from at least `JOURNAL_HEADER_FIELDS` bytes. `undefined` when the magic is
 * wrong, the bytes are too few, or (`first`, the default) the sector or page size is out of
 * range: SQLite reads each of those as "the journal ends here". A page size of 0 is kept as 0;
 * the caller substitutes the database's own.
 */
export function decodeJournalHeader(bytes: Uint8Array, first = true): JournalHeader | undefined {
  if (bytes.length < JOURNAL_HEADER_FIELDS || !startsWithMagic(bytes, 0)) return undefined;
  const header: JournalHeader = {
    recordCount: readU32(bytes, 8),
    nonce: readU32(bytes, 12),
    originalPageCount: readU32(bytes, 16),
    sectorSize: readU32(bytes, 20),
    pageSize: readU32(bytes, 24),
  };
  if (first) {
    if (!isValidJournalSectorSize(header.sectorSize)) return undefined;
    if (header.pageSize !== 0 && !isValidJournalPageSize(header.pageSize)) return undefined;
  }
  return header;
}

/** SQLite's `pager_cksum`: nonce plus every 200th byte counted back from the end (index > 0), mod 2^32. */
export function journalChecksum(nonce: number, data: Uint8Array): number {
  let sum = nonce >>> 0;
  for (let i = data.length - 200; i > 0; i -= 200) sum = (sum + data[i]!) >>> 0;
  return sum;
}

/** Bytes of one record for `pageSize`. */
export function journalRecordSize(pageSize: number): number {
  return pageSize + 8;
}

/** Writes one record (pgno, data, checksum under `nonce`) into `out` at `offset`. */
export function encodeJournalRecordInto(out: Uint8Array, offset: number, pgno: number, data: Uint8Array, nonce: number): void {
  writeU32(out, offset, pgno);
  out.set(data, offset + 4);
  writeU32(out, offset + 4 + data.length, journalChecksum(nonce, data));
}

export function encodeJournalRecord(pgno: number, data: Uint8Array, nonce: number): Uint8Array {
  const out = new Uint8Array(journalRecordSize(data.length));
  encodeJournalRecordInto(out, 0, pgno, data, nonce);
  return out;
}

/** Decodes the record at `offset` (the caller ensures `offset + pageSize + 8 <= bytes.length`); `data` is a copy. */
export function decodeJournalRecord(bytes: Uint8Array, offset: number, pageSize: number): JournalRecord {
  return {
    pgno: readU32(bytes, offset),
    data: bytes.slice(offset + 4, offset + 4 + pageSize),
    checksum: readU32(bytes, offset + 4 + pageSize),
  };
}

/** SQLite's `journalHdrOffset`: the first multiple of `sectorSize` at or after `offset`. */
export function nextHeaderOffset(offset: number, sectorSize: number): number {
  return offset === 0 ? 0 : Math.ceil(offset / sectorSize) * sectorSize;
}

// ── Super-journal name ──────────────────────────────────────────────────────────────────

/** Bytes of the super-journal trailer that follow the name: length, checksum, magic. */
export const SUPER_JOURNAL_TRAILER = 16;

/**
 * The name checksum as SQLite writes it: `cksum += zSuper[i]` over a C `char`, which is signed on
 * x86 and unsigned on ARM. `signed` picks the x86 reading (pager.c documents that one); the two
 * differ only for bytes >= 0x80.
 */
export function superJournalChecksum(name: Uint8Array, signed = true): number {
  let sum = 0;
  for (const b of name) sum = (sum + (signed && b >= 0x80 ? b - 0x100 : b)) >>> 0;
  return sum;
}

/** The super-journal block for `name` (for tests, and for readers of SQLite's multi-database journals). */
export function encodeSuperJournalName(name: string, pageSize: number): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.includes(0)) throw new MisuseError('a super-journal name must be non-empty and contain no NUL');
  const out = new Uint8Array(4 + bytes.length + SUPER_JOURNAL_TRAILER);
  writeU32(out, 0, lockBytePgno(pageSize));
  out.set(bytes, 4);
  writeU32(out, 4 + bytes.length, bytes.length);
  writeU32(out, 8 + bytes.length, superJournalChecksum(bytes));
  out.set(JOURNAL_MAGIC, 12 + bytes.length);
  return out;
}

/**
 * From the last 16 bytes of a journal (`readSuperJournal` in pager.c): the length of the name
 * that precedes them, or `undefined` when there is no super-journal name. `fileSize` bounds the
 * length (a corrupt length never sizes an allocation beyond the file) and `maxLength` is the
 * longest name the caller accepts (SQLite: mxPathname).
 */
export function superJournalNameLength(last16: Uint8Array, fileSize: number, maxLength: number): number | undefined {
  if (last16.length !== SUPER_JOURNAL_TRAILER || fileSize < SUPER_JOURNAL_TRAILER) return undefined;
  const length = readU32(last16, 0);
  if (length === 0 || length > fileSize - SUPER_JOURNAL_TRAILER || length > maxLength) return undefined;
  if (!startsWithMagic(last16, 8)) return undefined;
  return length;
}

/**
 * The name, if its checksum (in `last16`) matches under either reading of `char`; `undefined`
 * otherwise (SQLite: "no super-journal name").
 */
export function decodeSuperJournalName(name: Uint8Array, last16: Uint8Array): string | undefined {
  const stored = readU32(last16, 4);
  if (superJournalChecksum(name, true) !== stored && superJournalChecksum(name, false) !== stored) return undefined;
  return new TextDecoder('utf-8', { fatal: false }).decode(name);
}

// ── Whole journals in memory (tests, small journals) ────────────────────────────────────

export interface JournalImage {
  readonly pageSize: number;
  readonly sectorSize: number;
  readonly originalPageCount: number;
  readonly nonce: number;
  readonly pages: readonly { readonly pgno: number; readonly data: Uint8Array }[];
}

/** A complete one-segment journal, as `writeJournal` lays it out (header with the real count). */
export function encodeJournal(image: JournalImage): Uint8Array {
  const recordSize = journalRecordSize(image.pageSize);
  const out = new Uint8Array(image.sectorSize + image.pages.length * recordSize);
  out.set(
    encodeJournalHeader({
      recordCount: image.pages.length,
      nonce: image.nonce,
      originalPageCount: image.originalPageCount,
      sectorSize: image.sectorSize,
      pageSize: image.pageSize,
    }),
  );
  image.pages.forEach((p, i) => {
    if (p.data.length !== image.pageSize) throw new MisuseError(`page ${p.pgno}: ${p.data.length} bytes, not ${image.pageSize}`);
    encodeJournalRecordInto(out, image.sectorSize + i * recordSize, p.pgno, p.data, image.nonce);
  });
  return out;
}

/** What a rollback of a journal would do: the first header's sizes and the records to play back, in order. */
export interface JournalPlayback {
  readonly pageSize: number;
  readonly sectorSize: number;
  readonly originalPageCount: number;
  readonly records: readonly { readonly pgno: number; readonly data: Uint8Array }[];
  /** Why reading stopped (for diagnostics and tests). */
  readonly end: JournalEnd;
}

/**
 * Why a playback stopped:
 * - `eof`: no further header fits in the file, or a record ran past the end;
 * - `no-header`: the next header's magic (or sizes) are not valid;
 * - `bad-checksum`: a record's checksum did not match (a torn or unsynced write);
 * - `bad-pgno`: a record for page 0 or the lock-byte page (this is how a super-journal name
 *   block ends the records).
 */
export type JournalEnd = 'eof' | 'no-header' | 'bad-checksum' | 'bad-pgno';

/**
 * Everything `sqlite3` would play back from an in-memory journal, following `pager_playback`:
 * segments in order; in each, `recordCount` records (0xffffffff: as many whole records as the
 * file holds); records for pages past the original size are skipped (their checksums are not
 * even looked at); the first record with pgno 0, the lock-byte page, or a bad checksum ends the
 * whole playback. `undefined` when the first header is not valid (the journal is not hot).
 * `dbPageSize` stands in for a page-size field of 0.
 */
export function decodeJournal(bytes: Uint8Array, dbPageSize?: number): JournalPlayback | undefined {
  const first = decodeJournalHeader(bytes);
  if (first === undefined) return undefined;
  const pageSize = first.pageSize === 0 ? dbPageSize : first.pageSize;
  if (pageSize === undefined || !isValidJournalPageSize(pageSize)) return undefined;
  const sectorSize = first.sectorSize;
  if (bytes.length < sectorSize) return undefined;
  const recordSize = journalRecordSize(pageSize);
  const lockByte = lockBytePgno(pageSize);
  const records: { pgno: number; data: Uint8Array }[] = [];
  let header: JournalHeader = first;
  let offset = sectorSize;
  let end: JournalEnd = 'eof';
  segments: for (;;) {
    const count =
      header.recordCount === RECORD_COUNT_TO_EOF ? Math.floor((bytes.length - offset) / recordSize) : header.recordCount;
    for (let i = 0; i < count; i++) {
      if (offset + recordSize > bytes.length) break segments;
      const record = decodeJournalRecord(bytes, offset, pageSize);
      offset += recordSize;
      if (record.pgno === 0 || record.pgno === lockByte) {
        end = 'bad-pgno';
        break segments;
      }
      if (record.pgno > first.originalPageCount) continue;
      if (journalChecksum(header.nonce, record.data) !== record.checksum) {
        end = 'bad-checksum';
        break segments;
      }
      records.push({ pgno: record.pgno, data: record.data });
    }
    const at = nextHeaderOffset(offset, sectorSize);
    if (at + sectorSize > bytes.length) break;
    const next = decodeJournalHeader(bytes.subarray(at, at + JOURNAL_HEADER_FIELDS), false);
    if (next === undefined) {
      end = 'no-header';
      break;
    }
    header = next;
    offset = at + sectorSize;
  }
  return { pageSize, sectorSize, originalPageCount: first.originalPageCount, records, end };
}
