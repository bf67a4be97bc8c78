/**
 * An `ObjectStore` wrapper for benchmarks that logs every request it passes on, in the order
 * issued, with its start and end time: the same sequence the latency proxy sees (one
 * `ObjectStore` call is one HTTP request on S3; `deleteMany` is one DeleteObjects per 1000 keys),
 * but with the key and the timing kept, so a benchmark can say which request is the lease, the
 * journal or a page, and how many of them had to wait for one another.
 *
 *   const rec = new RecordingObjectStore(s3);
 *   ... Database.open({ objects: rec, prefix: 'db' }, ...) ...
 *   rec.log          // [{ op: 'PUT', key: 'db-lock', start, end, cond: 'If-None-Match: *' }, ...]
 *   sequentialRounds(rec.log)   // longest chain of requests each started after the previous ended
 */
import type { ObjectInfo, ObjectStore, RequestCounts, WriteConditions, VersionedObject, DeleteManyOptions } from '../src/store/object-store.js';

export type Op = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'DELETE×N' | 'LIST';

export interface LoggedRequest {
  readonly op: Op;
  /** The key (for DELETE×N: the first key and how many; for LIST: the prefix). */
  readonly key: string;
  /** Conditional-write header, when one was sent. */
  readonly cond?: string;
  /** performance.now() when issued and when answered (or failed). */
  readonly start: number;
  end: number;
  /** Set when the request failed (e.g. 'PreconditionFailedError'). */
  error?: string;
}

export class RecordingObjectStore implements ObjectStore {
  readonly log: LoggedRequest[] = [];

  /**
   * GETs with etags, when the inner store has them (a writer's second guard needs them: see
   * src/vfs/block-file.ts); `guard: false` hides them, so writes go unguarded (for comparison).
   */
  readonly getVersioned?: (key: string) => Promise<VersionedObject | undefined>;

  constructor(
    readonly inner: ObjectStore,
    options: { readonly guard?: boolean } = {},
  ) {
    const versioned = inner.getVersioned?.bind(inner);
    if (versioned !== undefined && options.guard !== false) {
      this.getVersioned = (key) => this.#record('GET', key, undefined, () => versioned(key));
    }
  }

  get url(): string {
    return this.inner.url;
  }

  get requests(): RequestCounts {
    return this.inner.requests;
  }

  /** Empties the log (the inner store's counters are left alone). */
  reset(): void {
    this.log.length = 0;
  }

  async #record<T>(op: Op, key: string, cond: string | undefined, call: () => Promise<T>): Promise<T> {
    const entry: LoggedRequest = { op, key, ...(cond === undefined ? {} : { cond }), start: performance.now(), end: 0 };
    this.log.push(entry);
    try {
      return await call();
    } catch (err) {
      entry.error = err instanceof Error ? err.constructor.name : String(err);
      throw err;
    } finally {
      entry.end = performance.now();
    }
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#record('GET', key, undefined, () => this.inner.get(key));
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.#record('HEAD', key, undefined, () => this.inner.head(key));
  }

  put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    return this.#record('PUT', key, describe(conditions), () => this.inner.put(key, data, conditions));
  }

  delete(key: string, conditions?: WriteConditions): Promise<void> {
    return this.#record('DELETE', key, describe(conditions), () => this.inner.delete(key, conditions));
  }

  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    if (keys.length === 0) return this.inner.deleteMany(keys, options);
    return this.#record('DELETE×N', `${keys[0]} (+${keys.length - 1})`, undefined, () => this.inner.deleteMany(keys, options));
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    // Pages of a listing are not timed one by one: the whole iteration is one entry.
    const entry: LoggedRequest = { op: 'LIST', key: prefix, start: performance.now(), end: 0 };
    this.log.push(entry);
    try {
      yield* this.inner.list(prefix, startAfter);
    } finally {
      entry.end = performance.now();
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function describe(conditions: WriteConditions | undefined): string | undefined {
  if (conditions?.ifNoneMatch !== undefined) return `If-None-Match: ${conditions.ifNoneMatch}`;
  if (conditions?.ifMatch !== undefined) return 'If-Match: <etag>';
  return undefined;
}

/**
 * The longest chain of requests in which each one was issued after the previous one was
 * answered: the number of round trips that could not overlap, whatever the latency. (With a
 * fixed delay per request, wall ≈ rounds × latency + CPU.)
 */
export function sequentialRounds(log: readonly LoggedRequest[]): number {
  const byStart = [...log].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < byStart.length; i++) {
    const r = byStart[i]!;
    let d = 1;
    for (let j = 0; j < i; j++) {
      const p = byStart[j]!;
      if (p.end <= r.start) d = Math.max(d, depth[j]! + 1);
    }
    depth.push(d);
    best = Math.max(best, d);
  }
  return best;
}

