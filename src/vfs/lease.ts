/**
 * The writer's lease: at most one writer per database across processes and machines, built on
 * nothing but an object store's conditional writes (S3 `If-None-Match: *` / `If-Match`).
 *
 * The lease of the database at prefix `P` is ONE small object `P-lock` — beside the blocks, never
 * under `P/`, so that listing `P/` still yields only database blocks. Its body is JSON:
 *
 *   { "owner": "<random id of this Lease>", "expires": <ms since the epoch, writer's clock>,
 *     "durationMs": 30000, "host": "…", "pid": 123 }
 *
 * Protocol (DESIGN.md, "Commit protocol on S3", step 1):
 *   acquire   put(P-lock, body, ifNoneMatch '*')            → we hold it (keep the etag)
 *             412: get + head it; if `expires` has passed (or the body is not a lease at all, which
 *             no s3lite writer produces: a crashed tool or a human put it there) take it over with
 *             put(ifMatch <its etag>) — two takers race, S3 lets exactly one of them win;
 *             otherwise wait (bounded by `busyTimeoutMs`, with backoff) or throw BusyError.
 *   renew     put(ifMatch <our etag>) with a later `expires`, on a timer every `renewEveryMs`
 *             while held; 412 means someone took it over: the lease is LOST (see `check`).
 *   release   delete(ifMatch <our etag>); a 412 there means it was already lost — nothing to undo.
 *
 * Time. A taker judges expiry on the STORE's clock where the store reports one: the lease object's
 * Last-Modified (when its holder last wrote it) and the `Date` of the HEAD response (now), both
 * from S3 itself — expired when `Date - LastModified > durationMs + 1 s` (both are whole seconds,
 * truncated). No machine's clock takes part, so clock skew between writers does not matter. A
 * store that reports no clock (the memory store) falls back to the body's `expires`, in the
 * holder's clock, against the taker's clock: then clocks must agree to within `fenceMarginMs`.
 *
 * Fencing (write-fence.ts). A writer frozen past its lease (a GC pause, a suspended VM, SIGSTOP)
 * must not send one more byte once a taker may have taken over. Each holding of the lease has a
 * `WriteFence` whose deadline is `durationMs - fenceMarginMs` after the SEND time of the last
 * successful create/renew, on the monotonic clock (and the wall clock); every request that
 * changes the database carries it and is not sent past the deadline. Since the store stamped the
 * lease after we sent it, a taker judging on the store's clock cannot take over before our
 * deadline + `fenceMarginMs`. Renewals are fenced too: past the deadline the lease is lost.
 */
import { BusyError, IoError, PreconditionFailedError, SqliteError, asSqliteError } from '../errors.js';
import { normalizePrefix } from '../store/block-key.js';
import type { ObjectInfo, ObjectStore } from '../store/object-store.js';
import { WriteFence, monotonicNow } from '../store/write-fence.js';

export interface LeaseOptions {
  /** How long a lease lives without renewal, in ms (default 30 000). */
  readonly durationMs?: number;
  /** Renew this often while held, in ms (default 10 000; must be below `durationMs`). */
  readonly renewEveryMs?: number;
  /** How long `acquire` waits for another writer's lease, in ms (default 0: fail at once). */
  readonly busyTimeoutMs?: number;
  /**
   * The fence's safety margin, in ms (default 5 000): requests that change the database stop this
   * long before the lease could expire, to cover a request's time in flight, the store's
   * one-second clock granularity and — where the store reports no clock — clock skew between
   * machines. Must be below `durationMs - renewEveryMs`.
   */
  readonly fenceMarginMs?: number;
  /** Shown in the lease body for humans (default: `globalThis.location?.host` or 'unknown'). */
  readonly host?: string;
  /** Shown in the lease body for humans (Node's process id, when the caller has one). */
  readonly pid?: number;
  /**
   * Clock, ms since the epoch (tests). Its offset from `Date.now()` is applied to the store's clock
   * too when judging another writer's lease, as if that much time had passed everywhere.
   */
  readonly now?: () => number;
}

