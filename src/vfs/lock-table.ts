/**
 * In-process file locks with SQLite's rules (https://www.sqlite.org/lockingv3.html), shared by
 * every handle that one VFS instance opens on the same name — the role SQLite's unix VFS gives
 * to its per-inode lock table. Nothing here crosses a process or machine boundary: the S3 lease
 * that makes writing safe between machines is a separate, later layer.
 *
 *   NONE ──► SHARED ──► RESERVED ──► (PENDING) ──► EXCLUSIVE
 *
 * - SHARED: many at once; refused while anyone else holds PENDING or EXCLUSIVE.
 * - RESERVED: one at a time, alongside SHARED readers (a writer that has not written yet).
 * - PENDING: on the way to EXCLUSIVE; keeps new SHARED locks out while old readers drain.
 * - EXCLUSIVE: only when no one else holds any lock.
 * A refused request throws `BusyError`; a request that skips SHARED is a `MisuseError`.
 */
import { BusyError, MisuseError } from '../errors.js';
import { LockLevel } from './vfs.js';

/** One handle's lock on one name. */
export class FileLock {
  #level: LockLevel = LockLevel.NONE;

  constructor(
    private readonly holders: Set<FileLock>,
    readonly name: string,
  ) {}

  get level(): LockLevel {
    return this.#level;
  }

  lock(level: LockLevel): void {
    if (level <= this.#level) return;
    const others = [...this.holders].filter((h) => h !== this);
    const othersMax = others.reduce<number>((m, h) => Math.max(m, h.#level), LockLevel.NONE);
    if (level === LockLevel.SHARED) {
      if (othersMax >= LockLevel.PENDING) throw new BusyError(`database is locked: ${this.name}`);
      this.set(LockLevel.SHARED);
      return;
    }
    if (this.#level === LockLevel.NONE) {
      throw new MisuseError(`lock on ${this.name}: a SHARED lock must be held before ${lockName(level)}`);
    }
    if (othersMax >= LockLevel.RESERVED) throw new BusyError(`database is locked: ${this.name}`);
    if (level === LockLevel.RESERVED) {
      this.set(LockLevel.RESERVED);
      return;
    }
    // PENDING or EXCLUSIVE: take PENDING first so that no new reader gets in while we wait.
    this.set(LockLevel.PENDING);
    if (level === LockLevel.PENDING) return;
    if (othersMax >= LockLevel.SHARED) throw new BusyError(`database is locked: ${this.name} has readers`);
    this.set(LockLevel.EXCLUSIVE);
  }

  unlock(level: LockLevel): void {
    if (level > LockLevel.SHARED) {
      throw new MisuseError(`unlock on ${this.name}: can only lower to SHARED or NONE, not ${lockName(level)}`);
    }
    if (level < this.#level) this.set(level);
  }

  /** Whether any handle on this name (this one included) holds RESERVED or higher. */
  reservedByAnyone(): boolean {
    for (const h of this.holders) if (h.#level >= LockLevel.RESERVED) return true;
    return false;
  }

  private set(level: LockLevel): void {
    this.#level = level;
    if (level === LockLevel.NONE) this.holders.delete(this);
    else this.holders.add(this);
  }
}

/** The lock state of every name one VFS instance has opened. */
export class LockTable {
  private readonly byName = new Map<string, Set<FileLock>>();

  /** A fresh NONE lock for a new handle on `name`. */
  handle(name: string): FileLock {
    let holders = this.byName.get(name);
    if (holders === undefined) {
      holders = new Set();
      this.byName.set(name, holders);
    }
    return new FileLock(holders, name);
  }
}

function lockName(level: LockLevel): string {
  return ['NONE', 'SHARED', 'RESERVED', 'PENDING', 'EXCLUSIVE'][level] ?? String(level);
}
