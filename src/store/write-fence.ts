/**
 * The write fence: no request that changes a database is SENT after its writer's lease may have
 * been taken over by someone else.
 *
 * Why a fence. S3 has no multi-object transaction and no fencing token. A writer frozen past its
 * lease (a GC pause, a suspended VM or laptop, SIGSTOP, a debugger) wakes up with uploads still
 * queued; meanwhile another writer has taken the expired lease over, rolled the frozen writer's
 * journal back and committed. Every block the frozen writer sends after that tears the database.
 * So every mutating request — block PUTs and DELETEs, journal PUTs and DELETEs, lease renewals —
 * asks its fence right before it goes on the wire (for the AWS SDK: before every attempt,
 * retries included, through the `signal` below, which the SDK's HTTP handler reads synchronously
 * just before it opens the request).
 *
 * The deadline. A lease written (created or renewed) by a request SENT at local time `t` cannot
 * expire before `t + durationMs` on the store's clock, because the store stamped it later than
 * `t`. A taker judges expiry on the store's clock where the store reports one (see lease.ts), so
 * `t + durationMs - marginMs` on our own monotonic clock is safe regardless of wall-clock skew;
 * `marginMs` covers the time a request spends between our check and its arrival (and the
 * one-second granularity of S3's Last-Modified and Date headers). Where the store reports no
 * clock, the taker compares our wall-clock `expires` with its own clock: then `marginMs` also
 * bounds the clock skew tolerated between machines.
 *
 * Two clocks, both must agree. `performance.now()` (CLOCK_MONOTONIC) keeps counting while a
 * process is stopped (SIGSTOP, a paused container) and never jumps with NTP; `Date.now()` keeps
 * counting across a system suspend, which CLOCK_MONOTONIC does not on Linux. The fence is open
 * only while neither has passed its deadline.
 *
 * One fence per holding of a lease (an epoch): once the lease is released or lost, that fence
 * refuses forever, so an upload queued under an old holding can never slip through under a new
 * one. Requests capture the fence of their transaction when they are queued.
 */
import { BusyError, type SqliteError } from '../errors.js';

/** The shape of `AbortSignal` that HTTP handlers read (`aborted`, `reason`, listeners). */
export interface FenceSignal {
  /** The fence itself, for HTTP agents that ask it again when a request gets its socket (fenced-http.ts). */
  readonly fence: WriteFence;
  readonly aborted: boolean;
  readonly reason: unknown;
  onabort: ((this: unknown, ev: unknown) => unknown) | null;
  addEventListener(type: string, listener: unknown): void;
  removeEventListener(type: string, listener: unknown): void;
}

/**
 * The monotonic clock: `performance.now()` where the runtime has it (Node, browsers, Deno, edge
 * workers); a runtime without it gets the wall clock for both deadlines.
 */
export const monotonicNow: () => number =
  typeof globalThis.performance?.now === 'function' ? () => globalThis.performance.now() : () => Date.now();

export class WriteFence {
  /** Deadline on `performance.now()`'s clock. */
  #monotonicDeadline = -Infinity;
  /** Deadline on `Date.now()`'s clock. */
  #wallDeadline = -Infinity;
  /** Why the fence is shut for good (released, lost, expired). */
  #shut: SqliteError | undefined;

  constructor(
    /** The lease object's key, for messages. */
    readonly leaseKey: string,
    /** Clock for the wall deadline (tests); default `Date.now`. */
    private readonly wallNow: () => number = Date.now,
  ) {}

  /**
   * Moves the deadline to `durationMs - marginMs` after a lease write that was sent at
   * `sentMonotonic` / `sentWall` (read BEFORE the request went out) and succeeded.
   */
  extend(sentMonotonic: number, sentWall: number, durationMs: number, marginMs: number): void {
    if (this.#shut !== undefined) return;
    this.#monotonicDeadline = Math.max(this.#monotonicDeadline, sentMonotonic + durationMs - marginMs);
    this.#wallDeadline = Math.max(this.#wallDeadline, sentWall + durationMs - marginMs);
  }

  /** Shuts the fence for good; later checks throw `reason`. */
  shut(reason: SqliteError): void {
    this.#shut ??= reason;
  }

  /** Whether a request may be sent now. */
  get open(): boolean {
    return this.#shut === undefined && monotonicNow() < this.#monotonicDeadline && this.wallNow() < this.#wallDeadline;
  }

  /** Milliseconds left before the fence shuts (≤ 0 when shut). */
  get remainingMs(): number {
    if (this.#shut !== undefined) return 0;
    return Math.min(this.#monotonicDeadline - monotonicNow(), this.#wallDeadline - this.wallNow());
  }

  /**
   * Throws `BusyError` ("lost the write lease …") unless a request may be sent now; shuts the
   * fence the first time its deadline is found passed. `what` names the request, for the message.
   */
  check(what: string): void {
    if (this.#shut === undefined && !(monotonicNow() < this.#monotonicDeadline && this.wallNow() < this.#wallDeadline)) {
      this.shut(
        new BusyError(
          `lost the write lease ${this.leaseKey}: its deadline passed before ${what} could be sent ` +
            '(the process was paused or too slow); nothing more is written and the transaction cannot commit',
        ),
      );
    }
    if (this.#shut !== undefined) throw this.#shut;
  }

  /** The reason the fence is shut, if it is. */
  get reason(): SqliteError | undefined {
    return this.open ? undefined : (this.#shut ?? this.#expiredError());
  }

  #expiredError(): SqliteError {
    try {
      this.check('the request');
    } catch (err) {
      return err as SqliteError;
    }
    return new BusyError(`lost the write lease ${this.leaseKey}`);
  }

  /**
   * An `AbortSignal` look-alike whose `aborted` is evaluated when read: handed to the AWS SDK
   * (`send(command, { abortSignal })`), whose HTTP handler reads it right before each attempt.
   */
  readonly signal: FenceSignal = ((fence: WriteFence): FenceSignal => ({
    fence,
    get aborted() {
      return !fence.open;
    },
    get reason() {
      return fence.reason;
    },
    onabort: null,
    addEventListener() {},
    removeEventListener() {},
  }))(this);
}

/**
 * The fence of each HTTP request being sent, keyed by the request's headers object (the one the
 * SDK hands to Node's `http.request`, which reaches the agent unchanged): set by the store's
 * request handler, read by the agents of fenced-http.ts. Weak: entries go with their requests.
 */
export const requestFences = new WeakMap<object, WriteFence>();

/** The fence behind `signal`, when it is a fence's signal. */
export function fenceOfSignal(signal: unknown): WriteFence | undefined {
  const fence = typeof signal === 'object' && signal !== null ? (signal as { fence?: unknown }).fence : undefined;
  return fence instanceof WriteFence ? fence : undefined;
}
