/**
 * The capability probe against plain fauxqs (ignores conditions) and the enforcing proxy, and the
 * writer lease through the proxy: racing writers, busy timeout, expiry takeover, renewal, garbage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusyError, PreconditionFailedError, SqliteError } from '../../src/errors.js';
import { conditionalWritesEnforced, probeConditionalWrites, requireSafeWrites } from '../../src/store/capability-probe.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { Lease, leaseKey, parseLeaseBody, readLease } from '../../src/vfs/lease.js';
import { insertRow } from '../../src/btree/index.js';
import { openSafePager } from '../../src/pager/commit-protocol.js';
import { encodeRecord } from '../../src/record/record.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { LockLevel, OpenFlags } from '../../src/vfs/vfs.js';
import { makeDatabaseBytes } from '../support/sqlite3.js';
import { RW, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

let s3: SafetyS3;
beforeAll(async () => {
  s3 = await startSafetyS3();
});
afterAll(async () => {
  await s3.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('conditional-write probe', () => {
  it('reports fauxqs as not enforcing and the proxy and memory store as enforcing', async () => {
    expect(await probeConditionalWrites(s3.direct(), 'db')).toBe(false);
    expect(await probeConditionalWrites(s3.enforcing(), 'db')).toBe(true);
    expect(await probeConditionalWrites(new MemoryObjectStore(), 'db')).toBe(true);
  });

  it('cleans up its probe objects', async () => {
    const store = s3.enforcing();
    await probeConditionalWrites(store, 'clean');
    const left: string[] = [];
    for await (const o of store.list('clean')) left.push(o.key);
    expect(left).toEqual([]);
  });

  it('refuses to write to a non-enforcing store with a clear error unless locking is none', async () => {
    const store = s3.direct();
    const err = await requireSafeWrites(store, 'db', 'lease').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteError);
    expect((err as Error).message).toMatch(/ignores conditional writes \(If-None-Match\).*--unsafe-no-lock/);
    await expect(requireSafeWrites(store, 'db', 'none')).resolves.toBeUndefined();
  });

  it('caches the answer per store', async () => {
    const store = s3.enforcing();
    expect(await conditionalWritesEnforced(store, 'db')).toBe(true);
    const puts = store.requests.put;
    expect(await conditionalWritesEnforced(store, 'db')).toBe(true);
    expect(store.requests.put).toBe(puts);
  });
});

describe('the proxy enforces S3 semantics', () => {
  it('412 for If-None-Match on an existing key and a stale If-Match; 404-as-precondition for a missing key', async () => {
    const store = s3.enforcing();
    const { etag } = await store.put('sem/a', new Uint8Array([1]), { ifNoneMatch: '*' });
    await expect(store.put('sem/a', new Uint8Array([2]), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    const second = await store.put('sem/a', new Uint8Array([3]), { ifMatch: etag });
    await expect(store.put('sem/a', new Uint8Array([4]), { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(store.delete('sem/a', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.delete('sem/a', { ifMatch: second.etag });
    await expect(store.delete('sem/a', { ifMatch: second.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.get('sem/a')).toBeUndefined();
  });
});

describe('lease through the enforcing proxy', () => {
  it('of many racing writers exactly one wins; the others get BusyError', async () => {
    const leases = Array.from({ length: 6 }, () => new Lease(s3.enforcing(), 'race1', { busyTimeoutMs: 0 }));
    const results = await Promise.allSettled(leases.map((l) => l.acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError);
    const winner = leases.find((l) => l.held)!;
    const body = await readLease(s3.enforcing(), leaseKey('race1'));
    expect(body?.owner).toBe(winner.owner);
    await winner.release();
    expect(await s3.enforcing().get(leaseKey('race1'))).toBeUndefined();
  });

  it('the loser waits up to busyTimeout, then BusyError; it gets in once the holder releases', async () => {
    const a = new Lease(s3.enforcing(), 'wait1');
    const b = new Lease(s3.enforcing(), 'wait1', { busyTimeoutMs: 300 });
    await a.acquire();
    const t0 = Date.now();
    await expect(b.acquire()).rejects.toBeInstanceOf(BusyError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const c = new Lease(s3.enforcing(), 'wait1', { busyTimeoutMs: 5000 });
    const waiting = c.acquire();
    await sleep(100);
    await a.release();
    await waiting;
    expect(c.held).toBe(true);
    await c.release();
  });

  it('an expired lease (a dead writer) is taken over; the dead writer finds its lease lost', async () => {
    const dead = new Lease(s3.enforcing(), 'exp1', { durationMs: 300, renewEveryMs: 100 });
    await dead.acquire();
    dead.abandon(); // the process dies: no more renewals
    const next = new Lease(s3.enforcing(), 'exp1', { busyTimeoutMs: 2000 });
    await next.acquire();
    expect(next.held).toBe(true);
    expect((await readLease(s3.enforcing(), leaseKey('exp1')))?.owner).toBe(next.owner);
    await expect(dead.renew()).rejects.toBeInstanceOf(BusyError);
    expect(() => dead.check()).toThrow(BusyError);
    await dead.release(); // harmless: never deletes the new holder's lease
    expect((await readLease(s3.enforcing(), leaseKey('exp1')))?.owner).toBe(next.owner);
    await next.release();
  });

  it('renewal keeps a long transaction alive past several lease durations', async () => {
    // A rival judges expiry on S3's clock (whole seconds): the holder's lease must outlive 1 s.
    const holder = new Lease(s3.enforcing(), 'renew1', { durationMs: 1000, renewEveryMs: 200 });
    await holder.acquire();
    const rival = new Lease(s3.enforcing(), 'renew1');
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      await expect(rival.acquire()).rejects.toBeInstanceOf(BusyError);
    }
    await holder.confirm();
    expect(holder.held).toBe(true);
    await holder.release();
    await rival.acquire();
    await rival.release();
  });

  it('a lease object holding garbage is not trusted: it is taken over conditionally', async () => {
    const store = s3.enforcing();
    await store.put(leaseKey('garbage1'), new TextEncoder().encode('\u0000\u00ff not json'));
    expect(await readLease(store, leaseKey('garbage1'))).toBeUndefined();
    const l = new Lease(store, 'garbage1');
    await l.acquire();
    expect(parseLeaseBody((await store.get(leaseKey('garbage1')))!)?.owner).toBe(l.owner);
    await l.release();
  });

  it('never sits under the database prefix', () => {
    expect(leaseKey('a/b/db')).toBe('a/b/db-lock');
    expect(leaseKey('a/b/db/')).toBe('a/b/db-lock');
  });
});

describe('BlockVfs locks through the lease', () => {
  it('xLock(RESERVED) takes the lease, xCheckReservedLock sees it from another machine, xUnlock releases it', async () => {
    await uploadDatabase(s3.enforcing(), 'locks', makeDatabaseBytes('CREATE TABLE t(x);'), 4096);
    const a = await new BlockVfs(s3.enforcing(), { lease: {} }).xOpen('locks', RW);
    const b = await new BlockVfs(s3.enforcing(), { lease: { busyTimeoutMs: 0 } }).xOpen('locks', RW);
    const reader = await new BlockVfs(s3.enforcing(), { lease: {} }).xOpen('locks', OpenFlags.SQLITE_OPEN_READONLY);
    expect(reader.lease).toBeUndefined(); // read-only handles never lease
    await a.xLock(LockLevel.SHARED);
    await b.xLock(LockLevel.SHARED);
    expect(await b.xCheckReservedLock()).toBe(false);
    await a.xLock(LockLevel.RESERVED);
    expect(await b.xCheckReservedLock()).toBe(true);
    await expect(b.xLock(LockLevel.RESERVED)).rejects.toBeInstanceOf(BusyError);
    await a.xUnlock(LockLevel.SHARED);
    expect(await b.xCheckReservedLock()).toBe(false);
    await b.xLock(LockLevel.EXCLUSIVE);
    expect(b.lease?.held).toBe(true);
    await b.xClose(); // closing releases
    expect(await s3.enforcing().get(leaseKey('locks'))).toBeUndefined();
    await a.xClose();
    await reader.xClose();
  });
});

describe('the safe pager on a store that ignores conditions', () => {
  it("refuses to begin a write unless locking is 'none'", async () => {
    const store = s3.direct();
    await uploadDatabase(store, 'unsafe', makeDatabaseBytes('CREATE TABLE t(x);'), 4096);
    const vfs = new BlockVfs(store);
    const safe = await openSafePager(vfs, 'unsafe', await vfs.xOpen('unsafe', RW));
    const err = await safe.beginWrite().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqliteError);
    expect((err as Error).message).toMatch(/ignores conditional writes/);
    expect(safe.inWriteTransaction).toBe(false);
    const unsafe = await openSafePager(vfs, 'unsafe', await vfs.xOpen('unsafe', RW), { locking: 'none' });
    await unsafe.beginWrite();
    await insertRow(unsafe, 2, 1, encodeRecord([1n], 1));
    await unsafe.commit();
    expect(await store.get('unsafe-lock')).toBeUndefined(); // no lease taken
    expect(await store.get('unsafe-journal/0000000000')).toBeUndefined(); // journal committed and gone
  });
});
