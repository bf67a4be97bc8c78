/**
 * A bulk read that bypasses the page cache: pages `first`…`first + count - 1` read at once into
 * the caller's buffer, page after page, when the pager's file can read now (a local file:
 * SafePageFile.readNowInto, which makes the pending journal look first as `Pager.pageNow` does)
 * and none of the pages is dirty or cached (those are the pager's to give: `peekPage`). For
 * CREATE INDEX's read of a whole table's leaves (btree/table-leaf-scan.ts): a few system calls
 * into one buffer used again for the next run, instead of an array and a cache entry per page.
 * A page being read by another cursor's read-ahead holds the same committed bytes: reading it
 * here as well is harmless.
 */
import type { Pager } from './pager.js';

/** False, with nothing promised about `into`, when the pages cannot be read this way: get them from the pager. */
export function readPagesInto(pager: Pager, first: number, count: number, into: Uint8Array): boolean {
  const size = pager.pageSize;
  const file = pager.file as { readNowInto?: (into: Uint8Array, offset: number) => boolean };
  if (file.readNowInto === undefined || count < 1 || into.length < count * size) return false;
  if (first < 1 || first + count - 1 > pager.pageCount) return false;
  for (let pgno = first; pgno < first + count; pgno++) if (pager.peekPage(pgno) !== undefined) return false;
  return file.readNowInto(into.subarray(0, count * size), (first - 1) * size);
}
