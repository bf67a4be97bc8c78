/**
 * Long work on the page — an open, a table count, a page of rows, a query — runs as one `Work` at
 * a time, which can be cancelled (the Cancel button, Esc).
 *
 * s3lite's API takes no AbortSignal, so cancelling works at the I/O edge instead: every read the
 * database makes goes through `guard()` (the page's fetch wrapper for S3 and URLs, the Blob file),
 * which throws SQLITE_INTERRUPT once the work is cancelled, before and after each request. Layers
 * in between may wrap that error (a store turns a failed fetch into SQLITE_IOERR), so whatever
 * cancelled work throws is reported as SQLITE_INTERRUPT. A read-only connection survives: the page
 * cache keeps only pages that arrived whole.
 */
import { SqliteError } from '../../src/index.js';

export class Work {
  #cancelled = false;
  constructor(readonly label: string) {}

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    this.#cancelled = true;
  }

  /** Throws SQLITE_INTERRUPT (SQLite's message: "interrupted") once cancelled. */
  check(): void {
    if (this.#cancelled) throw new SqliteError('SQLITE_INTERRUPT', 'interrupted');
  }
}

let current: Work | undefined;

/** The I/O hook: throws when the running work was cancelled. */
export function guard(): void {
  current?.check();
}

/** Runs `fn` as the current work; `onChange` hears when work starts and ends (for the progress bar). */
export async function runWork<T>(label: string, onChange: (work: Work | undefined) => void, fn: (work: Work) => Promise<T>): Promise<T> {
  current?.cancel();
  const work = new Work(label);
  current = work;
  onChange(work);
  try {
    const out = await fn(work);
    work.check();
    return out;
  } catch (err) {
    work.check();
    throw err;
  } finally {
    if (current === work) {
      current = undefined;
      onChange(undefined);
    }
  }
}

/** Cancels the running work, if any. */
export function cancelWork(): boolean {
  if (current === undefined) return false;
  current.cancel();
  return true;
}
