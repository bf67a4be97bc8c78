/**
 * A whole scan of a rowid table on a local file, as a stream of records: the records of every
 * leaf in rowid order, handed to a visitor where they lie — the inspection API's raw-record scan
 * (api/table-rows.ts: `db.rows`, `db.recordBatches`, the CLI's `rows`/`query` output) when it
 * reads the whole table.
 *
 * It reads the table as CREATE INDEX does (table-leaf-scan.ts): the leaves' page numbers first,
 * from the interior pages, then runs of consecutive leaves in one system call each into one
 * buffer used again for the next run (readPagesInto) — no array and no cache entry per page, no
 * cursor step per row. A cursor's walk costs about twice the CPU. Pages a run cannot take (cached
 * or dirty ones, or a file that cannot read at once) come from the pager one leaf at a time.
 *
 * Every page number and cell comes from untrusted bytes: leafPgnos checks the tree's shape
 * (children in range, each page reached once, one depth for all leaves); each leaf must be a table
 * leaf, and each cell is found and parsed as a cursor finds and parses it (cellAt, parseCell).
 */
import { CorruptError } from '../errors.js';
import { emptyCell, parseCell } from '../format/cell.js';
import { decodePageHeader, PageType } from '../format/page-header.js';
import type { Pager } from '../pager/pager.js';
import { readPagesInto } from '../pager/read-pages-into.js';
import { cellAt, type BtreePage } from './btree-page.js';
import { readPayload } from './payload-reader.js';
import { leafPgnos, RUN_PAGES } from './table-leaf-scan.js';

/**
 * Whether the pager's file reads runs of pages at once now (a local file, no journal overlay: the
 * case this scan is for; found by shape, SafePageFile.readsAtOnce). Elsewhere (S3, blocks, a WAL)
 * a cursor's read-ahead fetches leaves in parallel, which a leaf at a time here would not.
 */
export function readsLeavesInBulk(pager: Pager): boolean {
  return (pager.file as { readsAtOnce?: boolean }).readsAtOnce === true;
}

/**
 * Calls `visit(payload, rowid)` for every row of the table rooted at `root` after the first
 * `skip`, in rowid order (`payload` is a view of a buffer that the next rows overwrite: read it
 * before returning). Yields how many rows it visited since it last yielded — at most `batch` a
 * yield. When `visit` or a read fails, the rows visited before are yielded first, then the error
 * is thrown.
 */
export async function* visitTableLeaves(
  pager: Pager,
  root: number,
  skip: number,
  batch: number,
  visit: (payload: Uint8Array, rowid: number | bigint) => void,
): AsyncGenerator<number> {
  const usable = pager.usableSize;
  const size = pager.pageSize;
  const scratch = new Uint8Array(RUN_PAGES * size);
  const cell = emptyCell();
  let n = 0;
  try {
    const leaves = await leafPgnos(pager, root, scratch);
    for (let i = 0; i < leaves.length; ) {
      let run = 1;
      while (i + run < leaves.length && run < RUN_PAGES && leaves[i + run] === leaves[i]! + run) run++;
      const inScratch = readPagesInto(pager, leaves[i]!, run, scratch);
      if (!inScratch) run = 1;
      for (let k = 0; k < run; k++) {
        const pgno = leaves[i + k]!;
        const data = inScratch ? scratch.subarray(k * size, (k + 1) * size) : await pager.getPage(pgno);
        const header = decodePageHeader(data, pgno, usable);
        if (header.pageType !== PageType.TableLeaf) {
          throw new CorruptError(header.isTable ? 'table b-tree leaves at different depths' : 'index page inside a table b-tree', pgno);
        }
        const page: BtreePage = { pgno, data, header };
        const cells = header.cellCount;
        let c = 0;
        if (skip > 0) {
          c = Math.min(skip, cells);
          skip -= c;
        }
        for (; c < cells; c++) {
          parseCell(data, cellAt(page, c, usable), PageType.TableLeaf, pgno, usable, cell);
          if (cell.overflowPgno === 0) visit(data.subarray(cell.localOffset, cell.localOffset + cell.localSize), cell.rowid);
          else {
            const rowid = cell.rowid;
            visit(await readPayload(pager, pgno, data, cell), rowid);
          }
          if (++n >= batch) {
            n = 0;
            yield batch;
          }
        }
      }
      i += run;
    }
  } catch (err) {
    if (n > 0) yield n;
    throw err;
  }
  if (n > 0) yield n;
}
