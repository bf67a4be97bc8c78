/**
 * Page 1 of a new, empty database (pager.ts `Pager.create` writes it): the database header and
 * an empty sqlite_schema leaf.
 */
import { writeU16 } from '../format/bytes.js';
import { encodeDatabaseHeader } from '../format/db-header.js';
import { PageType } from '../format/page-header.js';
import { SQLITE_VERSION_NUMBER } from './pager-state.js';

/**
 * Page 1 of a new, empty database: the 100-byte header, then an empty table-leaf page header
 * for sqlite_schema (type 0x0d, no freeblock, 0 cells, content area starting at the usable end).
 */
export function emptyDatabasePage1(pageSize: number, reservedBytes: number): Uint8Array {
  const page = new Uint8Array(pageSize);
  page.set(
    encodeDatabaseHeader({
      pageSize,
      writeVersion: 1,
      readVersion: 1,
      reservedBytes,
      maxPayloadFraction: 64,
      minPayloadFraction: 32,
      leafPayloadFraction: 32,
      changeCounter: 1,
      pageCount: 1,
      firstFreelistTrunk: 0,
      freelistCount: 0,
      schemaCookie: 0,
      schemaFormat: 4,
      defaultCacheSize: 0,
      largestRootPage: 0,
      textEncoding: 1,
      userVersion: 0,
      incrementalVacuum: 0,
      applicationId: 0,
      versionValidFor: 1,
      sqliteVersion: SQLITE_VERSION_NUMBER,
    }),
    0,
  );
  page[100] = PageType.TableLeaf;
  const usable = pageSize - reservedBytes;
  writeU16(page, 105, usable === 65536 ? 0 : usable);
  return page;
}
