/**
 * Bounded concurrency for store requests: a commit uploads its pages in parallel, but never
 * more than a fixed number at once (one HTTP socket each on S3), and a failure stops the
 * launch of further work instead of letting a thousand doomed requests run on.
 *
 * Pure TypeScript: no timers, no `node:*`.
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and resolves to the results in
 * input order.
 *
 * Is thrown from (rejects) when any call fails: no new call is started after the first failure,
 * the calls already in flight are allowed to settle (so nothing keeps running behind the
 * caller's back), and then the first failure is rethrown.
 */
export async function mapLimit<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new globalThis.RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  const iterator = items[Symbol.iterator]();
  const results: R[] = [];
  let next = 0;
  let failed = false;
  let firstError: unknown;

  // Each worker pulls the next item until the input runs out or someone has failed.
  // Pulling lazily keeps `items` usable as a generator and never materialises it twice.
  const worker = async (): Promise<void> => {
    while (!failed) {
      try {
        // A throwing iterator counts as a failure like a throwing `fn`.
        const step = iterator.next();
        if (step.done === true) return;
        const i = next++;
        results[i] = await fn(step.value, i);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
        return;
      }
    }
  };

  const workers: Promise<void>[] = [];
  for (let w = 0; w < limit; w++) workers.push(worker());
  await Promise.all(workers);
  if (failed) throw firstError;
  return results;
}

/** Runs a task under a limiter; see `limiter()`. */
export type Limiter = <R>(fn: () => Promise<R>) => Promise<R>;

/**
 * A counting semaphore: at most `limit` tasks passed to the returned function run at once;
 * the rest wait in FIFO order. A task's failure is returned to its own caller only.
 */
export function limiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new globalThis.RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];

  const release = (): void => {
    const wake = waiting.shift();
    // Hand the slot straight to the next waiter so `active` never dips and lets a newcomer jump the queue.
    if (wake !== undefined) wake();
    else active--;
  };

  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
