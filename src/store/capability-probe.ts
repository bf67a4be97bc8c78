/**
 * Does this store really enforce conditional writes? The lease (`vfs/lease.ts`) is only as safe
 * as `If-None-Match: *`: many S3-compatible servers accept the header and ignore it, and then two
 * writers both "win" the lease and corrupt the database. So before the first write to a store we
 * ask it, once:
 *
 *   put(P-probe-<random>, ifNoneMatch '*')   must succeed (the key is new)
 *   put(P-probe-<random>, ifNoneMatch '*')   must fail with PreconditionFailedError
 *   delete(P-probe-<random>)                 clean-up (also when the check fails)
 *
 * The probe object sits beside the database (never under `P/`). The result is cached per store
 * object (a WeakMap: no leak when the store is dropped).
 */
import { PreconditionFailedError, SqliteError, asSqliteError } from '../errors.js';
import { normalizePrefix } from './block-key.js';
import type { ObjectStore } from './object-store.js';

/** How a database is protected against concurrent writers. */
export type LockingMode = 'lease' | 'none';

/** Thrown when writing is refused because the store does not enforce conditional writes. */
export const UNENFORCED_MESSAGE =
  'this S3 endpoint ignores conditional writes (If-None-Match); concurrent writers could corrupt the database. ' +
  "Pass --unsafe-no-lock / { locking: 'none' } to write without a lock, as sqlite-s3vfs does";

const cache = new WeakMap<ObjectStore, Promise<boolean>>();

function randomSuffix(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Runs the probe (uncached): true when the store refuses a second `If-None-Match: *` create. */
export async function probeConditionalWrites(objects: ObjectStore, prefix: string): Promise<boolean> {
  const key = `${normalizePrefix(prefix)}-probe-${randomSuffix()}`;
  const body = new TextEncoder().encode('s3lite conditional-write probe\n');
  try {
    await objects.put(key, body, { ifNoneMatch: '*' });
    try {
      await objects.put(key, body, { ifNoneMatch: '*' });
      return false;
    } catch (err) {
      if (err instanceof PreconditionFailedError) return true;
      throw err;
    }
  } catch (err) {
    throw asSqliteError(err, `probing ${objects.url} for conditional writes`);
  } finally {
    await objects.delete(key).catch(() => undefined);
  }
}

/** The probe's answer for `objects`, run at most once per store object (a failed run is not cached). */
export function conditionalWritesEnforced(objects: ObjectStore, prefix: string): Promise<boolean> {
  let result = cache.get(objects);
  if (result === undefined) {
    result = probeConditionalWrites(objects, prefix);
    cache.set(objects, result);
    result.catch(() => cache.delete(objects));
  }
  return result;
}

/**
 * Throws a SqliteError (SQLITE_ERROR, with the message above) when `locking`
 * is 'lease' and the store does not enforce conditional writes. With `locking: 'none'` nothing is
 * checked: the caller asked for sqlite-s3vfs's behaviour.
 */
export async function requireSafeWrites(objects: ObjectStore, prefix: string, locking: LockingMode): Promise<void> {
  if (locking === 'none') return;
  if (!(await conditionalWritesEnforced(objects, prefix))) throw new SqliteError('SQLITE_ERROR', UNENFORCED_MESSAGE);
}
