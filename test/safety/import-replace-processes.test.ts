/**
 * `s3lite import --replace` as a user runs it, in real processes, on a block directory and on S3
 * (fauxqs behind the enforcing proxy, the stand-in for S3's conditional writes):
 *
 * - SIGKILLed at instants spread over the whole replace (journaling the old database, writing the
 *   new one, committing): a fresh opener — once the killed importer's lease has expired — finds
 *   the old database or the new one byte for byte (the new one as SQLite's own `.restore` leaves
 *   it), and sqlite3 finds it intact;
 * - while another process holds the writer lease in a long transaction: SQLITE_BUSY without a busy
 *   timeout (nothing written), and with one it waits and replaces after that writer's commit;
 * - while a writer process commits in a loop: never interleaved (the writer's invariant holds and
 *   sqlite3 finds the file intact).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEntries, insertRow } from '../../src/btree/index.js';
import { readConsistent } from '../../src/pager/consistent-read.js';
import { encodeRecord } from '../../src/record/record.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { INITIAL_SQL, exportFile, openSafe, sameBytes, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

const ROOT = join(import.meta.dirname, '../..');
const WORKER = join(import.meta.dirname, 'worker.ts');
const tmp = tempDir('s3lite-replace-proc');
let s3: SafetyS3;
beforeAll(async () => {
  s3 = await startSafetyS3();
});
afterAll(async () => {
  await s3.close();
  tmp.cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ~1 MB old database and ~3 MB new one: a replace long enough to be killed in every phase. */
const OLD = makeDatabaseBytes(
  `CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000) INSERT INTO t SELECT randomblob(900) FROM c;`,
);
const NEW = makeDatabaseBytes(
  `PRAGMA page_size = 8192; CREATE TABLE u(y); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000) INSERT INTO u SELECT randomblob(900) FROM c;`,
);
const NEW_FILE = join(tmp.dir, 'new.sqlite');
writeFileSync(NEW_FILE, NEW);
const EXPECTED = restoredBySqlite(OLD, NEW);

interface Child {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

/** The CLI from source, as runCli runs it, but not waited for (node itself with tsx's loader, so SIGKILL kills it). */
function startCli(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
  });
  const c: Child = { child, stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stderr!.on('data', (d: Buffer) => (c.stderr += d.toString()));
  return c;
}

async function checkFile(bytes: Uint8Array, name: string): Promise<void> {
  const path = join(tmp.dir, name);
  writeFileSync(path, bytes);
  expect(integrityCheck(path)).toBe('ok');
}

interface Target {
  readonly label: string;
  /** A fresh location holding OLD: its CLI spec, its store and prefix, and whether its lease object exists. */
  make(n: number): Promise<{ spec: string; store: ObjectStore; prefix: string; leased: () => Promise<boolean>; flags: string[] }>;
}

const TARGETS: Target[] = [
  {
    label: 'a block directory',
    async make(n) {
      const store = new DirectoryObjectStore(tmp.dir);
      const prefix = `dir${n}`;
      await uploadDatabase(store, prefix, OLD, 4096);
      return { spec: join(tmp.dir, `${prefix}/`), store, prefix, leased: async () => existsSync(join(tmp.dir, `${prefix}-lock`)), flags: [] };
    },
  },
  {
    label: 'S3 (enforcing proxy)',
    async make(n) {
      const store = s3.enforcing();
      const prefix = `s3-${n}`;
      await uploadDatabase(store, prefix, OLD, 4096);
      return {
        spec: `s3://${s3.bucket}/${prefix}`,
        store,
        prefix,
        leased: async () => (await store.head(`${prefix}-lock`)) !== undefined,
        flags: ['--endpoint', s3.proxy.endpoint],
      };
    },
  },
];

