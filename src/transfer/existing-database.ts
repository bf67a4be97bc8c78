/**
 * What an import finds at its destination prefix `P`, in one round trip of three requests sent
 * together (the caller holds the writer lease, so the answer stays true while it imports):
 *
 *   HEAD P/0000000000          block 0: a database is there
 *   LIST P/ (first page only)  any block at all: a database, or the debris of an interrupted
 *                              import (block 0 is written last on a fresh import)
 *   HEAD P-journal/0000000000  a rollback journal: rolled back before a replace, or — next to no
 *                              database at all — removed, so it can never "restore" its pages
 *                              over the database about to be imported
 *
 * The LIST also answers for a bucket that does not exist (a HEAD cannot tell a missing bucket from
 * a missing object), so a wrong bucket fails here with S3's NoSuchBucket, before anything is written.
 */
import { asSqliteError } from '../errors.js';
import { journalName } from '../pager/journal-writer.js';
import { BlockStore } from '../store/block-store.js';

export interface ExistingState {
  /** Block 0 exists: there is a database (it may be any size, even corrupt). */
  readonly block0: boolean;
  /** Some block exists under `P/` (block 0 or any other). */
  readonly anyBlock: boolean;
  /** The first block of `P-journal` exists. */
  readonly journal: boolean;
}

export async function findExisting(target: BlockStore): Promise<ExistingState> {
  const journal = new BlockStore(target.objects, journalName(target.prefix));
  try {
    const [size0, listed, journalSize] = await Promise.all([target.size(0), anyBlock(target), journal.size(0)]);
    return { block0: size0 !== undefined, anyBlock: size0 !== undefined || listed, journal: journalSize !== undefined };
  } catch (err) {
    throw asSqliteError(err, `looking for a database at ${target.url}`);
  }
}

/** Whether `P/` holds any block: the first page of one listing, abandoned at the first key. */
async function anyBlock(target: BlockStore): Promise<boolean> {
  for await (const _block of target.list()) return true;
  return false;
}
