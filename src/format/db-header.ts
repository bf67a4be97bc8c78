/**
 * The 100-byte database header at the start of page 1
 * (https://www.sqlite.org/fileformat2.html#the_database_header).
 *
 *   Offset Size  Field
 *   ------ ----  -----------------------------------------------------------------
 *     0     16   "SQLite format 3\0"
 *    16      2   page size, big-endian; 1 means 65536; else a power of two 512..32768
 *    18      1   file format write version (1 legacy, 2 WAL)
 *    19      1   file format read version  (1 legacy, 2 WAL)
 *    20      1   bytes of unused "reserved" space at the end of each page
 *    21      1   maximum embedded payload fraction, must be 64
 *    22      1   minimum embedded payload fraction, must be 32
 *    23      1   leaf payload fraction, must be 32
 *    24      4   file change counter
 *    28      4   size of the database in pages ("in-header database size")
 *    32      4   page number of the first freelist trunk page
 *    36      4   total number of freelist pages
 *    40      4   schema cookie
 *    44      4   schema format number (1..4)
 *    48      4   default page cache size (signed)
 *    52      4   largest root b-tree page when in auto-vacuum / incremental-vacuum mode, else 0
 *    56      4   text encoding: 1 UTF-8, 2 UTF-16le, 3 UTF-16be
 *    60      4   user version (signed)
 *    64      4   incremental-vacuum mode flag (non-zero = incremental)
 *    68      4   application id (signed)
 *    72     20   reserved for expansion, zero
 *    92      4   version-valid-for number (change counter when the page count was last written)
 *    96      4   SQLITE_VERSION_NUMBER of the library that last wrote the file
 *
 * Validation follows what SQLite does when it first reads page 1 (`lockBtree()` in btree.c):
 * a bad magic, page size, read version, payload fraction or a usable size below 480 make the
 * file "not a database" (SQLITE_NOTADB). A schema format above 4 is an unsupported format,
 * which we also report as NotADatabaseError.
 */
import { CorruptError, NotADatabaseError } from '../errors.js';
import { readU32 as u32, writeU32 as putU32 } from './bytes.js';

export const DATABASE_HEADER_SIZE = 100;

/** "SQLite format 3\0" */
export const DATABASE_MAGIC = new Uint8Array([
  0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00,
]);

export type TextEncoding = 1 | 2 | 3;

export interface DatabaseHeader {
  /** Bytes per page, 512..65536 (the stored value 1 is decoded to 65536). */
  readonly pageSize: number;
  readonly writeVersion: number;
  readonly readVersion: number;
  readonly reservedBytes: number;
  readonly maxPayloadFraction: number;
  readonly minPayloadFraction: number;
  readonly leafPayloadFraction: number;
  readonly changeCounter: number;
  /** The raw in-header page count; see `pageCountValid`. */
  readonly pageCount: number;
  /**
   * SQLite trusts the in-header page count only when it is non-zero and the version-valid-for
   * number equals the change counter (a legacy writer may have grown the file without updating
   * it); otherwise the page count is derived from the file size.
   */
  readonly pageCountValid: boolean;
  readonly firstFreelistTrunk: number;
  readonly freelistCount: number;
  readonly schemaCookie: number;
  /** 1..4; a database with no schema yet may store 0 (decoded as is). */
  readonly schemaFormat: number;
  readonly defaultCacheSize: number;
  /** Non-zero only in auto-vacuum / incremental-vacuum databases. */
  readonly largestRootPage: number;
  /** 1 UTF-8, 2 UTF-16le, 3 UTF-16be (a stored 0, in a database without schema, reads as 1). */
  readonly textEncoding: TextEncoding;
  readonly userVersion: number;
  readonly incrementalVacuum: number;
  readonly applicationId: number;
  readonly versionValidFor: number;
  readonly sqliteVersion: number;
  /** pageSize - reservedBytes: the bytes of each page the b-tree layer may use (>= 480). */
  readonly usableSize: number;
}

function i32(b: Uint8Array, off: number): number {
  return u32(b, off) | 0;
}

/** Whether `n` is a valid page size: a power of two from 512 to 65536. */
export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * Decodes and validates the first 100 bytes of a database file. Throws `NotADatabaseError`
 * when the bytes are too short or are not a usable SQLite header.
 */
