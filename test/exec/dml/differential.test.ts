/** Model-based differential test (see differential-support.ts for what is compared). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { expect } from 'vitest';
import { runDifferential, step, succeeded, TABLES, type Step } from './differential-support.js';

/**
 * Most runs start with some tables, so that most statements have something to change; every run
 * ends with COMMIT or ROLLBACK, so that a transaction left open by the random steps is finished
 * (and both statements are exercised often; with no transaction open both engines refuse them).
 */
const withTables = fc
  .tuple(fc.subarray([...TABLES]), fc.array(step, { minLength: 10, maxLength: 50 }), fc.constantFrom('COMMIT', 'ROLLBACK'))
  .map(([tables, steps, end]): Step[] => [...tables.map((t) => ({ sql: t.sql, params: [] })), ...steps, { sql: end, params: [] }]);

describe('DML/DDL against SQLite (model-based)', () => {
  it('random statement sequences give the same rows, errors and valid files', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(withTables, fc.constantFrom(512, 1024, 4096), async (steps, pageSize) => {
        await runDifferential(steps, pageSize, `run${run++}`);
      }),
      { numRuns: Number(process.env.RUNS ?? 40), timeout: 15_000, endOnFailure: process.env.NOSHRINK !== undefined, seed: Number(process.env.SEED ?? 42) },
    );
    // The runs did real work: many statements of every kind succeeded on both sides.
    for (const kind of ['CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'BEGIN', 'COMMIT', 'ROLLBACK']) {
      expect(succeeded.get(kind) ?? 0, `${kind} ${JSON.stringify([...succeeded])}`).toBeGreaterThan(kind === 'DROP' || kind === 'COMMIT' || kind === 'ROLLBACK' ? 0 : 5);
    }
  }, 120_000);

  it('the same over a plain file (PlainFileVfs), a short run', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(withTables, fc.constantFrom(1024, 4096), async (steps, pageSize) => {
        await runDifferential(steps, pageSize, `plain${run++}`, true);
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
