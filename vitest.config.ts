import { defineConfig } from 'vitest/config';

/**
 * Test files whose outcome depends on time: write leases and their deadlines, busy timeouts,
 * processes frozen or killed at a moment, request ordering over S3. They run alone, one file at
 * a time, after the rest, so a loaded machine cannot starve a lease holder into a false failure.
 */
const TIMING = [
  'test/safety/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/vfs/**/*.test.ts',
  'test/transfer/**/*.test.ts',
  'test/perf/**/*.test.ts',
  'test/cli/transfer-cli.test.ts',
  'test/cli/write-s3-cli.test.ts',
  'test/api/auto-vacuum-s3.test.ts',
  'test/api/single-object.test.ts',
  'test/api/database-wiring.test.ts',
  'test/pager/journal-sqlite.test.ts',
];

export default defineConfig({
  test: {
    // Starts a real S3-compatible server (fauxqs) on 127.0.0.1 for each project's run.
    globalSetup: ['test/support/s3-global-setup.ts'],
    // One fixed fast-check seed for every property test (FC_SEED=random explores).
    setupFiles: ['test/support/fast-check-seed.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Everything else: two files at a time (the machine's two cores; many tests wait on
      // child processes — sqlite3, the CLI — more than they compute). Each test's time limit is
      // doubled, since a file shares the cores with another.
      {
        extends: true,
        test: { name: 'parallel', include: ['test/**/*.test.ts'], exclude: TIMING, maxWorkers: 2, testTimeout: 120_000, hookTimeout: 120_000, sequence: { groupOrder: 0 } },
      },
      // Then the timing-sensitive files, one at a time, with the machine to themselves.
      { extends: true, test: { name: 'timing', include: TIMING, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
