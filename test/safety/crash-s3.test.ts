/**
 * The crash sweep of crash.test.ts over real HTTP: S3ObjectStore → enforcing proxy → fauxqs.
 * The writer's store dies before each single request of a commit in turn; a fresh opener (after
 * the lease expired) must find exactly the before or the after state, intact for sqlite3.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrityCheck, makeDatabaseBytes, tempDir } from '../support/sqlite3.js';
import { FaultyStore, INITIAL_SQL, TRANSACTIONS, exportFile, openSafe, sameBytes, uploadDatabase } from './harness.js';
import { type SafetyS3, startSafetyS3 } from './s3-fixture.js';

const initial = makeDatabaseBytes(INITIAL_SQL);
const LAYOUT = { t1: 2, t2: 3, t3: 4, t3SchemaRowid: 3, schemaRows: 3 };
const tmp = tempDir('s3lite-crash-s3');
let s3: SafetyS3;
beforeAll(async () => {
  s3 = await startSafetyS3();
});
afterAll(async () => {
  await s3.close();
  tmp.cleanup();
});

let prefixes = 0;

describe.each(['small update', 'DROP TABLE that frees pages'])('crash on S3 during "%s"', (label) => {
  const tx = TRANSACTIONS[label]!;
  it('recovers to exactly the before or the after state at every request', async () => {
    const store = s3.enforcing();
    const attempt = async (failAt: number | undefined): Promise<{ prefix: string; calls: number }> => {
      const prefix = `crash${++prefixes}`;
      await uploadDatabase(store, prefix, initial, 1024);
      const faulty = new FaultyStore(store);
      const pager = await openSafe(faulty, { prefix });
      faulty.arm(failAt);
      await pager.beginWrite().then(() => tx(pager, LAYOUT)).then(() => pager.commit()).catch(() => undefined);
      return { prefix, calls: faulty.calls };
    };
    const clean = await attempt(undefined);
    const after = (await exportFile(store, clean.prefix))!;
    expect(sameBytes(after, initial)).toBe(false);
    let before = 0;
    for (let n = 1; n <= clean.calls; n++) {
      const { prefix } = await attempt(n);
      const pager = await openSafe(s3.enforcing(), { prefix, clockAheadMs: 60_000 });
      pager.close();
      const got = (await exportFile(store, prefix))!;
      const isBefore = sameBytes(got, initial);
      expect(isBefore || sameBytes(got, after), `${label}: crash before request ${n} of ${clean.calls}`).toBe(true);
      if (isBefore) before++;
      const path = join(tmp.dir, `${prefix}.db`);
      writeFileSync(path, got);
      expect(integrityCheck(path)).toBe('ok');
    }
    console.log(`S3 crash points for "${label}": ${clean.calls} tried, ${clean.calls} passed (${before} rolled back)`);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(clean.calls);
  });
});
