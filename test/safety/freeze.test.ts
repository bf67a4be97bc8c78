/**
 * A writer frozen past its lease must not tear the database when it wakes (the write fence,
 * src/store/write-fence.ts). With real processes, on S3 through the conditional-write proxy (a
 * stand-in for S3's documented If-None-Match / If-Match behaviour) and on the directory store:
 *
 *   1. writer A (freeze-worker.ts, a 10 s lease) runs one big UPDATE and is frozen — SIGSTOP of its
 *      process — at a chosen request of its commit (or at a random instant once its journal exists);
 *   2. writer B, the real CLI (`s3lite exec … --busy-timeout`), waits out A's lease, takes it over,
 *      rolls A's hot journal back and commits its own change;
 *   3. A is thawed (SIGCONT) and carries on;
 *   4. the database must pass sqlite3's integrity check, A's transaction must be all or nothing,
 *      and B's commit must be there.
 *
 * The freeze points are the requests of A's commit in order: the journal upload (right after the
 * lease, before any page), block 0 (page 1, the new change counter), an early and a late page
 * among the parallel uploads, and the journal DELETE (the commit point).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { integrityCheck, makeDatabaseBytes, sqlite3, tempDir } from '../support/sqlite3.js';
import { exportFile, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

const ROOT = join(import.meta.dirname, '../..');
const WORKER = join(import.meta.dirname, 'freeze-worker.ts');
const ROWS = 1200;

/** ~65 pages of `big` (4 KiB pages): A's UPDATE rewrites every one of them. */
const initial = makeDatabaseBytes(`
  PRAGMA page_size = 4096;
  CREATE TABLE big(id INTEGER PRIMARY KEY, n INTEGER, v TEXT);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS})
  INSERT INTO big SELECT i, 0, printf('row %d %.200c', i, 'x') FROM c;
  CREATE TABLE ctr(v INTEGER);
  INSERT INTO ctr VALUES (0);
`);

interface FreezePoint {
  readonly label: string;
  /** Where A stops itself; undefined: the test stops it at a random instant after its journal appears. */
  readonly at?: { readonly op: 'put' | 'delete'; readonly key: string; readonly nth: number };
}

const POINTS: readonly FreezePoint[] = [
  { label: 'the journal upload (after the lease)', at: { op: 'put', key: '-journal/', nth: 1 } },
  { label: 'block 0 (page 1)', at: { op: 'put', key: '/0000000000', nth: 1 } },
  { label: 'an early page upload', at: { op: 'put', key: '/', nth: 3 } },
  { label: 'a late page upload', at: { op: 'put', key: '/', nth: 50 } },
  { label: 'the journal DELETE (the commit point)', at: { op: 'delete', key: '-journal/', nth: 1 } },
  { label: 'a random instant after the journal appears' },
];

/**
 * More random instants: where a request waits between its fence check and its bytes leaving the
 * process, a freeze there lands it after the takeover. On S3 that was a new connection's
 * handshake or a wait for a pooled socket (fenced-http.ts): 7 of 30 random freezes tore the
 * database before the fix. On the directory store a rename queued in libuv's thread pool behind
 * other uploads' fsyncs: about 1 in 12.
 */
const MORE_RANDOM: readonly FreezePoint[] = [1, 2, 3].map((i) => ({ label: `random instant #${i + 1} after the journal appears` }));

interface Proc {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
}

