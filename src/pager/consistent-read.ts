/**
 * Reads that see exactly one committed state, on a database others may be committing to
 * (DESIGN.md, "Commit protocol on S3": readers never wait for writers).
 *
 *   begin   `CommitProtocol.beginRead`: one round trip (the journal's first block and block 0)
 *           decides between the file and the journal overlay, and tells the pager whether the
 *           database moved (then its cache goes);
 *   read    the caller's reads, through the pager;
 *   seal    `Pager.seal`: read-ahead still in flight will not be cached — nothing vouches for it;
 *   end     `CommitProtocol.endRead`: free when nothing was fetched, else the journal then block 0;
 *           a read that a commit overlapped is run again with every cache dropped.
 *
 * A read that streams its result (`readConsistentStream`) cannot take back rows it has handed
 * out: it is retried only while it has delivered none; after that an overlapping commit ends it
 * with BusyError, as SQLite ends a statement whose snapshot it cannot keep.
 */
import { BusyError, SqliteError } from '../errors.js';
import { normalizePrefix } from '../store/block-key.js';
import { type CommitProtocol, type ReadToken, safeProtocol } from './commit-protocol.js';
import type { Pager } from './pager.js';

/** Attempts before giving up with BusyError. */
const READ_ATTEMPTS = 20;

/** Begins one attempt: the state check (the pager is brought up to it by `adopt`, inside the attempt). */
async function begin(pager: Pager, protocol: CommitProtocol, mayRecover: boolean | undefined): Promise<ReadToken> {
  const token = await protocol.beginRead(mayRecover);
  if (token.stale) dropEverything(pager, protocol);
  return token;
}

/**
 * The pager takes the header the check saw. Part of the attempt: a header and a size learned
 * while a commit was landing may disagree (CorruptError), and `end` then says to try again.
 */
function adopt(pager: Pager, token: ReadToken): Promise<boolean> {
  return pager.refresh(token.header);
}

/** Ends one attempt: true when the state it began on still holds. */
async function end(pager: Pager, protocol: CommitProtocol, token: ReadToken): Promise<boolean> {
  pager.seal();
  if (await protocol.endRead(token)) return true;
  dropEverything(pager, protocol);
  return false;
}

function dropEverything(pager: Pager, protocol: CommitProtocol): void {
  pager.invalidate();
  protocol.dropBaseCaches();
}

function busy(protocol: CommitProtocol): BusyError {
  return new BusyError(`database is busy: reads of ${normalizePrefix(protocol.name)} kept overlapping commits`);
}

/**
 * Runs a read (`fn` reads through `pager`) so that it sees exactly one committed state, retrying
 * it when a commit overlapped it. Inside the pager's own write transaction `fn` just runs.
 * `mayRecover`: whether a hot journal may be rolled back (default: the protocol's setting).
 */
export async function readConsistent<T>(pager: Pager, fn: () => Promise<T>, mayRecover?: boolean): Promise<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return fn();
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const token = await begin(pager, protocol, mayRecover);
    let result: T;
    try {
      await adopt(pager, token);
      result = await fn();
    } catch (err) {
      // A read torn by a commit can look corrupt: only believe the error if nothing moved.
      if (err instanceof SqliteError && !(await end(pager, protocol, token))) continue;
      throw err;
    }
    if (await end(pager, protocol, token)) return result;
  }
  throw busy(protocol);
}

/**
 * Streams the items of `open()` (a fresh iteration per attempt) from one committed state: retried
 * while nothing has been delivered; BusyError when a commit overlapped it after that (the items
 * already delivered may then mix two states — read again). Stopping early (`break`) checks too.
 */
export async function* readConsistentStream<T>(pager: Pager, open: () => AsyncIterable<T>, mayRecover?: boolean): AsyncGenerator<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) {
    yield* open();
    return;
  }
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const token = await begin(pager, protocol, mayRecover);
    let delivered = 0;
    let settled = false; // the source finished or failed (not: the consumer stopped early)
    let items: AsyncIterator<T> | undefined;
    try {
      for (;;) {
        let step: IteratorResult<T>;
        try {
          if (items === undefined) {
            await adopt(pager, token);
            items = open()[Symbol.asyncIterator]();
          }
          step = await items.next();
        } catch (err) {
          settled = true;
          if (err instanceof SqliteError && !(await end(pager, protocol, token))) {
            if (delivered === 0) break; // torn before anything went out: try again
            throw overlapped(protocol, delivered);
          }
          throw err;
        }
        if (step.done === true) {
          settled = true;
          if (await end(pager, protocol, token)) return;
          if (delivered === 0) break;
          throw overlapped(protocol, delivered);
        }
        delivered++;
        yield step.value;
      }
    } finally {
      // The consumer stopped early: close the source; what it got must still be one state.
      if (!settled) await items?.return?.();
      if (!settled && !(await end(pager, protocol, token))) {
        // eslint-disable-next-line no-unsafe-finally -- reporting the overlap is the point
        throw overlapped(protocol, delivered);
      }
    }
  }
  throw busy(protocol);
}

function overlapped(protocol: CommitProtocol, delivered: number): BusyError {
  return new BusyError(
    `database is busy: a commit to ${normalizePrefix(protocol.name)} overlapped a read after ${delivered} row${delivered === 1 ? '' : 's'}; read again`,
  );
}
