/**
 * Bringing the table leaves of many rowids into the page cache at once, before they are sought
 * one by one: a `rowid IN (…)` list (a GeoPackage's `fid IN (SELECT id FROM rtree_… WHERE …)`)
 * then costs a few parallel rounds of requests per batch instead of one request per row. A hint
 * only: a damaged page on the way is left for the seeks to report.
 */
import type { Pager } from '../pager/pager.js';
import { fetchRowidLeaves } from './read-ahead.js';

/** Rowids warmed at once: their leaves stay within a quarter of the cache (16…256). */
export function rowidBatch(pager: Pager): number {
  return Math.max(16, Math.min(256, Math.floor(pager.cacheBytes / pager.pageSize / 4)));
}

export async function warmRowids(pager: Pager, rootPgno: number, rowids: readonly bigint[]): Promise<void> {
  try {
    await fetchRowidLeaves(pager, rootPgno, rowids);
  } catch {
    // The seeks read the same pages and report what is wrong with them.
  }
}