function start(args: readonly string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', ...env },
  });
  const p: Proc = { child, out: '', err: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

/** Polls `ready` until it holds or `timeoutMs` passes; whether it held. */
async function until(ready: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<boolean> {
  const t0 = Date.now();
  while (!(await ready())) {
    if (Date.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

interface Target {
  /** The store as this test process reaches it (to seed, watch and export). */
  readonly store: ObjectStore;
  /** The worker's `store` argument. */
  readonly workerStore: object;
  /** The CLI's location argument and extra options for database `prefix`. */
  cli(prefix: string): string[];
}

/**
 * Runs the four steps at one freeze point on database `prefix`; returns what A reported. A writer
 * starved by a loaded machine can lose its lease (correctly fenced) before it reaches its freeze
 * point: that attempt proves nothing about the point, so it is run once more on a fresh prefix.
 */
async function freezeAndTakeOver(target: Target, prefix: string, point: FreezePoint, tmp: string): Promise<string> {
  const first = await attempt(target, prefix, point, tmp);
  if (first !== 'lost the lease early') return first;
  const second = await attempt(target, `${prefix}r`, point, tmp);
  expect(second, `A lost its lease before ${point.label} twice`).not.toBe('lost the lease early');
  return second;
}

async function attempt(target: Target, prefix: string, point: FreezePoint, tmp: string): Promise<string> {
  await uploadDatabase(target.store, prefix, initial, 4096);
  const a = start([WORKER, JSON.stringify({ store: target.workerStore, prefix, ...(point.at && { freezeAt: point.at }) })]);
  try {
    if (point.at !== undefined) {
      await until(() => a.out.includes('frozen') || a.child.exitCode !== null);
      if (!a.out.includes('frozen') && /failed SQLITE_BUSY lost the write lease/.test(a.out)) return 'lost the lease early';
      expect(a.out, `A never reached ${point.label}: ${a.err}`).toContain('frozen');
    } else {
      // (A failed poll — a reset keep-alive socket on a loaded machine — is just "not yet".)
      const appeared = await until(async () => (await target.store.head(`${prefix}-journal/0000000000`).catch(() => undefined)) !== undefined);
      expect(appeared, `A's journal never appeared: ${a.out} ${a.err}`).toBe(true);
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      a.child.kill('SIGSTOP');
    }
    // B: the real CLI, waiting out A's lease.
    const b = start(['src/cli/run.ts', 'exec', ...target.cli(prefix), 'UPDATE ctr SET v = v + 1', '--busy-timeout', '30000']);
    const bCode = await b.exited;
    expect(bCode, `B failed: ${b.err}`).toBe(0);
  } finally {
    a.child.kill('SIGCONT');
  }
  await a.exited;

  // Whatever A left behind: no hot journal may remain, and the file is whole.
  const journal = await exportFile(target.store, `${prefix}-journal`);
  expect(journal === undefined || journal.subarray(0, 8).every((x) => x === 0), 'a hot journal was left').toBe(true);
  const bytes = (await exportFile(target.store, prefix))!;
  const path = join(tmp, `${prefix.replace(/\W/g, '_')}.db`);
  writeFileSync(path, bytes);
  expect(integrityCheck(path), `${point.label}: integrity`).toBe('ok');
  const [sumN, count] = sqlite3(path, 'SELECT sum(n), count(*) FROM big').trim().split('|').map(Number);
  const ctr = Number(sqlite3(path, 'SELECT v FROM ctr').trim());
  expect(ctr, `${point.label}: B's commit is lost`).toBe(1);
  expect(count).toBe(ROWS);
  // All or nothing, and what A said agrees with what is there.
  expect([0, ROWS], `${point.label}: A's transaction is partly there`).toContain(sumN);
  if (sumN === ROWS) expect(a.out).toContain('committed');
  else expect(a.out).toMatch(/failed SQLITE_BUSY/);
  return a.out;
}

/**
 * Runs the points three at a time: in parallel to keep the test short, but not all at once — on
 * two loaded cores a starved writer can lose its lease before it reaches its freeze point (the
 * fence doing its job, and then that point is not tested).
 */
async function inWaves<T, R>(items: readonly T[], fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += 3) {
    out.push(...(await Promise.all(items.slice(start, start + 3).map((item, k) => fn(item, start + k)))));
  }
  return out;
}

let s3: SafetyS3;
const tmp = tempDir('s3lite-freeze');
beforeAll(async () => {
  s3 = await startSafetyS3();
});
afterAll(async () => {
  await s3.close();
  tmp.cleanup();
});

describe('a writer frozen past its lease', () => {
  it('on S3 (conditional writes enforced): every freeze point leaves integrity ok, A all or nothing, B kept', async () => {
    const target: Target = {
      store: s3.enforcing(),
      workerStore: { endpoint: s3.proxy.endpoint, bucket: s3.bucket },
      cli: (prefix) => [`s3://${s3.bucket}/${prefix}`, '--endpoint', s3.proxy.endpoint],
    };
    const points = [...POINTS, ...MORE_RANDOM];
    const outcomes = await inWaves(points, (point, i) => freezeAndTakeOver(target, `freeze${i}`, point, tmp.dir));
    // The deterministic points all stop before A's commit point: A must have been fenced off.
    for (const [i, out] of outcomes.entries()) {
      if (points[i]!.at !== undefined) expect(out, points[i]!.label).toMatch(/failed SQLITE_BUSY lost the write lease/);
    }
  }, 300_000);

  it('on the directory store: the same', async () => {
    const root = join(tmp.dir, 'dirs');
    mkdirSync(root, { recursive: true });
    const target: Target = {
      store: new DirectoryObjectStore(root),
      workerStore: { dir: root },
      cli: (prefix) => [`${join(root, prefix)}/`],
    };
    const points = [...POINTS, ...MORE_RANDOM];
    const outcomes = await inWaves(points, (point, i) => freezeAndTakeOver(target, `dfreeze${i}`, point, tmp.dir));
    for (const [i, out] of outcomes.entries()) {
      if (points[i]!.at !== undefined) expect(out, points[i]!.label).toMatch(/failed SQLITE_BUSY lost the write lease/);
    }
  }, 300_000);
});
