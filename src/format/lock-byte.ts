/**
 * The lock-byte page (https://www.sqlite.org/fileformat2.html#the_lock_byte_page): the page
 * holding file offsets 1073741824..1073742335 (PENDING_BYTE = 0x40000000), used by SQLite's
 * POSIX/Windows locks. It exists only in files larger than 1 GiB, and is never a b-tree,
 * overflow, freelist or pointer-map page: it is simply skipped.
 */

export const PENDING_BYTE = 0x40000000;

/** Pgno of the lock-byte page for `pageSize`. */
export function lockBytePgno(pageSize: number): number {
  return Math.floor(PENDING_BYTE / pageSize) + 1;
}

/** Whether a database of `pageCount` pages contains the lock-byte page. */
export function hasLockBytePage(pageCount: number, pageSize: number): boolean {
  return pageCount >= lockBytePgno(pageSize);
}
