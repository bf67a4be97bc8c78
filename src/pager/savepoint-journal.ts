/**
 * The in-memory journals of a write transaction's savepoints (SQL's SAVEPOINT, and the one
 * statement savepoint each statement opens inside BEGIN): before the first change to a page
 * under an open savepoint, its dirty state (or `null`: it was not dirty yet) is kept, with the
 * transaction's page count, freelist head and schema flag as they were at the savepoint. Undoing
 * puts every kept page back. The statement journal reuses its copies (`tx.spare`); the longer-lived
 * SAVEPOINT journals keep their own.
 */
import { recycle, type StatementJournal, type WriteTx } from './pager-state.js';

/** An empty journal that starts now. */
export function journalFrom(tx: WriteTx): StatementJournal {
  return { pages: new Map(), pageCount: tx.pageCount, firstFreelistTrunk: tx.firstFreelistTrunk, freelistCount: tx.freelistCount, schemaChanged: tx.schemaChanged };
}

/**
 * Puts every page `journal` kept back as it was, and the transaction's fields. `reuse`: the
 * journal's copies may become dirty pages or spares (the statement journal, closed by this).
 */
export function restoreJournal(tx: WriteTx, journal: StatementJournal, reuse: boolean): void {
  for (const [pgno, before] of journal.pages) {
    if (before === null) {
      tx.dirty.delete(pgno);
      tx.originals.delete(pgno);
      continue;
    }
    const page = tx.dirty.get(pgno);
    if (page === undefined) tx.dirty.set(pgno, reuse ? before : before.slice());
    else {
      page.set(before);
      if (reuse) recycle(tx, before);
    }
  }
  tx.pageCount = journal.pageCount;
  tx.firstFreelistTrunk = journal.firstFreelistTrunk;
  tx.freelistCount = journal.freelistCount;
  tx.schemaChanged = journal.schemaChanged;
  tx.header = undefined;
}

/** Records a page's dirty state before its first change under each open savepoint. */
export function journalPage(tx: WriteTx, pgno: number, dirty: Uint8Array | undefined): void {
  for (const sp of tx.savepoints) {
    if (!sp.pages.has(pgno)) sp.pages.set(pgno, dirty === undefined ? null : dirty.slice());
  }
  const stmt = tx.statement;
  if (stmt === undefined || stmt.pages.has(pgno)) return;
  if (dirty === undefined) {
    stmt.pages.set(pgno, null);
    return;
  }
  const spare = tx.spare.pop();
  const copy = spare !== undefined && spare.length === dirty.length ? spare : new Uint8Array(dirty.length);
  copy.set(dirty);
  stmt.pages.set(pgno, copy);
}
