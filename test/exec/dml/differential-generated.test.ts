/**
 * Model-based differential test of generated columns (VIRTUAL and STORED), expression indexes
 * and partial indexes against sql.js: random statement sequences (differential-generated.ts)
 * give the same outcomes, errors, rows and schema, and every committed file passes our check
 * and sqlite3's `PRAGMA integrity_check` (differential-support.ts).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failedBoth, returnedRows, runDifferential, succeeded, type Step } from './differential-support.js';
import { generatedSetup, generatedStep } from './differential-generated.js';

const runs = fc
  .tuple(generatedSetup, fc.array(generatedStep, { minLength: 15, maxLength: 35, size: 'large' }), fc.constantFrom('COMMIT', 'ROLLBACK'))
  .map(([setup, steps, end]): Step[] => [...setup, ...steps, { sql: end, params: [] }]);

/** One fixed seed by default; SEED=… RUNS=… explore others. */
const DEFAULT_SEED = 14;

describe('generated columns, expression and partial indexes against SQLite (model-based)', () => {
  it('random statement sequences give the same rows, returned rows, errors and valid files', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(runs, fc.constantFrom(512, 4096), async (steps, pageSize) => {
        await runDifferential(steps, pageSize, `gen${run++}`);
      }),
      { numRuns: Number(process.env.RUNS ?? 8), timeout: 20_000, endOnFailure: process.env.NOSHRINK !== undefined, seed: Number(process.env.SEED ?? DEFAULT_SEED) },
    );
    if (process.env.DML_STATS !== undefined) writeFileSync(process.env.DML_STATS, JSON.stringify({ succeeded: [...succeeded], returned: [...returnedRows], failed: [...failedBoth].sort((a, b) => b[1] - a[1]).slice(0, 25) }, null, 1));
    // The runs did real work: statements of each kind succeeded.
    for (const kind of ['INSERT', 'UPDATE', 'DELETE', 'SELECT', 'CREATE', 'ALTER']) {
      expect(succeeded.get(kind) ?? 0, `${kind} ${JSON.stringify([...succeeded])}`).toBeGreaterThan(3);
    }
  }, 300_000);
});