describe.each(TARGETS)('import --replace on $label', (target) => {
  it('SIGKILLed at any instant leaves the old database or the new one, byte for byte', async () => {
    // How long a whole replace takes here, from the lease taken to the exit: the kills are spread over it.
    const clean = await target.make(0);
    const run = startCli(['import', NEW_FILE, clean.spec, '--replace', '-q', ...clean.flags]);
    while (!(await clean.leased()) && run.child.exitCode === null) await sleep(5);
    const t0 = Date.now();
    expect(await run.exited, run.stderr).toBe(0);
    const duration = Date.now() - t0;
    expect(sameBytes(await exportFile(clean.store, clean.prefix), EXPECTED)).toBe(true);

    const outcomes = { old: 0, new: 0 };
    const KILLS = 5;
    for (let k = 1; k <= KILLS; k++) {
      const at = await target.make(k);
      const cli = startCli(['import', NEW_FILE, at.spec, '--replace', '-q', ...at.flags]);
      while (!(await at.leased()) && cli.child.exitCode === null) await sleep(5);
      // Spread over the replace, with some randomness: early (journaling) to late (committing), the
      // last one around the end.
      await sleep(duration * 1.2 * ((k - 1 + Math.random()) / KILLS));
      cli.child.kill('SIGKILL');
      await cli.exited;

      const pager = await openSafe(at.store, { prefix: at.prefix, clockAheadMs: 60_000 });
      pager.close();
      const recovered = (await exportFile(at.store, at.prefix))!;
      const isOld = sameBytes(recovered, OLD);
      expect(isOld || sameBytes(recovered, EXPECTED), `kill ${k}: a third state`).toBe(true);
      outcomes[isOld ? 'old' : 'new']++;
      await checkFile(recovered, `killed-${target.label.length}-${k}.db`);
    }
    console.log(`import --replace on ${target.label}: ${duration} ms; ${KILLS} kills → old ${outcomes.old}, new ${outcomes.new}`);
  }, 600_000);
});

describe('import --replace and other writers (processes, block directory)', () => {
  it('SQLITE_BUSY while another connection holds the lease; with --busy-timeout it waits for its commit', async () => {
    const store = new DirectoryObjectStore(tmp.dir);
    await uploadDatabase(store, 'held', OLD, 4096);
    // (The CLI runs asynchronously throughout: this process must keep renewing its lease.)
    const writer = await openSafe(store, { prefix: 'held', lease: { durationMs: 10_000, renewEveryMs: 2000 } });
    await writer.beginWrite();
    await insertRow(writer, 2, 5000, encodeRecord([new Uint8Array(300).fill(9)], 1));

    const refused = startCli(['import', NEW_FILE, join(tmp.dir, 'held/'), '--replace']);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^SQLITE_BUSY: database is locked: .*held-lock is held by/);
    expect(sameBytes(await exportFile(store, 'held'), OLD)).toBe(true);

    const waiting = startCli(['import', NEW_FILE, join(tmp.dir, 'held/'), '--replace', '--busy-timeout', '60000']);
    await sleep(1500);
    expect(waiting.child.exitCode).toBe(null);
    expect(sameBytes(await exportFile(store, 'held'), OLD)).toBe(true);
    await writer.commit();
    const committed = (await exportFile(store, 'held'))!;
    writer.close();
    expect(await waiting.exited, waiting.stderr).toBe(0);
    expect(waiting.stderr).toMatch(/^replaced the database at .*held/);
    expect(sameBytes(await exportFile(store, 'held'), restoredBySqlite(committed, NEW))).toBe(true);
  }, 300_000);

  it('never interleaves with a writer process committing in a loop', async () => {
    // Old and new share the tables the worker writes (t2 root 3, t3 root 4); the new one has 500 rows in t1.
    const initial = makeDatabaseBytes(INITIAL_SQL);
    const bigger = makeDatabaseBytes(
      `${INITIAL_SQL} WITH RECURSIVE c(i) AS (SELECT 51 UNION ALL SELECT i + 1 FROM c WHERE i < 500) INSERT INTO t1 SELECT i, printf('more %d', i) FROM c;`,
    );
    const file = join(tmp.dir, 'bigger.sqlite');
    writeFileSync(file, bigger);
    const store = new DirectoryObjectStore(tmp.dir);
    await uploadDatabase(store, 'busy', initial, 1024);
    const worker = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ store: { dir: tmp.dir }, prefix: 'busy', writer: 1, txs: 12 })], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let workerErr = '';
    worker.stderr!.on('data', (d: Buffer) => (workerErr += d.toString()));
    const workerExit = new Promise<number | null>((resolve) => worker.on('exit', resolve));
    await sleep(500);
    const cli = startCli(['import', file, join(tmp.dir, 'busy/'), '--replace', '--busy-timeout', '120000']);
    expect(await cli.exited, cli.stderr).toBe(0);
    expect(await workerExit, workerErr).toBe(0);

    const reader = await openSafe(store, { prefix: 'busy', readonly: true });
    const [t1, t2, t3] = await readConsistent(reader, async () => [await countEntries(reader, 2), await countEntries(reader, 3), await countEntries(reader, 4)]);
    reader.close();
    expect(t1).toBe(500); // the replace happened
    expect(t3! - t2!).toBe(10); // every writer commit is whole (one row in each table) or absent
    await checkFile((await exportFile(store, 'busy'))!, 'busy.db');
  }, 300_000);
});
