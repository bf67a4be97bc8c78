/**
 * Reads that see exactly one committed state, on a database others may be committing to
 * (DESIGN.md, "Commit protocol on S3": readers never wait for writers).
 *
 *   begin   `CommitProtocol.beginRead`: one round trip (the journal's first block and block 0)
 *           decides between the file and the journal overlay, and tells the pager whether the
 *           database moved (then its cache goes); on a local file `readConsistent` reads page 1
 *           first and, when it names the cached state, looks at the journal only before the
 *           first page read from the file (a journal found then: the read starts over);
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
async function begin(pager: Pager, protocol: CommitProtocol, mayRecover: boolean | undefined, deferJournal = false): Promise<ReadToken> {
  const token = await protocol.beginRead(mayRecover, false, deferJournal);
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

/** Ends one attempt: true when the state it began on still holds (without a Promise when the check needs none: endReadNow). */
function end(pager: Pager, protocol: CommitProtocol, token: ReadToken): boolean | Promise<boolean> {
  pager.seal();
  const now = protocol.endReadNow(token);
  if (now === undefined) return protocol.endRead(token).then((ok) => ok || dropped(pager, protocol));
  return now || dropped(pager, protocol);
}

function dropped(pager: Pager, protocol: CommitProtocol): false {
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
export async function readConsistent<T>(pager: Pager, fn: () => T | Promise<T>, mayRecover?: boolean): Promise<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return fn();
  // The common case on a local file first: page 1 read at once shows the state the caches hold
  // (beginReadNow), and a read served from them (or from pages read at once) ends without a
  // Promise of its own — the same checks as below, in the same order.
  const now = protocol.beginReadNow();
  if (now !== undefined) {
    let result: T;
    try {
      if (!pager.holdsState(now.header!)) await adopt(pager, { ...now, header: now.header!.slice() });
      const r = fn();
      result = r instanceof Promise ? await r : r;
    } catch (err) {
      // A read torn by a commit can look corrupt: only believe the error if nothing moved.
      if (!(err instanceof SqliteError)) throw err;
      const ok = end(pager, protocol, now);
      if (typeof ok === 'boolean' ? ok : await ok) throw err;
      return readAttempts(pager, protocol, fn, mayRecover, 1);
    }
    const ok = end(pager, protocol, now);
    if (typeof ok === 'boolean' ? ok : await ok) return result;
    return readAttempts(pager, protocol, fn, mayRecover, 1);
  }
  return readAttempts(pager, protocol, fn, mayRecover, 0);
}

/** readConsistent's attempts, from `first` on. */
async function readAttempts<T>(pager: Pager, protocol: CommitProtocol, fn: () => T | Promise<T>, mayRecover: boolean | undefined, first: number): Promise<T> {
  for (let attempt = first; attempt < READ_ATTEMPTS; attempt++) {
    // A read that may start over at any point puts its journal look off (see beginRead).
    const token = await begin(pager, protocol, mayRecover, true);
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
 *
 * A hand-written iterator rather than an async generator: each row is the source's own result,
 * passed through with one `.then` — a scan hands out rows by the hundred thousand.
 */
export function readConsistentStream<T>(pager: Pager, open: () => AsyncIterable<T>, mayRecover?: boolean): AsyncGenerator<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return passThrough(open);
  return new ConsistentStream<T, T>(pager, protocol, open, false, mayRecover);
}

/**
 * As `readConsistentStream`, for a source that yields its items in batches (arrays): the items
 * are handed out one by one, a Promise per batch instead of per item inside.
 */
export function readConsistentBatches<T>(pager: Pager, open: () => AsyncIterable<T[]>, mayRecover?: boolean): AsyncGenerator<T> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return flatten(open);
  return new ConsistentStream<T[], T>(pager, protocol, open, true, mayRecover);
}

/**
 * As `readConsistentStream`, for a source that hands its rows to a callback and yields how many
 * it handed out since its last yield (a raw-record scan): the counts go through, and "delivered"
 * counts rows, not yields.
 */
export function readConsistentCounts(pager: Pager, open: () => AsyncIterable<number>, mayRecover?: boolean): AsyncGenerator<number> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return passThrough(open);
  return new ConsistentStream<number, number>(pager, protocol, open, false, mayRecover, (n) => n);
}