export function decodeDatabaseHeader(bytes: Uint8Array): DatabaseHeader {
  if (bytes.length < DATABASE_HEADER_SIZE) throw new NotADatabaseError('file is not a database (shorter than its header)');
  for (let i = 0; i < 16; i++) {
    if (bytes[i] !== DATABASE_MAGIC[i]) throw new NotADatabaseError();
  }
  const rawPageSize = (bytes[16]! << 8) | bytes[17]!;
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (!isValidPageSize(pageSize)) throw new NotADatabaseError(`file is not a database (bad page size ${rawPageSize})`);
  const writeVersion = bytes[18]!;
  const readVersion = bytes[19]!;
  // SQLite: a read version above 2 means a future format it cannot read; a write version
  // above 2 only makes the file read-only (checked by the write engine).
  if (readVersion > 2) throw new NotADatabaseError(`file is not a database (read version ${readVersion})`);
  const reservedBytes = bytes[20]!;
  const maxPayloadFraction = bytes[21]!;
  const minPayloadFraction = bytes[22]!;
  const leafPayloadFraction = bytes[23]!;
  if (maxPayloadFraction !== 64 || minPayloadFraction !== 32 || leafPayloadFraction !== 32) {
    throw new NotADatabaseError('file is not a database (bad payload fractions)');
  }
  const usableSize = pageSize - reservedBytes;
  if (usableSize < 480) throw new NotADatabaseError(`file is not a database (usable size ${usableSize} < 480)`);
  const changeCounter = u32(bytes, 24);
  const pageCount = u32(bytes, 28);
  const versionValidFor = u32(bytes, 92);
  const schemaFormat = u32(bytes, 44);
  if (schemaFormat > 4) throw new NotADatabaseError(`unsupported file format (schema format ${schemaFormat})`);
  const rawEncoding = u32(bytes, 56);
  if (rawEncoding > 3) throw new CorruptError(`bad text encoding ${rawEncoding} in the database header`, 1);
  const textEncoding = (rawEncoding === 0 ? 1 : rawEncoding) as TextEncoding;
  return {
    pageSize,
    writeVersion,
    readVersion,
    reservedBytes,
    maxPayloadFraction,
    minPayloadFraction,
    leafPayloadFraction,
    changeCounter,
    pageCount,
    pageCountValid: pageCount !== 0 && versionValidFor === changeCounter,
    firstFreelistTrunk: u32(bytes, 32),
    freelistCount: u32(bytes, 36),
    schemaCookie: u32(bytes, 40),
    schemaFormat,
    defaultCacheSize: i32(bytes, 48),
    largestRootPage: u32(bytes, 52),
    textEncoding,
    userVersion: i32(bytes, 60),
    incrementalVacuum: u32(bytes, 64),
    applicationId: i32(bytes, 68),
    versionValidFor,
    sqliteVersion: u32(bytes, 96),
    usableSize,
  };
}

/** Encodes a header to its 100 bytes (the reserved bytes 72..91 are written as zero). */
export function encodeDatabaseHeader(h: Omit<DatabaseHeader, 'usableSize' | 'pageCountValid'>): Uint8Array {
  if (!isValidPageSize(h.pageSize)) throw new globalThis.RangeError(`invalid page size ${h.pageSize}`);
  const b = new Uint8Array(DATABASE_HEADER_SIZE);
  b.set(DATABASE_MAGIC, 0);
  const raw = h.pageSize === 65536 ? 1 : h.pageSize;
  b[16] = raw >> 8;
  b[17] = raw & 0xff;
  b[18] = h.writeVersion;
  b[19] = h.readVersion;
  b[20] = h.reservedBytes;
  b[21] = h.maxPayloadFraction;
  b[22] = h.minPayloadFraction;
  b[23] = h.leafPayloadFraction;
  putU32(b, 24, h.changeCounter);
  putU32(b, 28, h.pageCount);
  putU32(b, 32, h.firstFreelistTrunk);
  putU32(b, 36, h.freelistCount);
  putU32(b, 40, h.schemaCookie);
  putU32(b, 44, h.schemaFormat);
  putU32(b, 48, h.defaultCacheSize);
  putU32(b, 52, h.largestRootPage);
  putU32(b, 56, h.textEncoding);
  putU32(b, 60, h.userVersion);
  putU32(b, 64, h.incrementalVacuum);
  putU32(b, 68, h.applicationId);
  putU32(b, 92, h.versionValidFor);
  putU32(b, 96, h.sqliteVersion);
  return b;
}