/** The JSON body of `P-lock`. */
export interface LeaseBody {
  readonly owner: string;
  readonly expires: number;
  /** The holder's lease length (absent in bodies written before fencing). */
  readonly durationMs?: number;
  readonly host: string;
  readonly pid?: number;
}

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_RENEW_MS = 10_000;
export const DEFAULT_FENCE_MARGIN_MS = 5_000;
/** Slack for the store's clock: S3's Last-Modified and Date are whole seconds, truncated. */
const STORE_CLOCK_GRANULARITY_MS = 1_000;
/** A lease body larger than this is not ours: it is never parsed. */
const MAX_LEASE_BYTES = 4096;

/** `P-lock` for the database at prefix `P`. */
export function leaseKey(prefix: string): string {
  return `${normalizePrefix(prefix)}-lock`;
}

/** Parses a lease body; `undefined` for anything that is not one (garbage is never trusted). */
export function parseLeaseBody(data: Uint8Array): LeaseBody | undefined {
  if (data.length > MAX_LEASE_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['owner'] !== 'string' || typeof v['expires'] !== 'number' || !Number.isFinite(v['expires'])) return undefined;
  const host = typeof v['host'] === 'string' ? v['host'] : '';
  const pid = typeof v['pid'] === 'number' ? v['pid'] : undefined;
  const duration = v['durationMs'];
  const durationMs = typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : undefined;
  return {
    owner: v['owner'],
    expires: v['expires'],
    host,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(pid === undefined ? {} : { pid }),
  };
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether the lease `body`, as `info` (a HEAD of it) describes it, has expired. On the store's
 * clock when the store reports one (Last-Modified of the lease, Date of the answer); otherwise
 * the body's `expires` against `localNow`. `elapsedOffsetMs` moves the store's clock too (a test
 * clock that runs ahead: as if that much time had passed everywhere).
 */
export function leaseExpired(body: LeaseBody, info: ObjectInfo | undefined, localNow: number, elapsedOffsetMs = 0): boolean {
  const duration = body.durationMs;
  if (duration !== undefined && info?.lastModified !== undefined && info.serverNow !== undefined) {
    return info.serverNow + elapsedOffsetMs - info.lastModified > duration + STORE_CLOCK_GRANULARITY_MS;
  }
  return body.expires <= localNow;
}

/** One writer's lease on one database. Not re-entrant across processes; one per connection. */
export class Lease {
  readonly key: string;
  /** Random id written into the body: tells our lease from another's. */
  readonly owner = randomId();
  readonly durationMs: number;
  readonly renewEveryMs: number;
  readonly busyTimeoutMs: number;
  readonly fenceMarginMs: number;
  readonly #host: string;
  readonly #pid: number | undefined;
  readonly #now: () => number;
  /** Our lease object's etag while held. */
  #etag: string | undefined;
  /** When our lease expires (our clock), while held. */
  #expires = 0;
  /** The fence of the current holding (see write-fence.ts); shut when released or lost. */
  #fence: WriteFence | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Set when a renewal found the lease taken over (or expired unrenewed): writing must stop. */
  #lost: SqliteError | undefined;
  /** The renewal in flight, so `release` never races it. */
  #renewing: Promise<void> | undefined;
  /** The release in flight: `acquire` waits for it, so we never mistake our own lease for a rival's. */
  #releasing: Promise<void> | undefined;
  /** Etag of the last version of the lease object we wrote (a renewal racing a release updates it). */
  #written: string | undefined;

  constructor(
    readonly objects: ObjectStore,
    prefix: string,
    options: LeaseOptions = {},
  ) {
    this.key = leaseKey(prefix);
    this.durationMs = options.durationMs ?? DEFAULT_LEASE_MS;
    this.renewEveryMs = options.renewEveryMs ?? Math.min(DEFAULT_RENEW_MS, Math.floor(this.durationMs / 3));
    this.busyTimeoutMs = options.busyTimeoutMs ?? 0;
    if (!(this.durationMs > 0) || !(this.renewEveryMs > 0) || this.renewEveryMs >= this.durationMs) {
      throw new globalThis.RangeError(`lease: need 0 < renewEveryMs (${this.renewEveryMs}) < durationMs (${this.durationMs})`);
    }
    this.fenceMarginMs = options.fenceMarginMs ?? Math.min(DEFAULT_FENCE_MARGIN_MS, Math.floor((this.durationMs - this.renewEveryMs) / 2));
    if (!(this.fenceMarginMs >= 0) || this.fenceMarginMs >= this.durationMs - this.renewEveryMs) {
      throw new globalThis.RangeError(
        `lease: need 0 <= fenceMarginMs (${this.fenceMarginMs}) < durationMs - renewEveryMs (${this.durationMs - this.renewEveryMs})`,
      );
    }
    const location = (globalThis as { location?: { host?: string } }).location;
    this.#host = options.host ?? location?.host ?? 'unknown';
    this.#pid = options.pid;
    this.#now = options.now ?? Date.now;
  }

  /** Whether we hold the lease (and have not learned that it was lost). */
  get held(): boolean {
    return this.#etag !== undefined && this.#lost === undefined;
  }

  /**
   * The fence of the current holding, for the requests of a transaction: open while the lease is
   * safely ours, shut for good once it is released or lost. `undefined` when never taken since
   * the last release (then writes are not under this lease at all).
   */
  get fence(): WriteFence | undefined {
    return this.#fence;
  }

  /** The etag of our lease object while held (tests). */
  get etag(): string | undefined {
    return this.#etag;
  }

  #body(): Uint8Array {
    const expires = this.#now() + this.durationMs;
    const body: LeaseBody = {
      owner: this.owner,
      expires,
      durationMs: this.durationMs,
      host: this.#host,
      ...(this.#pid === undefined ? {} : { pid: this.#pid }),
    };
    return new TextEncoder().encode(JSON.stringify(body));
  }

  /**
   * Takes the lease, waiting up to `busyTimeoutMs` (default: the option; retrying with backoff) while another live
   * lease exists. BusyError when it cannot; IoError when the store fails. A no-op when held.
   */
  async acquire(busyTimeoutMs = this.busyTimeoutMs): Promise<void> {
    await this.#releasing;
    if (this.held) return;
    this.#lost = undefined;
    this.#etag = undefined;
    const deadline = this.#now() + busyTimeoutMs;
    let backoff = 10;
    for (let attempt = 0; ; attempt++) {
      const holder = await this.#tryAcquire();
      if (holder === undefined) {
        this.#startTimer();
        return;
      }
      const left = deadline - this.#now();
      if (left <= 0) {
        const who = holder === 'race' ? 'another writer' : `${holder.host}${holder.pid === undefined ? '' : ` pid ${holder.pid}`}`;
        throw new BusyError(`database is locked: ${this.key} is held by ${who}`);
      }
      // Jittered exponential backoff, capped so a waiter notices a release promptly.
      const wait = Math.min(left, backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, 250);
      await sleep(wait);
      if (attempt > 1_000_000) throw new BusyError(`database is locked: ${this.key}`); // never: the deadline ends the loop
    }
  }

  /** One attempt: `undefined` when we now hold the lease, else who holds it ('race' when unknown). */
  async #tryAcquire(): Promise<LeaseBody | 'race' | undefined> {
    const body = this.#body();
    const expires = this.#now() + this.durationMs;
    let sent = sendTimes(this.#now);
    try {
      const { etag } = await this.objects.put(this.key, body, { ifNoneMatch: '*' });
      this.#took(etag, expires, sent);
      return undefined;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw asSqliteError(err, `taking the lease ${this.key}`);
    }
    // Someone has it: look at it. Get and head are two requests, so the etag may belong to a
    // newer body than the one we read; then the takeover put fails and we simply try again.
    let data: Uint8Array | undefined;
    let etag: string | undefined;
    let info: ObjectInfo | undefined;
    try {
      info = await this.objects.head(this.key);
      if (info === undefined) return 'race'; // released meanwhile: try again at once
      etag = info.etag;
      data = await this.objects.get(this.key);
    } catch (err) {
      throw asSqliteError(err, `reading the lease ${this.key}`);
    }
    if (data === undefined) return 'race';
    const current = parseLeaseBody(data);
    const now = this.#now();
    if (current !== undefined && !leaseExpired(current, info, now, now - Date.now())) return current;
    // Expired, or not a lease body at all: take it over, conditionally on the version we judged.
    try {
      sent = sendTimes(this.#now);
      const took = await this.objects.put(this.key, this.#body(), { ifMatch: etag });
      this.#took(took.etag, this.#now() + this.durationMs, sent);
      return undefined;
    } catch (err) {
      if (err instanceof PreconditionFailedError) return 'race';
      // S3 answers If-Match on a key deleted meanwhile with 404: the lease was released, retry.
      if ((await this.objects.head(this.key).catch(() => 'error')) === undefined) return 'race';
      throw asSqliteError(err, `taking over the lease ${this.key}`);
    }
  }

  /** A create or takeover succeeded: a new holding, with a new fence. */
  #took(etag: string, expires: number, sent: SendTimes): void {
    if (etag === '') throw new IoError(`the store returned no ETag for ${this.key}: a lease needs one`);
    this.#etag = etag;
    this.#written = etag;
    this.#expires = expires;
    this.#fence?.shut(new BusyError(`the lease ${this.key} was given up`));
    this.#fence = new WriteFence(this.key, this.#now);
    this.#fence.extend(sent.monotonic, sent.wall, this.durationMs, this.fenceMarginMs);
  }

  #startTimer(): void {
    this.#stopTimer();
    const timer = setInterval(() => {
      if (this.#renewing === undefined && this.held) void this.renew().catch(() => undefined);
    }, this.renewEveryMs);
    (timer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
    this.#timer = timer;
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Extends the lease to now + `durationMs`. A 412 (someone took it over) or a failure past our
   * expiry marks the lease lost and throws BusyError; a transient failure before expiry throws
   * IoError and leaves the lease held (the timer tries again).
   */
  renew(): Promise<void> {
    const run = this.#renew();
    this.#renewing = run;
    return run.finally(() => {
      if (this.#renewing === run) this.#renewing = undefined;
    });
  }

  async #renew(): Promise<void> {
    this.check();
    const etag = this.#etag;
    if (etag === undefined) throw new BusyError(`the lease ${this.key} is not held`);
    const fence = this.#fence;
    const expires = this.#now() + this.durationMs;
    const sent = sendTimes(this.#now);
    try {
      // Fenced like every write: a renewal sent after our deadline could extend a lease that a
      // taker already judged expired.
      const out = await this.objects.put(this.key, this.#body(), { ifMatch: etag, ...(fence === undefined ? {} : { fence }) });
      this.#written = out.etag;
      if (this.#etag === etag) {
        this.#etag = out.etag;
        this.#expires = expires;
        fence?.extend(sent.monotonic, sent.wall, this.durationMs, this.fenceMarginMs);
      }
    } catch (err) {
      if (fence !== undefined && !fence.open) {
        this.#lose(fence.reason ?? new BusyError(`the lease ${this.key} was lost`));
        throw this.#lost;
      }
      // S3 answers If-Match on a missing key with 404 (an IoError here): gone is lost, too.
      const gone = !(err instanceof PreconditionFailedError) && (await this.objects.head(this.key).catch(() => 'error')) === undefined;
      if (err instanceof PreconditionFailedError || gone || this.#now() >= this.#expires) {
        this.#lose(new BusyError(`the lease ${this.key} was lost (taken over or expired); the transaction cannot commit`, { cause: err }));
        throw this.#lost;
      }
      throw asSqliteError(err, `renewing the lease ${this.key}`);
    }
  }

  #lose(err: SqliteError): void {
    this.#lost = err;
    this.#fence?.shut(err);
    this.#stopTimer();
  }

  /**
   * Throws when the lease is not safely ours: lost (BusyError), or never taken. Called before
   * every irreversible step of a commit. Also notices an expiry that the timer missed.
   */
  check(): void {
    if (this.#lost !== undefined) throw this.#lost;
    if (this.#etag === undefined) throw new BusyError(`the lease ${this.key} is not held`);
    const fence = this.#fence;
    if (fence !== undefined && !fence.open) {
      this.#lose(fence.reason ?? new BusyError(`lost the write lease ${this.key}`));
      throw this.#lost;
    }
    if (this.#now() >= this.#expires) {
      this.#lose(new BusyError(`the lease ${this.key} expired before it could be renewed; the transaction cannot commit`));
      throw this.#lost;
    }
  }

  /**
   * `check()`, and renews now when less than half the lease is left, so the next step (a journal
   * upload, a page upload) starts with at least `durationMs / 2` in hand.
   */
  async confirm(): Promise<void> {
    this.check();
    if (this.#expires - this.#now() < this.durationMs / 2 || (this.#fence?.remainingMs ?? Infinity) < this.durationMs / 2) {
      await (this.#renewing ?? this.renew());
      this.check();
    }
  }

  /**
   * Stops renewing without releasing: what a crash does. The lease object stays until it
   * expires. For crash tests, and for a connection that must not touch the store again.
   */
  abandon(): void {
    this.#stopTimer();
  }

  /** Gives the lease up (conditional delete). Never throws for a lease that was already lost. */
  release(): Promise<void> {
    // "Not held" from this instant (synchronously), so nothing can rely on a lease being deleted.
    this.#stopTimer();
    // Requests queued under this holding never go out after it ends.
    this.#fence?.shut(this.#lost ?? new BusyError(`the lease ${this.key} was released`));
    this.#fence = undefined;
    const wasHeld = this.#etag !== undefined && this.#lost === undefined;
    this.#etag = undefined;
    this.#lost = undefined;
    if (!wasHeld) return this.#releasing ?? Promise.resolve();
    const run = (async () => {
      await this.#renewing?.catch(() => undefined); // its etag is the one to delete
      const etag = this.#written;
      if (etag === undefined) return;
      try {
        await this.objects.delete(this.key, { ifMatch: etag });
      } catch (err) {
        if (err instanceof PreconditionFailedError) return; // already taken over: not ours to delete
        throw asSqliteError(err, `releasing the lease ${this.key}`);
      }
    })();
    const tracked = run.finally(() => {
      if (this.#releasing === tracked) this.#releasing = undefined;
    });
    this.#releasing = tracked.catch(() => undefined);
    return tracked;
  }

  /** Whether anyone (us included) holds a live lease on this database: one GET. */
  async isLive(): Promise<boolean> {
    if (this.held) return true;
    return (await readLease(this.objects, this.key, this.#now())) !== undefined;
  }
}

/**
 * The live lease under `key`, or `undefined` when there is none or it has expired. A body that is
 * not a lease counts as no lease (it would be taken over by the next writer anyway).
 */
export async function readLease(objects: ObjectStore, key: string, now = Date.now()): Promise<LeaseBody | undefined> {
  let data: Uint8Array | undefined;
  try {
    data = await objects.get(key);
  } catch (err) {
    throw asSqliteError(err, `reading the lease ${key}`);
  }
  if (data === undefined) return undefined;
  const body = parseLeaseBody(data);
  return body !== undefined && body.expires > now ? body : undefined;
}

interface SendTimes {
  readonly monotonic: number;
  readonly wall: number;
}

/** Both clocks, read just before a lease write is sent (see write-fence.ts, "The deadline"). */
function sendTimes(wallNow: () => number): SendTimes {
  return { monotonic: monotonicNow(), wall: wallNow() };
}