/** What a key is, for a database at `prefix`: a page block, the journal, the lease, the probe. */
export function roleOf(prefix: string, key: string): 'block' | 'journal' | 'lease' | 'probe' | 'other' {
  if (key.startsWith(`${prefix}/`)) return 'block';
  if (key.startsWith(`${prefix}-journal/`)) return 'journal';
  if (key === `${prefix}-lock`) return 'lease';
  if (key.startsWith(`${prefix}-probe-`)) return 'probe';
  return 'other';
}

/** Requests by role and kind, e.g. `block: 12 PUT, 3 GET; journal: 4 PUT, 1 DELETE×N`. */
export function summarizeByRole(prefix: string, log: readonly LoggedRequest[]): string {
  const roles = new Map<string, Map<string, number>>();
  for (const r of log) {
    const role = roleOf(prefix, r.key);
    const kinds = roles.get(role) ?? new Map<string, number>();
    kinds.set(r.op, (kinds.get(r.op) ?? 0) + 1);
    roles.set(role, kinds);
  }
  return [...roles]
    .map(([role, kinds]) => `${role}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`)
    .join('; ');
}

/**
 * The log as numbered lines, consecutive requests that overlap in time grouped into one
 * "round" (started before the earliest answer of the round's first request came back).
 */
export function formatSequence(prefix: string, log: readonly LoggedRequest[]): string[] {
  const sorted = [...log].sort((a, b) => a.start - b.start);
  const lines: string[] = [];
  let round = 0;
  let roundEnd = -Infinity;
  const t0 = sorted[0]?.start ?? 0;
  // Collapse runs of same-op, same-role requests within one round ("PUT block ×37").
  let pending: { round: number; op: string; role: string; keys: string[]; cond?: string; at: number; error?: string } | undefined;
  const flush = (): void => {
    if (pending === undefined) return;
    const what = pending.keys.length === 1 ? pending.keys[0]! : `${pending.keys[0]} … ${pending.keys[pending.keys.length - 1]} (${pending.keys.length})`;
    lines.push(
      `  round ${String(pending.round).padStart(2)}  +${pending.at.toFixed(0).padStart(5)} ms  ${pending.op.padEnd(8)} ${pending.role.padEnd(7)} ${what}` +
        `${pending.cond === undefined ? '' : `  [${pending.cond}]`}${pending.error === undefined ? '' : `  → ${pending.error}`}`,
    );
    pending = undefined;
  };
  for (const r of sorted) {
    if (r.start >= roundEnd) {
      round++;
      roundEnd = r.end;
    } else {
      roundEnd = Math.min(roundEnd, r.end);
    }
    const role = roleOf(prefix, r.key);
    if (
      pending !== undefined &&
      pending.round === round &&
      pending.op === r.op &&
      pending.role === role &&
      pending.cond === r.cond &&
      pending.error === r.error
    ) {
      pending.keys.push(r.key);
      continue;
    }
    flush();
    pending = {
      round,
      op: r.op,
      role,
      keys: [r.key],
      at: r.start - t0,
      ...(r.cond === undefined ? {} : { cond: r.cond }),
      ...(r.error === undefined ? {} : { error: r.error }),
    };
  }
  flush();
  return lines;
}
