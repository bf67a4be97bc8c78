/**
 * Contention over real HTTP: four writers, each its own S3 client ("machine"), take turns through
 * the lease on the enforcing proxy in front of fauxqs while a reader checks an invariant the
 * writers keep (t3 always holds exactly 10 more rows than t2: every transaction adds one to each).
 * At the end no committed transaction is lost and sqlite3 finds the file intact. Also measures
 * what safe mode costs per commit against no lease and against no journal at all.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEntries, insertRow } from '../../src/btree/index.js';
import { BusyError } from '../../src/errors.js';
import { openSafePager } from '../../src/pager/commit-protocol.js';
import { readConsistent } from '../../src/pager/consistent-read.js';
import { Pager } from '../../src/pager/pager.js';
import { encodeRecord } from '../../src/record/record.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { INITIAL_SQL, RW, exportFile, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

const initial = makeDatabaseBytes(INITIAL_SQL);
const T2 = 3;
const T3 = 4;
const tmp = tempDir('s3lite-contention');
let s3: SafetyS3;
beforeAll(async () => {
  s3 = await startSafetyS3();
});
afterAll(async () => {
  await s3.close();
  tmp.cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function open(store: ObjectStore, prefix: string, locking: 'lease' | 'none' = 'lease'): Promise<Pager> {
  const vfs = new BlockVfs(store);
  return openSafePager(vfs, prefix, await vfs.xOpen(prefix, RW), { locking, lease: { busyTimeoutMs: 0 } });
}

describe('contention on S3 through the enforcing proxy', () => {
  it('4 writers × 6 transactions: none lost, losers got BusyError, readers saw only committed states', async () => {
    await uploadDatabase(s3.enforcing(), 'cont', initial, 1024);
    const WRITERS = 4;
    const TXS = 6;
    let busy = 0;
    let committed = 0;
    let done = false;

    const writer = async (w: number): Promise<void> => {
      const pager = await open(s3.enforcing(), 'cont');
      for (let i = 0; i < TXS; i++) {
        for (;;) {
          try {
            await pager.beginWrite();
            break;
          } catch (err) {
            if (!(err instanceof BusyError)) throw err;
            busy++;
            await sleep(5 + Math.random() * 30);
          }
        }
        const rowid = 10_000 + w * 100 + i;
        await insertRow(pager, T2, rowid, encodeRecord([null, `w${w} tx${i}`], 1));
        await insertRow(pager, T3, rowid, encodeRecord([null, new Uint8Array(200).fill(w)], 1));
        await pager.commit();
        committed++;
      }
    };

    let reads = 0;
    const reader = async (): Promise<void> => {
      const pager = await open(s3.enforcing(), 'cont');
      while (!done) {
        const [a, b] = await readConsistent(pager, async () => [await countEntries(pager, T2), await countEntries(pager, T3)]);
        expect(b! - a!).toBe(10);
        reads++;
      }
    };

    const readerRun = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    done = true;
    await readerRun;

    const check = await open(s3.enforcing(), 'cont');
    const rows = await readConsistent(check, () => countEntries(check, T2));
    console.log(`contention: committed ${committed}, BusyErrors ${busy}, reads ${reads}, lost ${20 + WRITERS * TXS - rows}`);
    expect(committed).toBe(WRITERS * TXS);
    expect(rows).toBe(20 + WRITERS * TXS);
    expect(busy).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
    const path = join(tmp.dir, 'cont.db');
    writeFileSync(path, (await exportFile(s3.enforcing(), 'cont'))!);
    expect(integrityCheck(path)).toBe('ok');
    expect(await s3.enforcing().get('cont-lock')).toBeUndefined();
  });

  it('reports what safe mode costs per commit (requests, wall time)', async () => {
    const N = 8;
    const measure = async (mode: 'safe' | 'journal-only' | 'bare'): Promise<{ requests: number; ms: number }> => {
      const store = s3.enforcing();
      const prefix = `cost-${mode}`;
      await uploadDatabase(store, prefix, initial, 1024);
      let pager: Pager;
      if (mode === 'bare') {
        pager = await Pager.open(await new BlockVfs(store).xOpen(prefix, RW));
      } else {
        pager = await open(store, prefix, mode === 'safe' ? 'lease' : 'none');
      }
      // Warm-up commit (the probe runs once per store).
      await pager.beginWrite();
      await insertRow(pager, T2, 5000, encodeRecord([null, 'warm'], 1));
      await pager.commit();
      const before = Object.values(store.requests).reduce((a, b) => a + b, 0);
      const t0 = performance.now();
      for (let i = 0; i < N; i++) {
        await pager.beginWrite();
        await insertRow(pager, T2, 5001 + i, encodeRecord([null, `cost ${i}`], 1));
        await pager.commit();
      }
      const ms = (performance.now() - t0) / N;
      const requests = (Object.values(store.requests).reduce((a, b) => a + b, 0) - before) / N;
      return { requests, ms };
    };
    const bare = await measure('bare');
    const journal = await measure('journal-only');
    const safe = await measure('safe');
    console.log(
      `per small commit on local S3 via proxy: bare ${bare.requests} req ${bare.ms.toFixed(1)} ms; ` +
        `journal only (locking none) ${journal.requests} req ${journal.ms.toFixed(1)} ms; ` +
        `safe (lease + journal) ${safe.requests} req ${safe.ms.toFixed(1)} ms`,
    );
    expect(safe.requests).toBeGreaterThan(bare.requests);

    // What a consistent read costs on top of the pages (warm cache, nothing changed).
    const store = s3.enforcing();
    const reader = await open(store, 'cost-safe');
    await readConsistent(reader, () => countEntries(reader, T2));
    const before = Object.values(store.requests).reduce((a, b) => a + b, 0);
    await readConsistent(reader, () => countEntries(reader, T2));
    const perRead = Object.values(store.requests).reduce((a, b) => a + b, 0) - before;
    console.log(`readConsistent on a warm cache: ${perRead} requests (the journal and block 0 as it begins; its end check is free: nothing was fetched)`);
    expect(perRead).toBe(2);
  });
});