/**
 * As `readConsistentBatches`, but the batches themselves go out (a consumer that loops over each
 * batch synchronously pays one Promise per batch); "delivered" counts their items.
 */
export function readConsistentBatchStream<T>(pager: Pager, open: () => AsyncIterable<T[]>, mayRecover?: boolean): AsyncGenerator<T[]> {
  const protocol = safeProtocol(pager);
  if (protocol === undefined || pager.inWriteTransaction) return passThrough(open);
  return new ConsistentStream<T[], T[]>(pager, protocol, open, false, mayRecover, (b) => b.length);
}

async function* passThrough<T>(open: () => AsyncIterable<T>): AsyncGenerator<T> {
  yield* open();
}

async function* flatten<T>(open: () => AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of open()) yield* batch;
}

/** `S`: what the source yields — `T` itself, or (`batched`) arrays of `T`. */
class ConsistentStream<S, T> implements AsyncGenerator<T> {
  #attempts = 0;
  #token: ReadToken | undefined;
  #items: AsyncIterator<S> | undefined;
  /** The batch being handed out (batched sources), and the position in it. */
  #batch: readonly T[] = [];
  #at = 0;
  #delivered = 0;
  /** The stream is over (finished, failed or returned): `next` answers done. */
  #over = false;

  constructor(
    private readonly pager: Pager,
    private readonly protocol: CommitProtocol,
    private readonly open: () => AsyncIterable<S>,
    private readonly batched: boolean,
    private readonly mayRecover: boolean | undefined,
    /** How many rows an item stands for (default 1). */
    private readonly weigh?: (item: S) => number,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#at < this.#batch.length) {
      this.#delivered++;
      return Promise.resolve({ done: false, value: this.#batch[this.#at++]! });
    }
    const items = this.#items;
    if (this.#over) return Promise.resolve({ done: true, value: undefined });
    if (items === undefined) return this.#start();
    return items.next().then(
      (step): IteratorResult<T> | Promise<IteratorResult<T>> => {
        if (step.done === true) return this.#finish(undefined);
        if (!this.batched) {
          this.#delivered += this.weigh === undefined ? 1 : this.weigh(step.value);
          return step as unknown as IteratorResult<T>;
        }
        this.#batch = step.value as T[];
        this.#at = 0;
        return this.next();
      },
      (err: unknown) => this.#finish(err),
    );
  }

  /** Begins an attempt (the state check, then the pager brought up to it) and reads its first item. */
  async #start(): Promise<IteratorResult<T>> {
    if (this.#attempts++ >= READ_ATTEMPTS) {
      this.#over = true;
      throw busy(this.protocol);
    }
    const token = await begin(this.pager, this.protocol, this.mayRecover);
    this.#token = token;
    try {
      await adopt(this.pager, token);
      this.#items = this.open()[Symbol.asyncIterator]();
    } catch (err) {
      return this.#finish(err);
    }
    return this.next();
  }

  /** The source ended (`err` undefined) or failed: check the state it was read from. */
  async #finish(err: unknown): Promise<IteratorResult<T>> {
    this.#items = undefined;
    this.#batch = [];
    const consistent = await end(this.pager, this.protocol, this.#token!);
    if (!consistent && (err === undefined || err instanceof SqliteError)) {
      // Torn: before anything went out, try again; after, say so.
      if (this.#delivered === 0) return this.#start();
      this.#over = true;
      throw overlapped(this.protocol, this.#delivered);
    }
    this.#over = true;
    if (err !== undefined) throw err;
    return { done: true, value: undefined };
  }

  /** The consumer stopped early: close the source; what it got must still be one state. */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    const items = this.#items;
    const token = this.#token;
    const wasOver = this.#over;
    this.#items = undefined;
    this.#over = true;
    this.#batch = [];
    if (!wasOver && items !== undefined && token !== undefined) {
      await items.return?.();
      if (!(await end(this.pager, this.protocol, token))) throw overlapped(this.protocol, this.#delivered);
    }
    return { done: true, value: value as undefined };
  }

  async throw(err: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw err;
  }
}

function overlapped(protocol: CommitProtocol, delivered: number): BusyError {
  return new BusyError(
    `database is busy: a commit to ${normalizePrefix(protocol.name)} overlapped a read after ${delivered} row${delivered === 1 ? '' : 's'}; read again`,
  );
}
