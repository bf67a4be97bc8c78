/**
 * The length a database file must have, judged from its first 100 bytes (fileformat2.html §1.3):
 * the in-header page count × page size when the page count is valid (bytes 92–95,
 * "version-valid-for", equal bytes 24–27, the change counter, and the count is non-zero),
 * otherwise the source size (which must then be a whole number of pages).
 */
import { NotADatabaseError } from '../errors.js';
import { decodeDatabaseHeader } from '../format/db-header.js';

export function expectedFileSize(first: Uint8Array, sourceSize: number | undefined): number {
  if (first.length < 100) throw new NotADatabaseError(`the input is only ${first.length} bytes, not a SQLite database`);
  const header = decodeDatabaseHeader(first.subarray(0, 100));
  if (header.pageCountValid) return header.pageCount * header.pageSize;
  if (sourceSize === undefined || sourceSize % header.pageSize !== 0 || sourceSize === 0) {
    throw new NotADatabaseError('the header does not give a valid page count and the input size is not a whole number of pages');
  }
  return sourceSize;
}
